package group

import (
	"slices"

	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kmsg"
)

// OffsetCommit v0-9, OffsetFetch v0-9, OffsetDelete v0.

func (c *Coordinator) offsetCommit(r Request, q *kmsg.OffsetCommitRequest) {
	resp := kmsg.NewPtrOffsetCommitResponse()
	resp.SetVersion(q.Version)
	for _, t := range q.Topics {
		rt := kmsg.OffsetCommitResponseTopic{Topic: t.Topic}
		for _, p := range t.Partitions {
			rt.Partitions = append(rt.Partitions, kmsg.OffsetCommitResponseTopicPartition{Partition: p.Partition})
		}
		resp.Topics = append(resp.Topics, rt)
	}
	setAll := func(code int16) {
		for i := range resp.Topics {
			for j := range resp.Topics[i].Partitions {
				resp.Topics[i].Partitions[j].ErrorCode = code
			}
		}
	}
	if code := c.commitCode(q); code != 0 {
		setAll(code)
		c.respond(r.ID, resp)
		return
	}
	g := c.group(q.Group)
	if g == nil {
		g = c.getOrCreate(q.Group) // generation < 0: a group that only stores offsets
	}
	if m := g.members[q.MemberID]; m != nil && (g.state == Stable || g.state == PreparingRebalance) {
		c.timers.set(timerKey{timerHeartbeat, g.id, m.id}, c.now.Add(m.sessionTimeout))
	}
	nowMs := c.now.UnixMilli()
	expire := int64(-1)
	if q.Version >= 2 && q.Version <= 4 && q.RetentionTimeMillis >= 0 {
		expire = nowMs + q.RetentionTimeMillis
	}
	type commit struct {
		tp tp
		v  OffsetValue
	}
	var commits []commit
	var recs []Record
	for i, t := range q.Topics {
		for j, p := range t.Partitions {
			md := ""
			if p.Metadata != nil {
				md = *p.Metadata
			}
			if len(md) > c.opts.OffsetMetadataMaxBytes {
				resp.Topics[i].Partitions[j].ErrorCode = kerr.OffsetMetadataTooLarge.Code
				continue
			}
			epoch := int32(-1)
			if q.Version >= 6 {
				epoch = p.LeaderEpoch
			}
			ts := nowMs
			if q.Version == 1 && p.Timestamp != -1 {
				ts = p.Timestamp // v1's explicit commit timestamp, as Kafka keeps it
			}
			v := OffsetValue{Offset: p.Offset, LeaderEpoch: epoch, Metadata: md, CommitTimestamp: ts, ExpireTimestamp: expire}
			k := OffsetKey{Group: g.id, Topic: t.Topic, Partition: p.Partition}
			commits = append(commits, commit{tp{t.Topic, p.Partition}, v})
			recs = append(recs, Record{Key: EncodeOffsetKey(k), Value: EncodeOffsetValue(v)})
		}
	}
	if len(recs) == 0 {
		c.dropIfUnused(g)
		c.respond(r.ID, resp)
		return
	}
	for _, cm := range commits {
		g.pendingOffsets[cm.tp]++
	}
	c.append(g.partition, recs, func(code int16) {
		code = appendError(code, true)
		for _, cm := range commits {
			if g.pendingOffsets[cm.tp]--; g.pendingOffsets[cm.tp] <= 0 {
				delete(g.pendingOffsets, cm.tp)
			}
			if code == 0 && c.groups[g.id] == g {
				g.offsets[cm.tp] = offset{cm.v}
			}
		}
		for i := range resp.Topics {
			for j := range resp.Topics[i].Partitions {
				if resp.Topics[i].Partitions[j].ErrorCode == 0 {
					resp.Topics[i].Partitions[j].ErrorCode = code
				}
			}
		}
		c.respond(r.ID, resp)
		if c.groups[g.id] == g {
			c.dropIfUnused(g)
		}
	})
}

// commitCode validates an OffsetCommit against the group (Kafka 3.9's
// ClassicGroup.validateOffsetCommit).
func (c *Coordinator) commitCode(q *kmsg.OffsetCommitRequest) int16 {
	if q.Group == "" {
		return kerr.InvalidGroupID.Code
	}
	if code := c.groupError(q.Group); code != 0 {
		return code
	}
	gen, memberID := q.Generation, q.MemberID
	if q.Version == 0 {
		gen, memberID = -1, ""
	}
	var instance *string
	if q.Version >= 7 && q.InstanceID != nil {
		instance = q.InstanceID
	}
	g := c.group(q.Group)
	if g == nil {
		switch {
		case gen < 0:
			return 0
		case q.Version >= 9:
			return kerr.GroupIDNotFound.Code
		}
		return kerr.IllegalGeneration.Code
	}
	if cg := g.consumer; cg != nil {
		if gen < 0 && len(cg.members) == 0 {
			return 0
		}
		m := cg.members[memberID]
		switch {
		case m == nil:
			return kerr.UnknownMemberID.Code
		case gen != m.epoch && !(gen == m.prevEpoch && c.ownsAll(m, q.Topics)):
			return kerr.StaleMemberEpoch.Code
		}
		return 0
	}
	if gen < 0 && g.state == Empty {
		return 0
	}
	if gen >= 0 || memberID != "" || instance != nil {
		if code := c.validateMember(g, memberID, instance, gen); code != 0 {
			return code
		}
	} else if g.state != Empty {
		return kerr.UnknownMemberID.Code
	}
	if g.state == CompletingRebalance {
		return kerr.RebalanceInProgress.Code
	}
	return 0
}

type fetchTopic struct {
	topic      string
	partitions []int32
}

func (c *Coordinator) offsetFetch(r Request, q *kmsg.OffsetFetchRequest) {
	resp := kmsg.NewPtrOffsetFetchResponse()
	resp.SetVersion(q.Version)
	if q.Version >= 8 {
		for _, rg := range q.Groups {
			var topics []fetchTopic
			if rg.Topics != nil {
				topics = []fetchTopic{}
				for _, t := range rg.Topics {
					topics = append(topics, fetchTopic{t.Topic, t.Partitions})
				}
			}
			code, parts := c.fetchGroup(rg.Group, topics, q.RequireStable)
			if code == 0 && q.Version >= 9 && rg.MemberID != nil {
				if g := c.group(rg.Group); g != nil && g.consumer != nil {
					// KIP-848 members fetch with their id and epoch.
					if m := g.consumer.members[*rg.MemberID]; m == nil {
						code, parts = kerr.UnknownMemberID.Code, nil
					} else if m.epoch != rg.MemberEpoch {
						code, parts = kerr.StaleMemberEpoch.Code, nil
					}
				}
			}
			out := kmsg.NewOffsetFetchResponseGroup()
			out.Group, out.ErrorCode = rg.Group, code
			for _, pt := range parts {
				rt := kmsg.OffsetFetchResponseGroupTopic{Topic: pt.topic}
				for _, p := range pt.parts {
					rt.Partitions = append(rt.Partitions, kmsg.OffsetFetchResponseGroupTopicPartition{
						Partition: p.partition, Offset: p.offset, LeaderEpoch: p.epoch,
						Metadata: ptr(p.metadata), ErrorCode: p.code,
					})
				}
				out.Topics = append(out.Topics, rt)
			}
			resp.Groups = append(resp.Groups, out)
		}
		c.respond(r.ID, resp)
		return
	}
	var topics []fetchTopic
	if q.Topics != nil || q.Version < 2 {
		topics = []fetchTopic{}
		for _, t := range q.Topics {
			topics = append(topics, fetchTopic{t.Topic, t.Partitions})
		}
	}
	code, parts := c.fetchGroup(q.Group, topics, q.Version >= 7 && q.RequireStable)
	if q.Version >= 2 {
		resp.ErrorCode = code
	}
	for _, pt := range parts {
		rt := kmsg.OffsetFetchResponseTopic{Topic: pt.topic}
		for _, p := range pt.parts {
			if q.Version < 2 && code != 0 {
				p.code = code
			}
			rt.Partitions = append(rt.Partitions, kmsg.OffsetFetchResponseTopicPartition{
				Partition: p.partition, Offset: p.offset, LeaderEpoch: p.epoch,
				Metadata: ptr(p.metadata), ErrorCode: p.code,
			})
		}
		resp.Topics = append(resp.Topics, rt)
	}
	c.respond(r.ID, resp)
}

type fetchedPartition struct {
	partition int32
	offset    int64
	epoch     int32
	metadata  string
	code      int16
}

type fetchedTopic struct {
	topic string
	parts []fetchedPartition
}

// fetchGroup returns the group-level error and the partitions: the
// requested ones (-1 when none committed), or all committed when topics is nil.
func (c *Coordinator) fetchGroup(id string, topics []fetchTopic, requireStable bool) (int16, []fetchedTopic) {
	code := c.groupError(id)
	if id == "" {
		code = kerr.InvalidGroupID.Code
	}
	if code != 0 {
		if topics == nil {
			return code, nil
		}
		var out []fetchedTopic
		for _, t := range topics {
			ft := fetchedTopic{topic: t.topic}
			for _, p := range t.partitions {
				ft.parts = append(ft.parts, fetchedPartition{partition: p, offset: -1, epoch: -1})
			}
			out = append(out, ft)
		}
		return code, out
	}
	g := c.group(id)
	one := func(k tp) fetchedPartition {
		fp := fetchedPartition{partition: k.partition, offset: -1, epoch: -1}
		if g == nil {
			return fp
		}
		if requireStable && g.pendingOffsets[k] > 0 {
			fp.code = kerr.UnstableOffsetCommit.Code
			return fp
		}
		if o, ok := g.offsets[k]; ok {
			fp.offset, fp.epoch, fp.metadata = o.Offset, o.LeaderEpoch, o.Metadata
		}
		return fp
	}
	var out []fetchedTopic
	if topics != nil {
		for _, t := range topics {
			ft := fetchedTopic{topic: t.topic}
			for _, p := range t.partitions {
				ft.parts = append(ft.parts, one(tp{t.topic, p}))
			}
			out = append(out, ft)
		}
		return 0, out
	}
	if g == nil {
		return 0, nil
	}
	keys := make([]tp, 0, len(g.offsets))
	for k := range g.offsets {
		keys = append(keys, k)
	}
	slices.SortFunc(keys, compareTP)
	for _, k := range keys {
		if len(out) == 0 || out[len(out)-1].topic != k.topic {
			out = append(out, fetchedTopic{topic: k.topic})
		}
		out[len(out)-1].parts = append(out[len(out)-1].parts, one(k))
	}
	return 0, out
}

func compareTP(a, b tp) int {
	if a.topic != b.topic {
		if a.topic < b.topic {
			return -1
		}
		return 1
	}
	return int(a.partition) - int(b.partition)
}

func (c *Coordinator) offsetDelete(r Request, q *kmsg.OffsetDeleteRequest) {
	resp := kmsg.NewPtrOffsetDeleteResponse()
	resp.SetVersion(q.Version)
	code := c.groupError(q.Group)
	if q.Group == "" {
		code = kerr.InvalidGroupID.Code
	}
	g := c.group(q.Group)
	if code == 0 && g == nil {
		code = kerr.GroupIDNotFound.Code
	}
	var subscribed map[string]bool
	if code == 0 && g.consumer != nil {
		subscribed = g.consumer.subscribedTopics()
	} else if code == 0 && g.state != Empty {
		if g.protocolType != "consumer" {
			code = kerr.NonEmptyGroup.Code
		} else {
			subscribed, _ = g.subscribedTopics()
		}
	}
	if code != 0 {
		resp.ErrorCode = code
		c.respond(r.ID, resp)
		return
	}
	var recs []Record
	for _, t := range q.Topics {
		rt := kmsg.OffsetDeleteResponseTopic{Topic: t.Topic}
		for _, p := range t.Partitions {
			rp := kmsg.OffsetDeleteResponseTopicPartition{Partition: p.Partition}
			k := tp{t.Topic, p.Partition}
			switch {
			case subscribed[t.Topic]:
				rp.ErrorCode = kerr.GroupSubscribedToTopic.Code
			default:
				if _, ok := g.offsets[k]; ok {
					delete(g.offsets, k)
					recs = append(recs, Record{Key: EncodeOffsetKey(OffsetKey{g.id, t.Topic, p.Partition})})
				}
			}
			rt.Partitions = append(rt.Partitions, rp)
		}
		resp.Topics = append(resp.Topics, rt)
	}
	if len(recs) == 0 {
		c.respond(r.ID, resp)
		return
	}
	c.append(g.partition, recs, func(code int16) {
		if code = appendError(code, true); code != 0 {
			resp.ErrorCode = code
		}
		c.respond(r.ID, resp)
	})
}

// ownsAll: the member still holds every partition of the commit. A commit
// at the member's previous epoch (a heartbeat bumped it meanwhile) is then
// accepted, in the spirit of KIP-1251, instead of STALE_MEMBER_EPOCH.
func (c *Coordinator) ownsAll(m *cgMember, ts []kmsg.OffsetCommitRequestTopic) bool {
	for _, t := range ts {
		ti, ok := c.topics[t.Topic]
		if !ok {
			return false
		}
		for _, p := range t.Partitions {
			k := tpid{ti.ID, p.Partition}
			if !m.assigned[k] && !m.revoking[k] {
				return false
			}
		}
	}
	return true
}

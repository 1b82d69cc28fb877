package group

import (
	"bytes"
	"regexp"
	"slices"
	"time"

	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kmsg"
)

// KIP-848 consumer groups: ConsumerGroupHeartbeat v0-1.
//
// The group epoch increments whenever membership, a subscription or the
// metadata of a subscribed topic changes; the target assignment is then
// recomputed by the server-side assignor at that epoch. Each member
// reconciles toward its target one heartbeat at a time (Kafka's
// CurrentAssignmentBuilder):
//
//	Stable --target has moved--> partitions to revoke? --yes--> UnrevokedPartitions
//	   ^                              | no                          | member's owned partitions
//	   |                              v                             | no longer include them
//	   +---- all free ---- epoch := target epoch; take target <-----+
//	                          partitions no other member holds
//	                          (others: UnreleasedPartitions, retried
//	                           on the next heartbeat)
//
// A partition is handed to a member only once no other member holds it
// (assigned or pending revocation). Members that do not heartbeat within
// the session timeout, or do not revoke within their rebalance timeout, are
// removed.

// leaveStaticEpoch is the member epoch of a static member that left
// temporarily (ConsumerGroupHeartbeat MemberEpoch -2).
const leaveStaticEpoch = -2

type cgState int8

const (
	cgStable cgState = iota
	cgUnrevoked
	cgUnreleased
)

type cgMember struct {
	id, instanceID, rackID string
	clientID, clientHost   string
	epoch, prevEpoch       int32
	state                  cgState
	rebalanceTimeout       time.Duration
	topics                 []string // SubscribedTopicNames, sorted
	regex                  string   // SubscribedTopicRegex ("" = none)
	assignor               string
	assigned, revoking     map[tpid]bool
	changed                bool // assignment changed since the last response
}

type consumerGroup struct {
	epoch, targetEpoch int32
	target             map[string]map[tpid]bool
	members            map[string]*cgMember
	owner              map[tpid]string   // partition -> member holding it
	static             map[string]string // group.instance.id -> member id
	assignor           string
	written            []TopicInfo            // subscribed topics' metadata as last written (key 4)
	regexes            map[string]*topicRegex // the members' regexes, resolved (regex.go)
	resolving          uint64                 // Seq of the ResolveRegexes in flight (0: none)
	resolveAgain       bool                   // ask again once it is answered
}

func newConsumerGroup() *consumerGroup {
	return &consumerGroup{target: map[string]map[tpid]bool{}, members: map[string]*cgMember{},
		owner: map[tpid]string{}, static: map[string]string{}, regexes: map[string]*topicRegex{}}
}

// stateName is the group state as ListGroups and ConsumerGroupDescribe show it.
func (cg *consumerGroup) stateName() string {
	if len(cg.members) == 0 {
		return "Empty"
	}
	if cg.targetEpoch < cg.epoch {
		return "Assigning"
	}
	for _, m := range cg.members {
		if m.epoch != leaveStaticEpoch && (m.epoch != cg.targetEpoch || m.state != cgStable) {
			return "Reconciling"
		}
	}
	return "Stable"
}

func (cg *consumerGroup) subscribedTopics() map[string]bool {
	out := map[string]bool{}
	for _, m := range cg.members {
		for _, t := range cg.memberTopics(m) {
			out[t] = true
		}
	}
	return out
}

func (c *Coordinator) cgHeartbeat(r Request, q *kmsg.ConsumerGroupHeartbeatRequest) {
	resp := kmsg.NewPtrConsumerGroupHeartbeatResponse()
	resp.SetVersion(q.Version)
	var g *classicGroup
	fail := func(code int16, msg string) {
		resp.ErrorCode = code
		if msg != "" {
			resp.ErrorMessage = &msg
		}
		if g != nil {
			c.cgFlush(g, r.ID, resp) // records of a conversion already done
		} else {
			c.respond(r.ID, resp)
		}
	}
	if code, msg := c.cgValidate(q); code != 0 {
		fail(code, msg)
		return
	}
	if code := c.groupError(q.Group); code != 0 {
		fail(code, "")
		return
	}
	g = c.group(q.Group)
	// A regex the group does not know yet is compiled before anything
	// changes, so a bad one leaves the group as it was.
	var newRegex *regexp.Regexp
	if q.SubscribedTopicRegex != nil && *q.SubscribedTopicRegex != "" &&
		(g == nil || g.consumer == nil || g.consumer.regexes[*q.SubscribedTopicRegex] == nil) {
		re, msg := compileTopicRegex(*q.SubscribedTopicRegex)
		if msg != "" {
			g = nil
			fail(kerr.InvalidRegularExpression.Code, msg)
			return
		}
		newRegex = re
	}
	if q.MemberEpoch == 0 {
		if g == nil {
			g = c.getOrCreate(q.Group)
		}
		if g.consumer == nil {
			if len(g.members) > 0 || len(g.pending) > 0 || g.state != Empty {
				msg := "Group " + q.Group + " is not a consumer group."
				g = nil
				fail(kerr.GroupIDNotFound.Code, msg)
				return
			}
			if g.generation > 0 || g.protocolType != "" {
				// An empty classic group becomes a consumer group.
				c.cgRecs = append(c.cgRecs, Record{Key: EncodeGroupKey(g.id)})
			}
			g.consumer = newConsumerGroup()
			g.protocolType = "consumer"
		}
	} else if g == nil || g.consumer == nil {
		// Kafka answers GROUP_ID_NOT_FOUND; telling the member to rejoin
		// is kinder to a member of a group that was never durable.
		g = nil
		fail(kerr.UnknownMemberID.Code, "")
		return
	}
	cg := g.consumer
	memberID := q.MemberID
	if q.MemberEpoch < 0 { // -1 leave, -2 static member leaving temporarily
		m := cg.members[memberID]
		if m == nil {
			fail(kerr.UnknownMemberID.Code, "")
			return
		}
		if q.MemberEpoch == leaveStaticEpoch && m.instanceID != "" {
			// A static member leaving for a while keeps its assignment
			// until its session times out or it rejoins (KIP-345/848).
			c.cgSetEpoch(g, m, leaveStaticEpoch)
		} else {
			c.cgRemove(g, m)
		}
		resp.MemberID, resp.MemberEpoch = &memberID, q.MemberEpoch
		c.cgFlush(g, r.ID, resp)
		return
	}
	m := cg.members[memberID]
	bump := false
	if q.MemberEpoch == 0 {
		if memberID == "" {
			memberID = c.opts.NewMemberID(r.ClientID)
		}
		if m != nil {
			c.cgRemove(g, m) // rejoin from scratch
		}
		if q.InstanceID != nil && *q.InstanceID != "" {
			if old := cg.members[cg.static[*q.InstanceID]]; old != nil {
				if old.epoch != leaveStaticEpoch {
					fail(kerr.UnreleasedInstanceID.Code, "Static member "+*q.InstanceID+" is still in use by member "+old.id+".")
					return
				}
				m = c.cgReplaceStatic(g, old, memberID)
			}
		}
		if len(cg.members) >= c.opts.MaxSize {
			resp.ErrorCode = kerr.GroupMaxSizeReached.Code
			c.cgFlush(g, r.ID, resp)
			return
		}
		if m == nil {
			m = &cgMember{id: memberID, assigned: map[tpid]bool{}, revoking: map[tpid]bool{}, assignor: cg.assignor}
			cg.members[memberID] = m
			bump = true
		}
	} else {
		if m == nil {
			fail(kerr.UnknownMemberID.Code, "")
			return
		}
		if q.MemberEpoch != m.epoch {
			ok := q.MemberEpoch == m.prevEpoch && q.Topics != nil && c.ownedSubset(q.Topics, m.assigned)
			if !ok {
				fail(kerr.FencedMemberEpoch.Code, "")
				return
			}
		}
	}
	before := encodeCGMember(m.value())
	m.clientID, m.clientHost = r.ClientID, r.ClientHost
	if q.InstanceID != nil && *q.InstanceID != m.instanceID {
		if m.instanceID != "" && cg.static[m.instanceID] == m.id {
			delete(cg.static, m.instanceID)
		}
		m.instanceID = *q.InstanceID
		if m.instanceID != "" {
			cg.static[m.instanceID] = m.id
		}
	}
	if q.RackID != nil {
		m.rackID = *q.RackID
	}
	if q.RebalanceTimeoutMillis >= 0 {
		m.rebalanceTimeout = time.Duration(q.RebalanceTimeoutMillis) * time.Millisecond
	}
	if q.SubscribedTopicNames != nil {
		topics := slices.Clone(q.SubscribedTopicNames)
		slices.Sort(topics)
		topics = slices.Compact(topics)
		if !slices.Equal(topics, m.topics) {
			m.topics = topics
			bump = true
		}
	}
	if q.SubscribedTopicRegex != nil && *q.SubscribedTopicRegex != m.regex {
		c.setMemberRegex(g, m, *q.SubscribedTopicRegex, newRegex)
		bump = true
	}
	if q.ServerAssignor != nil && *q.ServerAssignor != m.assignor {
		m.assignor = *q.ServerAssignor
		bump = true
	}
	if after := m.value(); bump || !bytes.Equal(before, encodeCGMember(after)) {
		c.cgRecs = append(c.cgRecs, Record{Key: encodeCGKey(keyCGMemberMetadata, g.id, m.id), Value: encodeCGMember(after)})
	}
	if bump {
		c.cgBump(g)
	}
	var owned map[tpid]bool
	if q.Topics != nil {
		owned = map[tpid]bool{}
		for _, t := range q.Topics {
			for _, p := range t.Partitions {
				owned[tpid{t.TopicID, p}] = true
			}
		}
	}
	c.cgReconcile(g, m, owned)
	c.timers.set(timerKey{timerCgSession, g.id, m.id}, c.now.Add(c.opts.ConsumerSessionTimeout))
	if m.state == cgUnrevoked {
		k := timerKey{timerCgRevoke, g.id, m.id}
		if !c.timers.has(k) {
			c.timers.set(k, c.now.Add(m.rebalanceTimeout))
		}
	} else {
		c.timers.cancel(timerKey{timerCgRevoke, g.id, m.id})
	}
	full := q.MemberEpoch == 0 || (q.RebalanceTimeoutMillis != -1 &&
		(q.SubscribedTopicNames != nil || q.SubscribedTopicRegex != nil) && q.Topics != nil)
	resp.MemberID = &m.id
	resp.MemberEpoch = m.epoch
	resp.HeartbeatIntervalMillis = int32(c.opts.ConsumerHeartbeatInterval.Milliseconds())
	if full || m.changed {
		resp.Assignment = &kmsg.ConsumerGroupHeartbeatResponseAssignment{}
		for _, t := range groupByTopic(m.assigned) {
			resp.Assignment.Topics = append(resp.Assignment.Topics, kmsg.ConsumerGroupHeartbeatResponseAssignmentTopic{TopicID: t.id, Partitions: t.partitions})
		}
		m.changed = false
	}
	c.cgFlush(g, r.ID, resp)
}

// cgFlush appends the records the event produced, then answers request id
// with resp (at once when there are none).
func (c *Coordinator) cgFlush(g *classicGroup, id uint64, resp *kmsg.ConsumerGroupHeartbeatResponse) {
	recs := c.cgRecs
	c.cgRecs = nil
	if len(recs) == 0 {
		c.respond(id, resp)
		return
	}
	c.append(g.partition, recs, func(code int16) {
		if code = appendError(code, false); code != 0 {
			// Kafka would roll its in-memory state back; here it stays
			// ahead of the log and the member retries (see the package doc).
			resp.ErrorCode, resp.Assignment = code, nil
		}
		c.respond(id, resp)
	})
}

// cgFlushQuiet appends the records produced outside a request (timeouts,
// metadata changes).
func (c *Coordinator) cgFlushQuiet(g *classicGroup) {
	if len(c.cgRecs) > 0 {
		c.append(g.partition, c.cgRecs, func(int16) {})
	}
	c.cgRecs = nil
}

func (m *cgMember) value() cgMemberValue {
	return cgMemberValue{
		instanceID: m.instanceID, rackID: m.rackID, clientID: m.clientID, clientHost: m.clientHost,
		topics: m.topics, regex: m.regex, rebalanceTimeoutMs: int32(m.rebalanceTimeout.Milliseconds()), assignor: m.assignor,
	}
}

func (m *cgMember) assignmentValue() cgAssignmentValue {
	return cgAssignmentValue{epoch: m.epoch, prevEpoch: m.prevEpoch, state: int8(m.state), assigned: m.assigned, revoking: m.revoking}
}

// cgTombstones returns the tombstones of an empty consumer group (Kafka's
// order: target assignment metadata, partition metadata, group metadata).
func cgTombstones(id string) []Record {
	return []Record{
		{Key: encodeCGKey(keyCGTargetMetadata, id, "")},
		{Key: encodeCGKey(keyCGPartitionMetadata, id, "")},
		{Key: encodeCGKey(keyCGMetadata, id, "")},
	}
}

func (c *Coordinator) cgValidate(q *kmsg.ConsumerGroupHeartbeatRequest) (int16, string) {
	switch {
	case q.Group == "":
		return kerr.InvalidRequest.Code, "GroupId can't be empty."
	case q.MemberEpoch != 0 && q.MemberID == "":
		return kerr.InvalidRequest.Code, "MemberId can't be empty."
	case q.Version >= 1 && q.MemberID == "":
		return kerr.InvalidRequest.Code, "MemberId can't be empty."
	case q.MemberEpoch < -2:
		return kerr.InvalidRequest.Code, "MemberEpoch is invalid."
	case q.MemberEpoch == 0 && q.RebalanceTimeoutMillis == -1:
		return kerr.InvalidRequest.Code, "RebalanceTimeoutMs must be provided in first request."
	case q.MemberEpoch == 0 && q.Topics == nil:
		return kerr.InvalidRequest.Code, "TopicPartitions must be empty when (re-)joining."
	case q.MemberEpoch == 0 && q.SubscribedTopicNames == nil && q.SubscribedTopicRegex == nil:
		// An empty list or regex is accepted: a member of the group
		// subscribed to nothing, as in Kafka 4.
		return kerr.InvalidRequest.Code, "Either SubscribedTopicNames or SubscribedTopicRegex must be non-null when (re-)joining."
	case q.ServerAssignor != nil && !knownAssignor(*q.ServerAssignor):
		return kerr.UnsupportedAssignor.Code, "ServerAssignor " + *q.ServerAssignor + " is not supported. Supported assignors: uniform, range."
	}
	return 0, ""
}

func (c *Coordinator) ownedSubset(ts []kmsg.ConsumerGroupHeartbeatRequestTopic, assigned map[tpid]bool) bool {
	for _, t := range ts {
		for _, p := range t.Partitions {
			if !assigned[tpid{t.TopicID, p}] {
				return false
			}
		}
	}
	return true
}

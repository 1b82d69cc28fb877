package group

import (
	"slices"
	"time"

	"github.com/twmb/franz-go/pkg/kerr"
)

// Partition ownership: LoadBegin, LoadRecords, LoadComplete, Unload.

func (c *Coordinator) loadBegin(p int32) {
	if p < 0 || p >= c.opts.NumPartitions {
		return
	}
	c.dropPartitionGroups(p)
	c.partitions[p] = partLoading
	if !c.timers.has(timerKey{kind: timerRetention}) {
		c.timers.set(timerKey{kind: timerRetention}, c.now.Add(c.opts.OffsetsRetentionCheckInterval))
	}
}

func (c *Coordinator) loadRecords(p int32, recs []Record) {
	if c.partitions[p] != partLoading {
		return
	}
	for _, rec := range recs {
		if err := c.loadRecord(p, rec); err != nil {
			c.stats.SkippedRecords++
		}
	}
}

func (c *Coordinator) loadRecord(p int32, rec Record) error {
	kind, k, err := DecodeKey(rec.Key)
	if err != nil {
		return err
	}
	if kind == KeyOther {
		return c.loadConsumerRecord(p, rec)
	}
	g := c.groups[k.Group]
	if g == nil {
		if rec.Value == nil {
			return nil
		}
		g = newClassicGroup(k.Group, p, time.Time{})
		c.groups[k.Group] = g
	}
	switch kind {
	case KeyOffset:
		key := tp{k.Topic, k.Partition}
		if rec.Value == nil {
			delete(g.offsets, key)
			return nil
		}
		v, err := DecodeOffsetValue(rec.Value)
		if err != nil {
			return err
		}
		g.offsets[key] = offset{v}
	case KeyGroup:
		offsets := g.offsets
		*g = *newClassicGroup(k.Group, p, time.Time{})
		g.offsets = offsets
		if rec.Value == nil {
			return nil
		}
		v, err := DecodeGroupValue(rec.Value)
		if err != nil {
			return err
		}
		g.protocolType, g.generation = v.ProtocolType, v.Generation
		g.protocolName, g.leader = v.Protocol, v.Leader
		if v.CurrentStateTimestamp >= 0 {
			g.stateSince = time.UnixMilli(v.CurrentStateTimestamp)
		}
		for _, vm := range v.Members {
			m := &member{
				id: vm.MemberID, instanceID: vm.InstanceID, clientID: vm.ClientID, clientHost: vm.ClientHost,
				rebalanceTimeout: time.Duration(vm.RebalanceTimeout) * time.Millisecond,
				sessionTimeout:   time.Duration(vm.SessionTimeout) * time.Millisecond,
				protocolType:     v.ProtocolType, assignment: vm.Assignment,
			}
			if v.Protocol != "" {
				m.protocols = []protocol{{v.Protocol, vm.Subscription}}
			}
			g.add(m)
		}
		g.leader = v.Leader
		if len(g.members) > 0 {
			g.state = Stable
		}
	}
	return nil
}

func (c *Coordinator) loadComplete(p int32) {
	if c.partitions[p] != partLoading {
		return
	}
	c.partitions[p] = partActive
	for _, g := range c.groups {
		if g.partition != p {
			continue
		}
		if g.state == Empty && len(g.offsets) == 0 && g.protocolType == "" {
			delete(c.groups, g.id)
			continue
		}
		if g.consumer != nil {
			c.finishConsumerLoad(g)
		}
		for _, m := range g.members {
			c.timers.set(timerKey{timerHeartbeat, g.id, m.id}, c.now.Add(m.sessionTimeout))
		}
	}
}

func (c *Coordinator) unload(p int32) {
	if _, ok := c.partitions[p]; !ok {
		return
	}
	for tok, a := range c.appends {
		if a.partition == p {
			delete(c.appends, tok)
			a.done(kerr.NotCoordinator.Code)
		}
	}
	c.dropPartitionGroups(p)
	delete(c.partitions, p)
}

// dropPartitionGroups forgets partition p's groups, answering whatever waits.
func (c *Coordinator) dropPartitionGroups(p int32) {
	gone := map[string]bool{}
	for id, g := range c.groups {
		if g.partition != p {
			continue
		}
		for _, mid := range g.order {
			m := g.members[mid]
			if m.join != nil {
				c.joinFail(m.join, kerr.NotCoordinator.Code, m.id)
				g.setJoin(m, nil)
			}
			if m.sync != nil {
				c.syncFail(m.sync, kerr.NotCoordinator.Code)
				m.sync = nil
			}
		}
		gone[id] = true
		delete(c.groups, id)
	}
	for k := range c.timers.live {
		if k.group != "" && gone[k.group] {
			c.timers.cancel(k)
		}
	}
}

// loadConsumerRecord replays a KIP-848 consumer group record (key versions
// 3-8); other key versions are ignored.
func (c *Coordinator) loadConsumerRecord(p int32, rec Record) error {
	k, ok, err := decodeCGKey(rec.Key)
	if err != nil || !ok {
		return err
	}
	g := c.groups[k.group]
	if g == nil || g.consumer == nil {
		if rec.Value == nil {
			return nil
		}
		if g == nil {
			g = newClassicGroup(k.group, p, time.Time{})
			c.groups[k.group] = g
		}
		offsets := g.offsets
		*g = *newClassicGroup(k.group, p, time.Time{})
		g.offsets, g.consumer, g.protocolType = offsets, newConsumerGroup(), "consumer"
	}
	cg := g.consumer
	m := cg.members[k.member]
	if m == nil && isMemberKey(k.version) && rec.Value != nil {
		m = &cgMember{id: k.member, assigned: map[tpid]bool{}, revoking: map[tpid]bool{}}
		cg.members[k.member] = m
	}
	switch k.version {
	case keyCGMetadata:
		if rec.Value == nil {
			g.consumer, g.protocolType = nil, "" // group deleted (offsets stay)
			return nil
		}
		cg.epoch, err = decodeCGEpoch(rec.Value)
	case keyCGTargetMetadata:
		if rec.Value != nil {
			cg.targetEpoch, err = decodeCGEpoch(rec.Value)
		}
	case keyCGPartitionMetadata:
		if rec.Value == nil {
			cg.written = nil
			return nil
		}
		cg.written, err = decodeCGPartitionMetadata(rec.Value)
	case keyCGMemberMetadata:
		if rec.Value == nil {
			delete(cg.members, k.member)
			return nil
		}
		var v cgMemberValue
		if v, err = decodeCGMember(rec.Value); err == nil {
			m.instanceID, m.rackID, m.clientID, m.clientHost = v.instanceID, v.rackID, v.clientID, v.clientHost
			m.topics, m.regex, m.assignor = v.topics, v.regex, v.assignor
			m.rebalanceTimeout = time.Duration(v.rebalanceTimeoutMs) * time.Millisecond
		}
	case keyCGTargetMember:
		if rec.Value == nil {
			delete(cg.target, k.member)
			return nil
		}
		var set map[tpid]bool
		if set, err = decodeCGTarget(rec.Value); err == nil {
			cg.target[k.member] = set
		}
	case keyCGCurrentAssignment:
		if m == nil {
			return nil
		}
		if rec.Value == nil {
			m.assigned, m.revoking, m.epoch, m.prevEpoch, m.state = map[tpid]bool{}, map[tpid]bool{}, 0, 0, cgStable
			return nil
		}
		var v cgAssignmentValue
		if v, err = decodeCGAssignment(rec.Value); err == nil {
			m.epoch, m.prevEpoch, m.state = v.epoch, v.prevEpoch, cgState(v.state)
			m.assigned, m.revoking = v.assigned, v.revoking
		}
	}
	return err
}

// finishConsumerLoad rebuilds what consumer group records do not carry:
// partition owners, assignor choice, and the members' timers.
func (c *Coordinator) finishConsumerLoad(g *classicGroup) {
	cg := g.consumer
	votes := map[string]int{}
	for _, m := range cg.members {
		for p := range m.assigned {
			cg.owner[p] = m.id
		}
		for p := range m.revoking {
			cg.owner[p] = m.id
		}
		votes[m.assignor]++
		cg.loadMemberRegex(m)
		if m.instanceID != "" {
			cg.static[m.instanceID] = m.id
		}
		c.timers.set(timerKey{timerCgSession, g.id, m.id}, c.now.Add(c.opts.ConsumerSessionTimeout))
		if m.state == cgUnrevoked {
			c.timers.set(timerKey{timerCgRevoke, g.id, m.id}, c.now.Add(m.rebalanceTimeout))
		}
	}
	cg.assignor = assignorUniform
	if votes[assignorRange] > votes[assignorUniform] {
		cg.assignor = assignorRange
	}
	if len(cg.members) == 0 {
		g.transition(Empty, c.now)
	} else {
		// Regex resolutions are not recorded (regex.go): ask anew.
		c.resolveRegexes(g)
		if c.topics != nil && len(cg.regexes) == 0 && !slices.Equal(c.subscribedMetadata(cg), cg.written) {
			// Topics changed while another broker (or nobody) led the
			// group. (With regexes, the resolution's answer decides.)
			c.cgBump(g)
			c.cgFlushQuiet(g)
		}
	}
}

package group

import (
	"bytes"
	"maps"
	"slices"
)

// Group epochs, target assignments and the reconciliation of each member
// toward its target (Kafka's CurrentAssignmentBuilder); see consumer.go.

// cgBump starts a new group epoch and computes its target assignment.
func (c *Coordinator) cgBump(g *classicGroup) {
	cg := g.consumer
	cg.epoch++
	votes := map[string]int{}
	in := assignInput{topics: map[string][]string{}, prev: cg.target, meta: c.topics}
	for id, m := range cg.members {
		in.members = append(in.members, id)
		in.topics[id] = cg.memberTopics(m)
		if m.assignor != "" {
			votes[m.assignor]++
		}
	}
	slices.Sort(in.members)
	cg.assignor = assignorUniform
	if votes[assignorRange] > votes[assignorUniform] {
		cg.assignor = assignorRange
	}
	c.cgRecs = append(c.cgRecs, Record{Key: encodeCGKey(keyCGMetadata, g.id, ""), Value: encodeCGEpoch(cg.epoch)})
	if subscribed := c.subscribedMetadata(cg); !slices.Equal(subscribed, cg.written) {
		cg.written = subscribed
		c.cgRecs = append(c.cgRecs, Record{Key: encodeCGKey(keyCGPartitionMetadata, g.id, ""), Value: encodeCGPartitionMetadata(subscribed)})
	}
	old := cg.target
	cg.target = assign(cg.assignor, in)
	cg.targetEpoch = cg.epoch
	for _, id := range in.members {
		if !maps.Equal(old[id], cg.target[id]) {
			c.cgRecs = append(c.cgRecs, Record{Key: encodeCGKey(keyCGTargetMember, g.id, id), Value: encodeCGTarget(cg.target[id])})
		}
	}
	c.cgRecs = append(c.cgRecs, Record{Key: encodeCGKey(keyCGTargetMetadata, g.id, ""), Value: encodeCGEpoch(cg.targetEpoch)})
}

// subscribedMetadata is the metadata of the group's subscribed topics that
// exist, sorted by name: what ConsumerGroupPartitionMetadata records hold.
func (c *Coordinator) subscribedMetadata(cg *consumerGroup) []TopicInfo {
	var out []TopicInfo
	for _, t := range sortedKeys(cg.subscribedTopics()) {
		if ti, ok := c.topics[t]; ok {
			out = append(out, ti)
		}
	}
	return out
}

func sortedKeys(m map[string]bool) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}

// cgReconcile moves a member toward its target assignment. owned is what
// the member reported owning (nil: not reported this time).
func (c *Coordinator) cgReconcile(g *classicGroup, m *cgMember, owned map[tpid]bool) {
	before := encodeCGAssignment(m.assignmentValue())
	c.cgReconcileState(g.consumer, m, owned)
	if after := encodeCGAssignment(m.assignmentValue()); !bytes.Equal(before, after) {
		c.cgRecs = append(c.cgRecs, Record{Key: encodeCGKey(keyCGCurrentAssignment, g.id, m.id), Value: after})
	}
}

func (c *Coordinator) cgReconcileState(cg *consumerGroup, m *cgMember, owned map[tpid]bool) {
	if m.state == cgUnrevoked {
		if owned == nil {
			return
		}
		for p := range m.revoking {
			if owned[p] {
				return // still revoking
			}
		}
		for p := range m.revoking {
			if cg.owner[p] == m.id {
				delete(cg.owner, p)
			}
		}
		clear(m.revoking)
		m.state = cgStable
	}
	if m.epoch == cg.targetEpoch && m.state == cgStable {
		return
	}
	target := cg.target[m.id]
	revoke := false
	for p := range m.assigned {
		if !target[p] {
			revoke = true
			break
		}
	}
	if revoke {
		for p := range m.assigned {
			if !target[p] {
				delete(m.assigned, p)
				m.revoking[p] = true
			}
		}
		m.state, m.changed = cgUnrevoked, true
		return
	}
	m.state = cgStable
	for p := range target {
		if m.assigned[p] {
			continue
		}
		if o, held := cg.owner[p]; held && o != m.id {
			m.state = cgUnreleased
			continue
		}
		cg.owner[p] = m.id
		m.assigned[p] = true
		m.changed = true
	}
	if m.epoch != cg.targetEpoch {
		m.prevEpoch, m.epoch = m.epoch, cg.targetEpoch
	}
}

// cgRemove drops a member, frees its partitions and starts a new epoch.
func (c *Coordinator) cgRemove(g *classicGroup, m *cgMember) {
	cg := g.consumer
	for p, o := range cg.owner {
		if o == m.id {
			delete(cg.owner, p)
		}
	}
	delete(cg.members, m.id)
	cg.dropUnusedRegex(m.regex)
	if m.instanceID != "" && cg.static[m.instanceID] == m.id {
		delete(cg.static, m.instanceID)
	}
	c.cgRecs = append(c.cgRecs,
		Record{Key: encodeCGKey(keyCGCurrentAssignment, g.id, m.id)},
		Record{Key: encodeCGKey(keyCGTargetMember, g.id, m.id)},
		Record{Key: encodeCGKey(keyCGMemberMetadata, g.id, m.id)})
	delete(cg.target, m.id)
	c.timers.cancel(timerKey{timerCgSession, g.id, m.id})
	c.timers.cancel(timerKey{timerCgRevoke, g.id, m.id})
	if len(cg.members) == 0 {
		g.transition(Empty, c.now)
	}
	c.cgBump(g)
}

func (c *Coordinator) cgExpire(gid, mid string) {
	g := c.groups[gid]
	if g == nil || g.consumer == nil {
		return
	}
	if m := g.consumer.members[mid]; m != nil {
		c.cgRemove(g, m)
		c.cgFlushQuiet(g)
	}
}

// topicsChanged replaces the topic metadata. Consumer groups whose
// subscribed topics' metadata differs from what they last recorded start a
// new epoch; when topics were created or deleted, a group with regexes has
// them resolved again first (asynchronously, see regex.go) and the answer
// decides.
func (c *Coordinator) topicsChanged(ts []TopicInfo) {
	old := c.topics
	c.topics = make(map[string]TopicInfo, len(ts))
	for _, t := range ts {
		c.topics[t.Name] = t
	}
	renamed := !sameTopicNames(old, c.topics)
	ids := make([]string, 0)
	for id, g := range c.groups {
		if g.consumer != nil && len(g.consumer.members) > 0 {
			ids = append(ids, id)
		}
	}
	slices.Sort(ids)
	for _, id := range ids {
		g := c.groups[id]
		if c.partitions[g.partition] != partActive {
			continue // resolved when its load completes
		}
		if renamed && len(g.consumer.regexes) > 0 {
			// Topics created or deleted: match again; the answer starts
			// the new epoch if anything changed (regexesResolved).
			c.resolveRegexes(g)
			continue
		}
		if !slices.Equal(c.subscribedMetadata(g.consumer), g.consumer.written) {
			c.cgBump(g)
			c.cgFlushQuiet(g)
		}
	}
}

// cgSetEpoch records a member epoch change outside reconciliation.
func (c *Coordinator) cgSetEpoch(g *classicGroup, m *cgMember, epoch int32) {
	m.epoch = epoch
	c.cgRecs = append(c.cgRecs, Record{Key: encodeCGKey(keyCGCurrentAssignment, g.id, m.id), Value: encodeCGAssignment(m.assignmentValue())})
}

// cgReplaceStatic hands a departed static member's place (assignment,
// target) to its new incarnation newID, without a new group epoch: the old
// member's records are tombstoned, the new one's written. The new member
// starts at epoch 0 and reconciles to the target epoch on this heartbeat;
// partitions the old one was revoking are released.
func (c *Coordinator) cgReplaceStatic(g *classicGroup, old *cgMember, newID string) *cgMember {
	cg := g.consumer
	m := *old
	m.id = newID
	m.epoch, m.prevEpoch, m.state = 0, 0, cgStable
	m.assigned = maps.Clone(old.assigned)
	m.revoking = map[tpid]bool{}
	for p, o := range cg.owner {
		switch {
		case o != old.id:
		case old.revoking[p]:
			delete(cg.owner, p)
		default:
			cg.owner[p] = newID
		}
	}
	cg.target[newID] = cg.target[old.id]
	delete(cg.target, old.id)
	delete(cg.members, old.id)
	cg.members[newID] = &m
	cg.static[m.instanceID] = newID
	c.timers.cancel(timerKey{timerCgSession, g.id, old.id})
	c.timers.cancel(timerKey{timerCgRevoke, g.id, old.id})
	c.cgRecs = append(c.cgRecs,
		Record{Key: encodeCGKey(keyCGCurrentAssignment, g.id, old.id)},
		Record{Key: encodeCGKey(keyCGTargetMember, g.id, old.id)},
		Record{Key: encodeCGKey(keyCGMemberMetadata, g.id, old.id)},
		Record{Key: encodeCGKey(keyCGMemberMetadata, g.id, newID), Value: encodeCGMember(m.value())},
		Record{Key: encodeCGKey(keyCGTargetMember, g.id, newID), Value: encodeCGTarget(cg.target[newID])},
		Record{Key: encodeCGKey(keyCGCurrentAssignment, g.id, newID), Value: encodeCGAssignment(m.assignmentValue())})
	m.changed = true
	return &m
}

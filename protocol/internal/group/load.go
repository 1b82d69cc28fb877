package group

import (
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
	if err != nil || kind == KeyOther {
		return err
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

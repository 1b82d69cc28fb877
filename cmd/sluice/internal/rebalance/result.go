package rebalance

import (
	"slices"
	"sort"
)

// result collects the changed partitions and the per-broker loads.
func (s *state) result(live []Broker, opt Options) Result {
	r := Result{Plan: NewPlan(), Rollback: NewPlan()}
	loads := map[int32]*BrokerLoad{}
	load := func(b int32) *BrokerLoad {
		l := loads[b]
		if l == nil {
			l = &BrokerLoad{ID: b, Decommission: slices.Contains(opt.Decommission, b)}
			loads[b] = l
		}
		return l
	}
	for _, b := range live {
		l := load(b.ID)
		l.Live, l.Rack = true, b.Rack
	}
	for _, p := range s.parts {
		for i, b := range p.orig {
			l := load(b)
			l.ReplicasBefore++
			if i == 0 {
				l.PreferredBefore++
			}
		}
		if p.leader >= 0 {
			load(p.leader).LeadersBefore++
		}
		for i, b := range p.cur {
			l := load(b)
			l.ReplicasAfter++
			if i == 0 {
				l.PreferredAfter++
			}
			if !p.wasOn(b) {
				r.Added++
			}
		}
		r.Replicas += len(p.cur)
		for _, b := range p.orig {
			if !p.has(b) {
				r.Removed++
			}
		}
		if !slices.Equal(p.orig, p.cur) {
			r.Plan.Add(p.topic, p.id, p.cur)
			r.Rollback.Add(p.topic, p.id, p.orig)
		}
	}
	for _, l := range loads {
		r.Brokers = append(r.Brokers, *l)
	}
	sort.Slice(r.Brokers, func(i, j int) bool { return r.Brokers[i].ID < r.Brokers[j].ID })
	return r
}

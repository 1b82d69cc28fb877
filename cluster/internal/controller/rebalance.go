package controller

import "slices"

// Automatic preferred leader rebalance (auto.leader.rebalance.enable):
// every leader.imbalance.check.interval.seconds the adapter asks
// LeaderImbalance which partitions to give back to their preferred
// replica and feeds them as an ElectLeaders (Kafka's
// checkAndTriggerAutoLeaderRebalance).

// LeaderImbalance returns the partitions a periodic check should move to
// their preferred replica now (see ImbalancedLeaders); nil when this
// controller is not in office.
func (c *Controller) LeaderImbalance(percentage int) []TP {
	if !c.active {
		return nil
	}
	return ImbalancedLeaders(c.allViews(), c.online, percentage)
}

// ImbalancedLeaders decides an automatic preferred leader rebalance, as
// Kafka's controller does: the partitions are grouped by their preferred
// replica (the first in the assignment); a broker whose share of
// partitions led by another broker (or by none) is above percentage % gets
// back those of them where it is online and in the ISR. Nothing moves
// while a reassignment is in progress. The result is sorted.
func ImbalancedLeaders(parts []PartitionView, online func(int32) bool, percentage int) []TP {
	total := map[int32]int{}
	misled := map[int32][]PartitionView{}
	for _, v := range parts {
		if len(v.Adding) > 0 || len(v.Removing) > 0 {
			return nil
		}
		if len(v.Replicas) == 0 {
			continue
		}
		pref := v.Replicas[0]
		total[pref]++
		if v.State.Leader != pref {
			misled[pref] = append(misled[pref], v)
		}
	}
	var out []TP
	for pref, vs := range misled {
		if len(vs)*100 <= percentage*total[pref] {
			continue
		}
		for _, v := range vs {
			if online(pref) && contains(v.State.ISR, pref) {
				out = append(out, v.TP)
			}
		}
	}
	slices.SortFunc(out, compareTP)
	return out
}

package controller

import (
	"fmt"
	"slices"
	"testing"
)

func TestImbalancedLeaders(t *testing.T) {
	// pv is partition p of topic "t" with the given replicas, leader and ISR.
	pv := func(p int32, replicas []int32, leader int32, isr ...int32) PartitionView {
		return PartitionView{TP: TP{"t", p}, Replicas: replicas, State: LeaderAndIsr{Leader: leader, ISR: isr}}
	}
	all := func(int32) bool { return true }
	not := func(down ...int32) func(int32) bool {
		return func(b int32) bool { return !slices.Contains(down, b) }
	}
	r012, r120, r201 := []int32{0, 1, 2}, []int32{1, 2, 0}, []int32{2, 0, 1}
	for _, tc := range []struct {
		name   string
		parts  []PartitionView
		online func(int32) bool
		pct    int
		want   []int32 // partitions of "t"
	}{
		{"balanced", []PartitionView{pv(0, r012, 0, 0, 1, 2), pv(1, r120, 1, 0, 1, 2), pv(2, r201, 2, 0, 1, 2)}, all, 10, nil},
		{"one broker lost all its leadership",
			[]PartitionView{pv(0, r012, 1, 0, 1, 2), pv(1, r120, 1, 0, 1, 2), pv(2, r201, 2, 0, 1, 2), pv(3, r012, 1, 0, 1, 2)},
			all, 10, []int32{0, 3}},
		{"at the percentage: no election",
			// broker 0 prefers 10 partitions, 1 led elsewhere: 10% is not above 10%.
			append(repeat(9, func(p int32) PartitionView { return pv(p, r012, 0, 0, 1, 2) }), pv(9, r012, 1, 0, 1, 2)),
			all, 10, nil},
		{"above the percentage",
			append(repeat(8, func(p int32) PartitionView { return pv(p, r012, 0, 0, 1, 2) }), pv(8, r012, 1, 0, 1, 2), pv(9, r012, 2, 0, 1, 2)),
			all, 10, []int32{8, 9}},
		{"percentage 0: any misled partition",
			append(repeat(9, func(p int32) PartitionView { return pv(p, r012, 0, 0, 1, 2) }), pv(9, r012, 1, 0, 1, 2)),
			all, 0, []int32{9}},
		{"preferred replica out of the ISR stays a follower",
			[]PartitionView{pv(0, r012, 1, 1, 2), pv(1, r012, 1, 0, 1, 2)}, all, 10, []int32{1}},
		{"preferred replica offline", []PartitionView{pv(0, r012, 1, 0, 1, 2)}, not(0), 10, nil},
		{"leaderless partition counts as misled", []PartitionView{pv(0, r012, NoLeader, 0)}, all, 10, []int32{0}},
		{"reassignment in progress: nothing moves",
			[]PartitionView{pv(0, r012, 1, 0, 1, 2), {TP: TP{"t", 1}, Replicas: []int32{0, 1, 2, 3}, Adding: []int32{3},
				State: LeaderAndIsr{Leader: 0, ISR: []int32{0, 1, 2}}}}, all, 10, nil},
		{"no partitions", nil, all, 10, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := ImbalancedLeaders(tc.parts, tc.online, tc.pct)
			var want []TP
			for _, p := range tc.want {
				want = append(want, TP{"t", p})
			}
			if fmt.Sprint(got) != fmt.Sprint(want) {
				t.Errorf("got %v, want %v", got, want)
			}
		})
	}
}

func repeat(n int32, f func(int32) PartitionView) []PartitionView {
	out := make([]PartitionView, 0, n)
	for p := int32(0); p < n; p++ {
		out = append(out, f(p))
	}
	return out
}

package cluster

import (
	"testing"
	"time"

	rsm "sluice/cluster/internal/replica"
)

func TestSelectRackAware(t *testing.T) {
	now := time.Unix(1000, 0)
	c := func(id int32, rack string, leo int64, ago time.Duration) readCandidate {
		return readCandidate{ReplicaView: rsm.ReplicaView{ID: id, LogEndOffset: leo, LastCaughtUp: now.Add(-ago)}, rack: rack}
	}
	for _, tc := range []struct {
		name               string
		client, leaderRack string
		cands              []readCandidate
		want               int32
	}{
		{"no client rack", "", "r0", []readCandidate{c(1, "", 10, 0)}, -1},
		{"leader in the rack", "r0", "r0", []readCandidate{c(1, "r0", 10, 0)}, -1},
		{"none in the rack", "r2", "r0", []readCandidate{c(1, "r1", 10, 0)}, -1},
		{"the one in the rack", "r2", "r0", []readCandidate{c(1, "r1", 10, 0), c(2, "r2", 5, time.Second)}, 2},
		{"highest log end", "r2", "r0", []readCandidate{c(1, "r2", 9, 0), c(2, "r2", 10, time.Minute)}, 2},
		{"then most recently caught up", "r2", "r0", []readCandidate{c(1, "r2", 10, time.Minute), c(2, "r2", 10, time.Second)}, 2},
		{"then lowest id", "r2", "r0", []readCandidate{c(3, "r2", 10, time.Second), c(2, "r2", 10, time.Second)}, 2},
		{"leader without rack", "r2", "", []readCandidate{c(2, "r2", 10, 0)}, 2},
	} {
		if got := selectRackAware(tc.client, tc.leaderRack, tc.cands, now); got != tc.want {
			t.Errorf("%s: %d, want %d", tc.name, got, tc.want)
		}
	}
}

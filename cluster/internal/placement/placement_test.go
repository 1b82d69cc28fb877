package placement

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"
)

func brokers(racks map[int32]string, n int) []Broker {
	var out []Broker
	for i := 0; i < n; i++ {
		out = append(out, Broker{ID: int32(i), Rack: racks[int32(i)]})
	}
	return out
}

// TestRackUnaware is Kafka's ReplicaAssignmentTest expectation for five
// brokers, ten partitions, three replicas, fixed start index 0.
func TestRackUnaware(t *testing.T) {
	got, err := Assign(brokers(nil, 5), 10, 3, Options{StartIndex: 0, Shift: 0})
	if err != nil {
		t.Fatal(err)
	}
	want := [][]int32{{0, 1, 2}, {1, 2, 3}, {2, 3, 4}, {3, 4, 0}, {4, 0, 1}, {0, 2, 3}, {1, 3, 4}, {2, 4, 0}, {3, 0, 1}, {4, 1, 2}}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Fatalf("got %v\nwant %v", got, want)
	}
}

// TestRackAware is Kafka's AdminRackAwareTest: the rack-alternated broker
// list and the assignment built on it.
func TestRackAware(t *testing.T) {
	racks := map[int32]string{0: "rack1", 1: "rack3", 2: "rack3", 3: "rack2", 4: "rack2", 5: "rack1"}
	if ids, _ := alternateRacks(brokers(racks, 6)); !slices.Equal(ids, []int32{0, 3, 1, 5, 4, 2}) {
		t.Fatalf("alternated %v", ids)
	}
	if ids, _ := alternateRacks(brokers(racks, 5)); !slices.Equal(ids, []int32{0, 3, 1, 4, 2}) {
		t.Fatalf("alternated without 5: %v", ids)
	}
	got, err := Assign(brokers(racks, 6), 7, 3, Options{StartIndex: 0, Shift: 0})
	if err != nil {
		t.Fatal(err)
	}
	want := [][]int32{{0, 3, 1}, {3, 1, 5}, {1, 5, 4}, {5, 4, 2}, {4, 2, 0}, {2, 0, 3}, {0, 4, 2}}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Fatalf("got %v\nwant %v", got, want)
	}
}

// TestProperties: with random starts, every partition has rf distinct
// replicas, leaders spread evenly, and with racks no two replicas share a
// rack while rf <= racks.
func TestProperties(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	for i := 0; i < 500; i++ {
		n := 1 + rng.IntN(9)
		rf := 1 + rng.IntN(n)
		parts := int32(1 + rng.IntN(40))
		var racks map[int32]string
		numRacks := 0
		if rng.IntN(2) == 0 {
			numRacks = 1 + rng.IntN(n)
			racks = map[int32]string{}
			for b := 0; b < n; b++ {
				racks[int32(b)] = fmt.Sprint("r", b%numRacks)
			}
		}
		got, err := Assign(brokers(racks, n), parts, rf, Options{StartIndex: -1, Shift: -1, Rand: rng})
		if err != nil {
			t.Fatal(err)
		}
		leaders := map[int32]int{}
		for p, rs := range got {
			if len(rs) != rf || hasDup(rs) {
				t.Fatalf("n=%d rf=%d p%d: %v", n, rf, p, rs)
			}
			leaders[rs[0]]++
			if racks != nil && rf <= numRacks {
				seen := map[string]bool{}
				for _, b := range rs {
					if seen[racks[b]] {
						t.Fatalf("n=%d racks=%d rf=%d p%d: %v share a rack", n, numRacks, rf, p, rs)
					}
					seen[racks[b]] = true
				}
			}
		}
		lo, hi := int(parts), 0
		for b := 0; b < n; b++ {
			lo, hi = min(lo, leaders[int32(b)]), max(hi, leaders[int32(b)])
		}
		if hi-lo > 1 {
			t.Fatalf("n=%d parts=%d: leaders %v uneven", n, parts, leaders)
		}
	}
}

func TestErrors(t *testing.T) {
	if _, err := Assign(brokers(nil, 3), 1, 4, Options{}); !errors.Is(err, ErrReplicationFactor) ||
		err.Error() != "placement: bad replication factor: Replication factor: 4 larger than available brokers: 3." {
		t.Fatalf("rf 4 of 3: %v", err)
	}
	if _, err := Assign(brokers(map[int32]string{0: "a"}, 2), 1, 1, Options{}); !errors.Is(err, ErrPartialRacks) {
		t.Fatalf("partial racks: %v", err)
	}
}

func hasDup(l []int32) bool {
	s := slices.Clone(l)
	slices.Sort(s)
	return len(slices.Compact(s)) != len(l)
}

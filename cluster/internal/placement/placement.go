// Package placement assigns partition replicas to brokers as Kafka's
// AdminUtils.assignReplicasToBrokers does: replicas spread round-robin
// from a start broker, followers shifted so that leaders and followers of
// consecutive partitions land on different brokers, and, when every broker
// has a rack, rack-aware (brokers alternated by rack, no two replicas of a
// partition in one rack while a rack has none).
package placement

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"slices"
)

// Broker is a candidate broker.
type Broker struct {
	ID   int32
	Rack string // "" = none
}

// Errors.
var (
	// ErrReplicationFactor: more replicas than brokers, or fewer than one.
	ErrReplicationFactor = errors.New("placement: bad replication factor")
	// ErrPartialRacks: some brokers have a rack and some do not.
	ErrPartialRacks = errors.New("placement: not all brokers have rack information")
)

// Options fix what Kafka picks at random (tests, and adding partitions to
// an existing topic). A negative StartIndex or Shift is random.
type Options struct {
	StartIndex       int
	Shift            int
	StartPartitionID int32
	Rand             *rand.Rand // nil: the global source
}

// Assign returns the replicas of partitions StartPartitionID ..
// StartPartitionID+partitions-1.
func Assign(brokers []Broker, partitions int32, rf int, o Options) ([][]int32, error) {
	if rf <= 0 {
		return nil, fmt.Errorf("%w: Replication factor must be larger than 0.", ErrReplicationFactor)
	}
	if rf > len(brokers) {
		return nil, fmt.Errorf("%w: Replication factor: %d larger than available brokers: %d.", ErrReplicationFactor, rf, len(brokers))
	}
	if partitions < 0 {
		return nil, fmt.Errorf("placement: %d partitions", partitions)
	}
	racks := 0
	for _, b := range brokers {
		if b.Rack != "" {
			racks++
		}
	}
	intn := rand.IntN
	if o.Rand != nil {
		intn = o.Rand.IntN
	}
	switch {
	case racks == 0:
		ids := make([]int32, len(brokers))
		for i, b := range brokers {
			ids[i] = b.ID
		}
		slices.Sort(ids)
		return assign(ids, partitions, rf, o, intn, nil), nil
	case racks < len(brokers):
		return nil, fmt.Errorf("%w for replica rack aware assignment.", ErrPartialRacks)
	default:
		ids, rackOf := alternateRacks(brokers)
		return assign(ids, partitions, rf, o, intn, rackOf), nil
	}
}

// assign is Kafka's round-robin, rack-aware when rackOf is set.
func assign(ids []int32, partitions int32, rf int, o Options, intn func(int) int, rackOf map[int32]string) [][]int32 {
	n := len(ids)
	start := o.StartIndex
	if start < 0 {
		start = intn(n)
	}
	shift := o.Shift
	if shift < 0 {
		shift = intn(n)
	}
	numRacks := 0
	if rackOf != nil {
		seen := map[string]bool{}
		for _, r := range rackOf {
			seen[r] = true
		}
		numRacks = len(seen)
	}
	out := make([][]int32, 0, partitions)
	p := max(0, int(o.StartPartitionID))
	for range partitions {
		if p > 0 && p%n == 0 {
			shift++
		}
		first := (p + start) % n
		replicas := []int32{ids[first]}
		if rackOf == nil {
			for j := 0; j < rf-1; j++ {
				replicas = append(replicas, ids[replicaIndex(first, shift, j, n)])
			}
		} else {
			racksUsed := map[string]bool{rackOf[ids[first]]: true}
			used := map[int32]bool{ids[first]: true}
			k := 0
			for j := 0; j < rf-1; j++ {
				for {
					b := ids[replicaIndex(first, shift*numRacks, k, n)]
					k++
					r := rackOf[b]
					if (!racksUsed[r] || len(racksUsed) == numRacks) && (!used[b] || len(used) == n) {
						replicas = append(replicas, b)
						racksUsed[r], used[b] = true, true
						break
					}
				}
			}
		}
		out = append(out, replicas)
		p++
	}
	return out
}

func replicaIndex(first, secondShift, j, n int) int {
	shift := 1 + (secondShift+j)%(n-1)
	return (first + shift) % n
}

// alternateRacks orders brokers rack by rack (racks sorted, brokers sorted
// within a rack): r1b1, r2b1, r3b1, r1b2, ...
func alternateRacks(brokers []Broker) ([]int32, map[int32]string) {
	rackOf := map[int32]string{}
	byRack := map[string][]int32{}
	for _, b := range brokers {
		rackOf[b.ID] = b.Rack
		byRack[b.Rack] = append(byRack[b.Rack], b.ID)
	}
	racks := make([]string, 0, len(byRack))
	for r, ids := range byRack {
		slices.Sort(ids)
		racks = append(racks, r)
	}
	slices.Sort(racks)
	var out []int32
	next := map[string]int{}
	for i := 0; len(out) < len(brokers); i = (i + 1) % len(racks) {
		r := racks[i]
		if next[r] < len(byRack[r]) {
			out = append(out, byRack[r][next[r]])
			next[r]++
		}
	}
	return out, rackOf
}

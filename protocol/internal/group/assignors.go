package group

import (
	"bytes"
	"slices"
)

// Server-side assignors of the KIP-848 consumer protocol: "uniform" (sticky,
// balanced) and "range" (per topic, contiguous ranges over the members
// sorted by id). Both are pure functions of the members' subscriptions,
// the topic metadata and (uniform) the previous target assignment.

// TopicInfo describes a topic for the server-side assignors.
type TopicInfo struct {
	Name       string
	ID         [16]byte
	Partitions int32
}

// tpid is a partition named by topic id, as KIP-848 assignments are.
type tpid struct {
	topic     [16]byte
	partition int32
}

type assignInput struct {
	members []string            // sorted member ids
	topics  map[string][]string // member id -> subscribed topic names
	prev    map[string]map[tpid]bool
	meta    map[string]TopicInfo
}

const (
	assignorUniform = "uniform"
	assignorRange   = "range"
)

func knownAssignor(name string) bool { return name == assignorUniform || name == assignorRange }

func assign(name string, in assignInput) map[string]map[tpid]bool {
	if name == assignorRange {
		return assignRange(in)
	}
	return assignUniform(in)
}

// subscribers returns, per existing topic, the sorted members subscribed.
func (in assignInput) subscribers() (map[string][]string, []string) {
	subs := map[string][]string{}
	for _, m := range in.members {
		for _, t := range in.topics[m] {
			if _, ok := in.meta[t]; ok {
				subs[t] = append(subs[t], m)
			}
		}
	}
	names := make([]string, 0, len(subs))
	for t := range subs {
		names = append(names, t)
	}
	slices.Sort(names)
	return subs, names
}

func assignRange(in assignInput) map[string]map[tpid]bool {
	out := map[string]map[tpid]bool{}
	for _, m := range in.members {
		out[m] = map[tpid]bool{}
	}
	subs, names := in.subscribers()
	for _, t := range names {
		ms := subs[t]
		ti := in.meta[t]
		n := int32(len(ms))
		per, extra := ti.Partitions/n, ti.Partitions%n
		p := int32(0)
		for i, m := range ms {
			cnt := per
			if int32(i) < extra {
				cnt++
			}
			for j := int32(0); j < cnt; j++ {
				out[m][tpid{ti.ID, p}] = true
				p++
			}
		}
	}
	return out
}

// assignUniform balances the partition counts: every member keeps up to its
// quota of what it had (floor of the average, plus one for as many members
// as the remainder allows), then the rest goes to the least loaded
// subscribed member. With heterogeneous subscriptions the result is
// balanced as far as the greedy pass gets, not optimal.
func assignUniform(in assignInput) map[string]map[tpid]bool {
	out := make(map[string]map[tpid]bool, len(in.members))
	for _, m := range in.members {
		out[m] = map[tpid]bool{}
	}
	subs, names := in.subscribers()
	index := make(map[string]int, len(in.members))
	for i, m := range in.members {
		index[m] = i
	}
	// Per topic: the indexes of its subscribers; per member: a count.
	byID := make(map[[16]byte]TopicInfo, len(names))
	subIdx := make(map[[16]byte][]int, len(names))
	isSub := make(map[[16]byte][]bool, len(names))
	total := 0
	for _, t := range names {
		ti := in.meta[t]
		flags := make([]bool, len(in.members))
		for _, m := range subs[t] {
			subIdx[ti.ID] = append(subIdx[ti.ID], index[m])
			flags[index[m]] = true
		}
		isSub[ti.ID] = flags
		byID[ti.ID] = ti
		total += int(ti.Partitions)
	}
	active := 0
	for i := range in.members {
		for _, flags := range isSub {
			if flags[i] {
				active++
				break
			}
		}
	}
	if active == 0 {
		return out
	}
	floor, extra := total/active, total%active
	counts := make([]int, len(in.members))
	taken := make(map[tpid]bool, total)
	// Sticky pass: keep previous partitions still valid, up to the quota.
	for i, m := range in.members {
		prev := make([]tpid, 0, len(in.prev[m]))
		for p := range in.prev[m] {
			flags, ok := isSub[p.topic]
			if ok && flags[i] && p.partition < byID[p.topic].Partitions {
				prev = append(prev, p)
			}
		}
		slices.SortFunc(prev, compareTPID)
		quota := floor
		if len(prev) > floor && extra > 0 {
			quota++
			extra--
		}
		for _, p := range prev[:min(len(prev), quota)] {
			out[m][p] = true
			taken[p] = true
			counts[i]++
		}
	}
	// Fill: each free partition to its least loaded subscriber.
	for _, t := range names {
		ti := in.meta[t]
		cands := subIdx[ti.ID]
		for p := int32(0); p < ti.Partitions; p++ {
			k := tpid{ti.ID, p}
			if taken[k] {
				continue
			}
			best := cands[0]
			for _, i := range cands[1:] {
				if counts[i] < counts[best] {
					best = i
				}
			}
			out[in.members[best]][k] = true
			counts[best]++
		}
	}
	return out
}

func compareTPID(a, b tpid) int {
	if c := bytes.Compare(a.topic[:], b.topic[:]); c != 0 {
		return c
	}
	return int(a.partition) - int(b.partition)
}

package main

import (
	"sort"

	"github.com/twmb/franz-go/pkg/kadm"
)

// partitionHealth is one partition as Metadata shows it, with the two
// marks operators alert on: under-replicated (fewer in-sync replicas than
// replicas) and offline (no leader, or a leader that is not a live broker)
// — kafka-topics.sh's --under-replicated-partitions and
// --unavailable-partitions.
type partitionHealth struct {
	Topic           string  `json:"topic"`
	Partition       int32   `json:"partition"`
	Leader          int32   `json:"leader"`
	LeaderEpoch     int32   `json:"leader_epoch"`
	Replicas        []int32 `json:"replicas"`
	ISR             []int32 `json:"isr"`
	OfflineReplicas []int32 `json:"offline_replicas"`
	UnderReplicated bool    `json:"under_replicated"`
	Offline         bool    `json:"offline"`
	Error           string  `json:"error,omitempty"`
}

// healthFilter selects partitions for `topic describe`.
type healthFilter int

const (
	allPartitions healthFilter = iota
	underReplicatedOnly
	unavailableOnly
)

func (h partitionHealth) keep(f healthFilter) bool {
	switch f {
	case underReplicatedOnly:
		return h.UnderReplicated
	case unavailableOnly:
		return h.Offline
	}
	return true
}

// liveBrokers is the set of brokers Metadata lists.
func liveBrokers(md kadm.Metadata) map[int32]bool {
	live := make(map[int32]bool, len(md.Brokers))
	for _, b := range md.Brokers {
		live[b.NodeID] = true
	}
	return live
}

// healthOf returns the partitions of md's topics (without internal ones
// if excludeInternal) that pass f, by topic and partition. Topics that
// failed to load are left out.
func healthOf(md kadm.Metadata, f healthFilter, excludeInternal bool) []partitionHealth {
	live := liveBrokers(md)
	out := []partitionHealth{}
	for _, t := range md.Topics.Sorted() {
		if t.Err != nil || excludeInternal && t.IsInternal {
			continue
		}
		for _, p := range t.Partitions.Sorted() {
			h := partitionOf(p, live)
			if h.keep(f) {
				out = append(out, h)
			}
		}
	}
	return out
}

func partitionOf(p kadm.PartitionDetail, live map[int32]bool) partitionHealth {
	h := partitionHealth{
		Topic: p.Topic, Partition: p.Partition, Leader: p.Leader, LeaderEpoch: p.LeaderEpoch,
		Replicas: nonNil(p.Replicas), ISR: nonNil(p.ISR), OfflineReplicas: nonNil(p.OfflineReplicas),
		UnderReplicated: len(p.ISR) < len(p.Replicas),
		Offline:         p.Leader < 0 || !live[p.Leader],
	}
	if p.Err != nil {
		h.Error = p.Err.Error()
	}
	return h
}

// status is the marks as one word for tables.
func (h partitionHealth) status() string {
	switch {
	case h.Offline:
		return "offline"
	case h.UnderReplicated:
		return "under-replicated"
	}
	return ""
}

// brokerHealth is one broker's share, as Kafka's per-broker LeaderCount,
// PartitionCount and UnderReplicatedPartitions gauges count it: partitions
// it leads, replicas it holds, and partitions it leads whose ISR is short.
type brokerHealth struct {
	ID              int32 `json:"id"`
	Leaders         int   `json:"leaders"`
	Partitions      int   `json:"partitions"`
	UnderReplicated int   `json:"under_replicated"`
}

// brokerHealthOf counts per broker over every topic in md (internal ones
// included, as Kafka's gauges do); brokers that hold replicas but are not
// live are listed too. The result is sorted by broker id.
func brokerHealthOf(md kadm.Metadata) []brokerHealth {
	m := map[int32]*brokerHealth{}
	get := func(id int32) *brokerHealth {
		if m[id] == nil {
			m[id] = &brokerHealth{ID: id}
		}
		return m[id]
	}
	for _, b := range md.Brokers {
		get(b.NodeID)
	}
	for _, t := range md.Topics {
		if t.Err != nil {
			continue
		}
		for _, p := range t.Partitions {
			for _, r := range p.Replicas {
				get(r).Partitions++
			}
			if p.Leader >= 0 {
				b := get(p.Leader)
				b.Leaders++
				if len(p.ISR) < len(p.Replicas) {
					b.UnderReplicated++
				}
			}
		}
	}
	out := make([]brokerHealth, 0, len(m))
	for _, b := range m {
		out = append(out, *b)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].ID < out[j].ID })
	return out
}

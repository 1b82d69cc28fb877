package main

import (
	"slices"

	"sluice/cmd/sluice/internal/obs"
	"sluice/protocol"
)

// brokerState returns the function the metrics read the broker's state
// from at each scrape (obs.Metrics.SetStateFunc): partition, leader,
// under-replicated and offline counts from the cluster metadata, the
// produce and fetch purgatory sizes, the group coordinator's partitions by
// load state, and each local log's size. Consumer-group counts and lag are added by
// groupMetrics (group_metrics.go).
//
// Wire it in runBroker after StartBroker:
//
//	metrics.SetStateFunc(gm.With(brokerState(b)))
func brokerState(b *protocol.Broker) func(*obs.State) {
	return func(s *obs.State) {
		self := b.Node().NodeID()
		for _, t := range b.Node().Topics() {
			for _, p := range t.Partitions {
				if !slices.Contains(p.Replicas, self) {
					continue
				}
				s.Partitions++
				if slices.Contains(p.Offline, self) {
					s.OfflinePartitions++
				}
				if p.Leader == self {
					s.LeaderPartitions++
					if len(p.ISR) < len(p.Replicas) {
						s.UnderReplicated++
					}
				}
			}
		}
		// Purgatories: parked fetch long polls; a single node answers
		// acks=all at once, so nothing waits in the Produce purgatory.
		s.PurgatorySize = map[string]int{"Produce": 0, "Fetch": b.ParkedFetches()}
		ls := b.GroupLoadStatus()
		s.CoordinatorPartitions = map[string]int{"loading": ls.Loading, "active": ls.Loaded, "failed": ls.Failed}
		for _, l := range b.Engine().Logs() {
			tp := l.TopicPartition()
			s.LogSizes = append(s.LogSizes, obs.PartitionSize{Topic: tp.Topic, Partition: tp.Partition, Bytes: l.Size()})
		}
	}
}

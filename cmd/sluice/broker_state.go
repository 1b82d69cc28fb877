package main

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"sluice/cmd/sluice/internal/broker"
	"sluice/cmd/sluice/internal/obs"
	"sluice/engine"
)

// brokerState returns the function the metrics read the broker's state
// from at each scrape (obs.Metrics.SetStateFunc): partition, leader,
// under-replicated and offline counts from the cluster metadata, the
// produce and fetch purgatory sizes, the group coordinator's partitions by
// load state, and each local log's size. Consumer-group counts and lag are added by
// groupMetrics (group_metrics.go).
//
// Wire it in runBroker after broker.Start:
//
//	metrics.SetStateFunc(gm.With(brokerState(b)))
func brokerState(b *broker.Broker) func(*obs.State) {
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
		// Purgatories: parked fetch long polls and, in a cluster, acks=all
		// produces waiting for the ISR (a single node answers at once).
		rs, cs := b.Node().ReplicationStats(), b.Node().ControllerStats()
		s.PurgatorySize = map[string]int{"Produce": rs.AckWaits, "Fetch": b.ParkedFetches()}
		s.UnderMinISR, s.AtMinISR = rs.UnderMinISR, rs.AtMinISR
		s.IsrExpands, s.IsrShrinks, s.FailedIsrUpdates = rs.IsrExpands, rs.IsrShrinks, rs.FailedIsrUpdates
		ts := b.Node().ThrottleStats()
		s.LeaderReplicationBytes, s.FollowerReplicationBytes = ts.LeaderBytes, ts.FollowerBytes
		if cs.Active {
			s.ActiveController = 1
			s.GlobalPartitions, s.OfflinePartitionsCount = cs.Partitions, cs.Offline
			s.PreferredReplicaImbalance = cs.PreferredImbalance
			s.ReassigningPartitions = cs.Reassigning
			s.LeaderElections, s.UncleanLeaderElections = cs.Elections, cs.UncleanElections
		}
		s.ControllerEventQueue = cs.QueueSize
		ls := b.GroupLoadStatus()
		s.CoordinatorPartitions = map[string]int{"loading": ls.Loading, "active": ls.Loaded, "failed": ls.Failed}
		for _, l := range b.Engine().Logs() {
			tp := l.TopicPartition()
			s.LogSizes = append(s.LogSizes, obs.PartitionSize{Topic: tp.Topic, Partition: tp.Partition, Bytes: l.Size()})
		}
		for _, d := range b.Engine().Dirs() {
			s.LogDirs = append(s.LogDirs, obs.LogDirState{Path: d.Path, Offline: d.Offline, Full: d.Full, ReservedBytes: d.ReservedBytes})
		}
		s.CorruptReads = b.Engine().CorruptReads()
	}
}

// storageHealth is what /readyz says of the log dirs: "" when every one
// takes writes, else which are degraded and how (a full dir still serves
// reads and deletes; an offline one serves nothing until a restart).
func storageHealth(e *engine.Engine) string {
	var bad []string
	for _, d := range e.Dirs() {
		switch {
		case d.Offline:
			bad = append(bad, fmt.Sprintf("log dir %s offline after a disk error (%v): its partitions are unavailable until a restart", d.Path, d.Err))
		case d.Full:
			bad = append(bad, fmt.Sprintf("log dir %s full since %s: produce refused (KAFKA_STORAGE_ERROR), fetch and delete served; appends resume once space is freed",
				d.Path, d.FullSince.UTC().Format(time.RFC3339)))
		}
	}
	if len(bad) == 0 {
		return ""
	}
	return "degraded: " + strings.Join(bad, "; ")
}

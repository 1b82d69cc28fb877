// Package controller is the cluster controller of Kafka's ZooKeeper mode as
// a pure state machine: events in (Step), actions out. It does no I/O, reads
// no clock and starts no goroutine; an adapter in package cluster feeds it
// what it learns from the metadata store (ZooKeeper, or the single-node
// file) and carries out its actions. A single node runs the same machine,
// for a cluster of one broker.
//
// # Events and actions
//
//	Elected{epoch, state}      -> UpdateMetadata + LeaderAndIsr (full) to every live broker,
//	                              then elections and deletions as needed
//	BrokersChanged{live}       -> failures (leaders moved, ISRs pruned), start-ups, bounces
//	TopicsChanged{set,removed} -> states for new partitions
//	DeletionsChanged{topics}   -> UpdateMetadata (leader -2) + StopReplica(delete) to replicas
//	StopReplicaResult          -> DeleteTopic once every replica is gone
//	AlterPartition             -> conditional write, Respond, UpdateMetadata
//	ControlledShutdown         -> leadership moved away, ISRs pruned, Respond(remaining)
//	ElectLeaders               -> preferred / unclean elections, Respond
//	AlterReassignments         -> topic znode (RS, adding, removing), epoch bump, Respond;
//	                              completion once the target is in sync (reassign.go)
//	ListReassignments          -> Respond(reassignments in progress)
//	LogDirEvent{brokers}       -> LeaderAndIsr (every hosted partition) to each, to learn which
//	                              replicas are in offline log dirs (logdirs.go)
//	ReplicasOffline{broker}    -> those replicas treated as on a dead broker: leaders moved,
//	                              ISRs pruned, UpdateMetadata with offline_replicas
//	Resigned                   -> forget everything
//
// Store writes are Write actions. The adapter fences every op with a check
// of /controller_epoch's zkVersion, applies each op on its own, and feeds
// the WriteResult back before any other event (likewise a
// ReadPartitionStates with PartitionStatesRead). State changes are applied
// only when written: a conditional write that finds another zkVersion
// makes the controller read the state again and decide anew; a fence that
// fails makes it Resign. Requests to brokers (Send) and answers (Respond)
// go out only after the writes they report succeeded.
//
// # Decisions
//
// decide (election.go) holds the rules of Kafka's partition and replica
// state machines, level-based: after every event the partitions it may
// have affected are marked dirty and each is brought to the state the
// live brokers call for. The randomized test checks the invariants that
// make a clean election lose nothing: a new leader comes from the ISR, a
// leader change bumps the leader epoch, the ISR is never empty (its last
// member stays when its broker dies), and no partition keeps a dead leader.
package controller

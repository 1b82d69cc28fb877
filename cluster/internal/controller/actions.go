package controller

import "log/slog"

// Action is an output of Step, for the adapter to carry out in order.
type Action interface{ action() }

// Write asks the adapter to apply ops to the store, each fenced by the
// controller epoch (a check on /controller_epoch's zkVersion) and each
// independent of the others, then to feed back a WriteResult with the same
// ID before any other event.
type Write struct {
	ID  uint64
	Ops []Op
}

// OpKind is what a store op does.
type OpKind int8

const (
	// CreateState creates a partition's state znode.
	CreateState OpKind = iota
	// UpdateState replaces a partition's state znode if its zkVersion is
	// still State.Version.
	UpdateState
	// DeleteTopic removes a deleted topic's znodes: /brokers/topics/<t>
	// with its partitions, /config/topics/<t> and the deletion mark.
	DeleteTopic
	// RemoveDeletionMark removes /admin/delete_topics/<t> only (deletion
	// disabled, or the topic does not exist).
	RemoveDeletionMark
	// SetAssignment replaces a topic's assignment znode
	// (/brokers/topics/<t>) with Assignment, whatever its version (a
	// reassignment step, as Kafka's controller writes it).
	SetAssignment
)

// Op is one store write.
type Op struct {
	Kind  OpKind
	TP    TP           // CreateState, UpdateState
	State LeaderAndIsr // CreateState, UpdateState (Version = expected)
	Topic string       // DeleteTopic, RemoveDeletionMark, SetAssignment
	// Assignment is the topic's whole new assignment (SetAssignment).
	Assignment *Assignment
}

// OpErr is the outcome of one op.
type OpErr int8

const (
	OpOK OpErr = iota
	OpBadVersion
	OpNoNode
	OpNodeExists
	OpFailed // anything else (connection loss): retried later
)

// OpResult is the outcome of one op; Version is the new zkVersion.
type OpResult struct {
	Err     OpErr
	Version int32
}

// ReadPartitionStates asks the adapter to read the state znodes of these
// partitions and feed back PartitionStatesRead (after a conditional write
// found another version).
type ReadPartitionStates struct {
	Partitions []TP
}

// Send asks the adapter to deliver a request to a broker (in-process to
// itself). Req is a *LeaderAndIsrRequest, *UpdateMetadataRequest or
// *StopReplicaRequest.
type Send struct {
	Broker int32
	Req    any
}

// PartitionView is a partition as LeaderAndIsr and UpdateMetadata carry it.
type PartitionView struct {
	TP       TP
	TopicID  [16]byte
	State    LeaderAndIsr
	Replicas []int32
	Adding   []int32
	Removing []int32
	// Offline are replicas on brokers that are not live (UpdateMetadata).
	Offline []int32
	// IsNew marks a partition just created (LeaderAndIsr).
	IsNew bool
}

// LeaderAndIsrRequest tells a broker the leadership of partitions it
// hosts. Leaders are the live brokers leading them (for followers).
type LeaderAndIsrRequest struct {
	ControllerEpoch int32
	BrokerEpoch     int64 // the receiver's
	Full            bool  // every partition the broker hosts (type FULL)
	Partitions      []PartitionView
	Leaders         []Broker
}

// UpdateMetadataRequest refreshes a broker's metadata cache: the live
// brokers and the partitions listed (a leader of LeaderDuringDelete
// removes one).
type UpdateMetadataRequest struct {
	ControllerEpoch int32
	BrokerEpoch     int64
	Brokers         []Broker
	Partitions      []PartitionView
}

// StopReplicaRequest stops replicas on a broker, deleting their logs when
// Delete is set.
type StopReplicaRequest struct {
	ControllerEpoch int32
	BrokerEpoch     int64
	Partitions      []StopPartition
}

// StopPartition is one partition of a StopReplicaRequest.
type StopPartition struct {
	TP          TP
	LeaderEpoch int32
	Delete      bool
}

// Respond answers a request event (AlterPartition, ControlledShutdown,
// ElectLeaders, AlterReassignments, ListReassignments) by its ReqID. Resp
// is an *AlterPartitionResponse, *ControlledShutdownResponse,
// *ElectLeadersResponse, *AlterReassignmentsResponse or
// *ListReassignmentsResponse.
type Respond struct {
	ReqID uint64
	Resp  any
}

// AlterPartitionResponse answers AlterPartition. A non-zero Err applies to
// the whole request.
type AlterPartitionResponse struct {
	Err        int16
	Partitions []AlterResult
}

// AlterResult is one partition's outcome; State is the committed state on
// success.
type AlterResult struct {
	TP    TP
	Err   int16
	State LeaderAndIsr
}

// ControlledShutdownResponse lists the partitions still led by the
// broker (those with other replicas that could not move).
type ControlledShutdownResponse struct {
	Err       int16
	Remaining []TP
}

// ElectLeadersResponse answers ElectLeaders per partition.
type ElectLeadersResponse struct {
	Err        int16
	Partitions []ElectResult
}

// AlterReassignmentsResponse answers AlterReassignments per partition.
type AlterReassignmentsResponse struct {
	Err        int16
	Partitions []ReassignResult
}

// ReassignResult is one partition's outcome.
type ReassignResult struct {
	TP      TP
	Err     int16
	Message string
}

// ListReassignmentsResponse lists the reassignments in progress.
type ListReassignmentsResponse struct {
	Err        int16
	Partitions []Reassignment
}

// Reassignment is a partition being reassigned: all its replicas (target
// first, then the original ones leaving), those being added and those
// being removed.
type Reassignment struct {
	TP       TP
	Replicas []int32
	Adding   []int32
	Removing []int32
}

// ElectResult is one partition's election outcome.
type ElectResult struct {
	TP      TP
	Err     int16
	Message string
}

// Log is a line for the controller or state-change log.
type Log struct {
	Component string // "controller" or "state-change"
	Level     slog.Level
	Msg       string
	Attrs     []any
}

// Resign tells the adapter that this controller lost office (a fenced
// write failed): it must stop acting, then feed Resigned.
type Resign struct{}

func (Write) action()               {}
func (ReadPartitionStates) action() {}
func (Send) action()                {}
func (Respond) action()             {}
func (Log) action()                 {}
func (Resign) action()              {}

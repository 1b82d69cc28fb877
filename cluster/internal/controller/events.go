package controller

// Event is an input to Step.
type Event interface{ event() }

// Elected: this broker won the controller election with the given epoch
// and read the whole state from the store. The controller announces the
// state to every live broker, then elects leaders where needed.
type Elected struct {
	Epoch int32
	State State
}

// Resigned: this broker is no longer the controller (another one took
// office, or the session expired). The controller forgets its state.
type Resigned struct{}

// BrokersChanged carries the full set of live brokers after a change of
// /brokers/ids. A broker whose Epoch grew was restarted in between.
type BrokersChanged struct {
	Live map[int32]Broker
}

// TopicsChanged carries topics created or whose assignment changed
// (partitions added, unclean flag changed), and topics whose assignment
// znode is gone.
type TopicsChanged struct {
	Set     []Assignment
	Removed []string
}

// DeletionsChanged carries the full set of topics marked for deletion.
type DeletionsChanged struct {
	Topics []string
}

// WriteResult answers the pending Write: one result per op, in order.
// ControllerMoved means the fence failed (another controller took
// office): nothing was written.
type WriteResult struct {
	ID              uint64
	ControllerMoved bool
	Results         []OpResult
}

// PartitionStatesRead answers ReadPartitionStates. A partition missing
// from States has no state znode.
type PartitionStatesRead struct {
	States map[TP]LeaderAndIsr
}

// StopReplicaResult is a broker's answer to a StopReplica with deletion,
// per partition (0 = deleted). Failed: the request could not be delivered.
type StopReplicaResult struct {
	Broker int32
	Errors map[TP]int16
	Failed bool
}

// AlterPartition is a leader's request to change ISRs (AlterPartition,
// Kafka's KIP-497).
type AlterPartition struct {
	ReqID       uint64
	Broker      int32
	BrokerEpoch int64
	Partitions  []AlterItem
}

// AlterItem is one partition of an AlterPartition request.
type AlterItem struct {
	TP             TP
	LeaderEpoch    int32
	PartitionEpoch int32
	NewISR         []int32
}

// ControlledShutdown is a broker's request to move leadership away before
// it stops (ControlledShutdown).
type ControlledShutdown struct {
	ReqID       uint64
	Broker      int32
	BrokerEpoch int64
}

// ElectLeaders asks for preferred (or unclean) elections (ElectLeaders).
// A nil Partitions means every partition.
type ElectLeaders struct {
	ReqID      uint64
	Unclean    bool
	Partitions []TP
}

// AlterReassignments starts, changes or cancels partition reassignments
// (AlterPartitionReassignments, KIP-455).
type AlterReassignments struct {
	ReqID uint64
	Items []ReassignItem
}

// ReassignItem is one partition's target replicas; nil Replicas cancels
// the reassignment in progress.
type ReassignItem struct {
	TP       TP
	Replicas []int32
}

// ListReassignments asks for the reassignments in progress
// (ListPartitionReassignments). A nil Partitions means every partition.
type ListReassignments struct {
	ReqID      uint64
	Partitions []TP
}

func (Elected) event()             {}
func (Resigned) event()            {}
func (BrokersChanged) event()      {}
func (TopicsChanged) event()       {}
func (DeletionsChanged) event()    {}
func (WriteResult) event()         {}
func (PartitionStatesRead) event() {}
func (StopReplicaResult) event()   {}
func (AlterPartition) event()      {}
func (ControlledShutdown) event()  {}
func (ElectLeaders) event()        {}
func (AlterReassignments) event()  {}
func (ListReassignments) event()   {}

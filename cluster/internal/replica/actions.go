package replica

import "log/slog"

// Action is an output of Partition.Step for the adapter to carry out, in
// the order given. Log mutations come first in their Step's order; if one
// fails (a storage error, corrupt fetched records) the adapter drops the
// rest of that Step's log mutations (the machine re-reads the log on the
// next event, so nothing is assumed applied).
type Action interface{ isAction() }

// AssignEpoch records in the leader-epoch cache that Epoch starts at
// StartOffset (the new leader's log end, Kafka's
// maybeAssignEpochStartOffset), so that followers holding records of later
// epochs than any record here still find the right truncation point.
type AssignEpoch struct {
	Epoch       int32
	StartOffset int64
}

// SetHighWatermark sets the log's HW to Offset, clamped to [log start,
// log end] as the log end is when applied (a follower's HW is min(leader's
// HW, own log end); the leader's never moves backwards).
type SetHighWatermark struct{ Offset int64 }

// Truncate removes the records at and after Offset (the log end becomes
// at most Offset; the HW follows) and the leader-epoch cache entries that
// start at or after min(Offset, log end) — also when Offset is the log
// end, where only the cache changes (Kafka's UnifiedLog.truncateTo).
type Truncate struct{ Offset int64 }

// TruncateFully deletes the whole log and restarts it empty at Offset (log
// start = log end = HW = Offset, empty epoch cache): the follower fell
// behind the leader's log start.
type TruncateFully struct{ Offset int64 }

// AppendRecords appends fetched batches as a follower (offsets and epochs
// kept, epoch cache updated from the batches, CRCs checked).
type AppendRecords struct{ Records []byte }

// SetLogStart advances the log start offset to Offset (the leader's moved:
// retention, DeleteRecords), deleting the records below it; a HW below it
// rises to it (Kafka's UnifiedLog.updateLogStartOffset). Offset never
// exceeds the log end (after the AppendRecords before it).
type SetLogStart struct{ Offset int64 }

// AlterPartition sends the proposed ISR to the controller (AlterPartition
// v3 with this leader's epoch and the partition epoch it is based on). At
// most one is in flight; its AlterPartitionResponse carries Seq back.
// Expand says whether it adds a replica (else it removes some).
type AlterPartition struct {
	Seq            uint64
	LeaderEpoch    int32
	PartitionEpoch int32
	ISR            []int32
	Expand         bool
}

// CompleteAck answers the acks=all WaitAcks with the same ID: None, or
// NOT_ENOUGH_REPLICAS_AFTER_APPEND, REQUEST_TIMED_OUT,
// NOT_LEADER_OR_FOLLOWER.
type CompleteAck struct {
	ID  uint64
	Err Code
}

// FetchAnswer answers a FollowerFetch. With Err None and no Diverging
// epoch, the adapter sends records from the fetch offset up to the log end
// (followers may read past the HW) with HighWatermark and LogStartOffset;
// it may park the fetch (replica.fetch.wait.max.ms) and read the HW and
// log end again when it answers, as both only grow. With Diverging set it
// sends no records (the follower must truncate first). With an Err it
// sends the error alone.
type FetchAnswer struct {
	ReplicaID      int32
	Err            Code
	Diverging      EpochEndOffset
	HighWatermark  int64
	LogStartOffset int64
	LogEndOffset   int64
}

// ListLeaderOffsets asks the leader for its log start and log end offsets
// (ListOffsets earliest and latest, with this broker's replica id and
// LeaderEpoch as the current leader epoch); feed the answer as
// LeaderOffsets. Fetching is paused until then.
type ListLeaderOffsets struct {
	Leader      int32
	LeaderEpoch int32
}

// Backoff: the leader answered a fetch with a retriable error; wait
// replica.fetch.backoff.ms before this partition's next fetch.
type Backoff struct{}

// LogLine is a line for state-change.log (component "state-change"):
// leadership changes, ISR changes with their reason, truncations.
type LogLine struct {
	Level slog.Level
	Msg   string
	Attrs []any
}

func (AssignEpoch) isAction()       {}
func (SetHighWatermark) isAction()  {}
func (Truncate) isAction()          {}
func (TruncateFully) isAction()     {}
func (AppendRecords) isAction()     {}
func (SetLogStart) isAction()       {}
func (AlterPartition) isAction()    {}
func (CompleteAck) isAction()       {}
func (FetchAnswer) isAction()       {}
func (ListLeaderOffsets) isAction() {}
func (Backoff) isAction()           {}
func (LogLine) isAction()           {}

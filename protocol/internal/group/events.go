package group

import (
	"time"

	"github.com/twmb/franz-go/pkg/kmsg"
)

// Event is an input to Coordinator.Handle.
type Event interface{ isEvent() }

// Action is an output of Coordinator.Handle, for the adapter to carry out.
type Action interface{ isAction() }

// Request carries one client request. Msg is a kmsg request struct with its
// Version set (JoinGroup, SyncGroup, Heartbeat, LeaveGroup, OffsetCommit,
// OffsetFetch, OffsetDelete, ListGroups, DescribeGroups, DeleteGroups). The
// adapter chooses ID; the matching Respond action carries it back. Every
// Request gets exactly one Respond, possibly in a later Handle call.
type Request struct {
	ID         uint64
	ClientID   string
	ClientHost string
	Msg        kmsg.Request
}

// Tick tells the coordinator that time has passed (a SetTimer deadline was
// reached). Any event carries `now`; Tick just has nothing else to say.
type Tick struct{}

// LoadBegin: this broker became the leader of __consumer_offsets partition
// Partition. Requests for its groups get COORDINATOR_LOAD_IN_PROGRESS until
// LoadComplete.
type LoadBegin struct{ Partition int32 }

// LoadRecords feeds the partition's records in offset order (keys and values
// of the __consumer_offsets records; Value nil is a tombstone). Records that
// cannot be decoded are skipped and counted in Stats.
type LoadRecords struct {
	Partition int32
	Records   []Record
}

// LoadComplete: every record up to the partition's end was fed; the
// coordinator now answers requests for the partition's groups.
type LoadComplete struct{ Partition int32 }

// Unload: this broker no longer leads the partition. Its groups are dropped;
// waiting requests are answered NOT_COORDINATOR.
type Unload struct{ Partition int32 }

// AppendDone acknowledges an Append action: ErrorCode is 0 when the records
// are durable (appended with acks=all semantics), else the Kafka error code
// of the produce failure (e.g. NOT_LEADER_OR_FOLLOWER, KAFKA_STORAGE_ERROR).
type AppendDone struct {
	Partition int32
	Token     uint64
	ErrorCode int16
}

// TopicsDeleted: these topics were deleted; their committed offsets are
// removed (tombstones appended, no response).
type TopicsDeleted struct{ Topics []string }

// TopicsChanged gives the current topics (all of them) for the KIP-848
// server-side assignors; send it at start and whenever topics or partition
// counts change.
type TopicsChanged struct{ Topics []TopicInfo }

func (TopicsChanged) isEvent() {}
func (Request) isEvent()       {}
func (Tick) isEvent()          {}
func (LoadBegin) isEvent()     {}
func (LoadRecords) isEvent()   {}
func (LoadComplete) isEvent()  {}
func (Unload) isEvent()        {}
func (AppendDone) isEvent()    {}
func (TopicsDeleted) isEvent() {}

// Respond sends Msg (version already set) as the response to request To.
type Respond struct {
	To  uint64
	Msg kmsg.Response
}

// Append asks the adapter to append Records, as ONE batch (the commit of a
// request is atomic), to __consumer_offsets partition Partition, and to feed
// back AppendDone{Partition, Token, code} once it is durable or failed.
// Appends to one partition must reach the log in the order of their Append
// actions (a commit issued before a DeleteGroups must not land after the
// group's tombstones); their AppendDones may come in any order.
type Append struct {
	Partition int32
	Token     uint64
	Records   []Record
}

// SetTimer asks the adapter to call Handle(now, Tick{}) at or after At. A
// new SetTimer replaces the previous one; a zero At cancels it.
type SetTimer struct{ At time.Time }

func (Respond) isAction()  {}
func (Append) isAction()   {}
func (SetTimer) isAction() {}

// Record is one __consumer_offsets record: key and value in Kafka's format
// (see the package doc). Value nil is a tombstone.
type Record struct {
	Key, Value []byte
}

package replica

import "time"

// Event is an input to Partition.Step. Events that need the time carry it
// (Now); the machine never reads a clock.
type Event interface{ isEvent() }

// LeaderAndIsr is the controller's decision for this partition (one
// partition state of a LeaderAndIsr request). Leader == this broker makes
// it the leader (Kafka's Partition.makeLeader), any other value a follower
// (makeFollower; -1: no leader, nothing to fetch from). As Kafka in
// ZooKeeper mode, it is applied only if LeaderEpoch is above the current
// leader epoch and PartitionEpoch is not below the current partition epoch;
// otherwise it is ignored with a WARN line. The adapter answers the
// LeaderAndIsr request (STALE_CONTROLLER_EPOCH for an ignored one) and
// checks that this broker is in Replicas before creating the machine.
type LeaderAndIsr struct {
	Now            time.Time
	Leader         int32
	LeaderEpoch    int32
	PartitionEpoch int32 // the partition state znode's version
	Replicas       []int32
	ISR            []int32
}

// Stop: the replica is stopped (StopReplica) or its log went offline. The
// machine answers every acks=all wait with NOT_LEADER_OR_FOLLOWER and stops
// leading and fetching; the adapter then drops it.
type Stop struct{}

// ConfigChanged carries new settings (min.insync.replicas changed).
type ConfigChanged struct {
	Now    time.Time
	Config Config
}

// Appended: the leader appended records to its log (any acks). The HW may
// move (a single-member ISR) and waits may complete.
type Appended struct{ Now time.Time }

// WaitAcks parks an acks=all produce whose last record is at
// RequiredOffset-1 (RequiredOffset = that append's last offset + 1): one
// CompleteAck{ID} follows, now or in a later Step, when the HW reaches
// RequiredOffset (DelayedProduce), on leadership loss, or at Deadline (the
// Produce request's TimeoutMillis) with REQUEST_TIMED_OUT. The adapter
// checks CanAppend before appending and sends WaitAcks after Appended.
type WaitAcks struct {
	Now            time.Time
	ID             uint64
	RequiredOffset int64
	Deadline       time.Time
}

// FollowerFetch is one partition of a Fetch request from a follower
// (ReplicaID >= 0). It is answered by exactly one FetchAnswer action in the
// same Step.
type FollowerFetch struct {
	Now                time.Time
	ReplicaID          int32
	CurrentLeaderEpoch int32 // -1: absent (Fetch < v9)
	FetchOffset        int64
	LastFetchedEpoch   int32 // -1: absent (Fetch < v12, or the follower's cache is empty)
	LogStartOffset     int64
}

// Tick: time has passed. The leader expires acks=all waits whose deadline
// is reached and checks the ISR for lagging followers. Kafka runs that
// check every replica.lag.time.max.ms/2; the adapter must Tick at least
// that often, and at NextDeadline.
type Tick struct{ Now time.Time }

// AlterPartitionResponse is the controller's answer to the AlterPartition
// action with the same Seq: Err, or the partition state now in ZooKeeper.
// A lost request or response is reported with a retriable Err (e.g.
// REQUEST_TIMED_OUT): the machine sends the same change again at once;
// the adapter spaces resends, as Kafka's AlterPartitionManager does.
type AlterPartitionResponse struct {
	Now            time.Time
	Seq            uint64
	Err            Code
	LeaderEpoch    int32
	PartitionEpoch int32
	ISR            []int32
}

// FetchResponse is the leader's answer to the fetch this follower sent
// (Request, as NextFetch returned it): Err, DivergingEpoch, the leader's
// HighWatermark and LogStartOffset, and the record batches (raw bytes,
// carrying the leader's offsets and epochs, CRCs not yet checked). A
// response that no longer matches the replica's state (leader epoch or log
// end changed since the request) is ignored, as Kafka's fetcher does. A
// lost response needs no event: the follower just fetches again.
type FetchResponse struct {
	Request        FetchRequest
	Err            Code
	Diverging      EpochEndOffset
	HighWatermark  int64
	LogStartOffset int64
	Records        []byte
}

// LiveBrokers is the set of live brokers as the metadata (the
// controller's UpdateMetadata) now says. A follower whose broker is not in
// it neither joins the ISR nor holds the leader's HW back as a caught-up
// replica (Kafka's isReplicaIsrEligible), so a broker that stopped does
// not hold acks=all waits until replica.lag.time.max.ms.
type LiveBrokers struct {
	Now     time.Time
	Brokers []int32
}

// LeaderOffsets answers a ListLeaderOffsets action: the leader's log start
// and log end offsets (ListOffsets earliest and latest, as a replica), or
// Err (a lost exchange is REQUEST_TIMED_OUT).
type LeaderOffsets struct {
	LeaderEpoch    int32 // of the ListLeaderOffsets action answered
	Err            Code
	LogStartOffset int64
	LogEndOffset   int64
}

func (LeaderAndIsr) isEvent()           {}
func (Stop) isEvent()                   {}
func (ConfigChanged) isEvent()          {}
func (Appended) isEvent()               {}
func (WaitAcks) isEvent()               {}
func (FollowerFetch) isEvent()          {}
func (Tick) isEvent()                   {}
func (AlterPartitionResponse) isEvent() {}
func (FetchResponse) isEvent()          {}
func (LeaderOffsets) isEvent()          {}
func (LiveBrokers) isEvent()            {}

package group

import (
	"time"

	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kmsg"
)

type partitionState int8

const (
	partLoading partitionState = iota + 1
	partActive
)

// pendingAppend is an Append waiting for its AppendDone.
type pendingAppend struct {
	partition int32
	done      func(code int16) // called with the Kafka error code, 0 = durable
}

// Coordinator is the group coordinator of one broker: the groups of the
// __consumer_offsets partitions it leads. It is a pure state machine: it does
// no I/O, starts no goroutines and reads no clock. It is not safe for
// concurrent use; the adapter serialises calls to Handle.
type Coordinator struct {
	opts        Options
	now         time.Time
	out         []Action
	partitions  map[int32]partitionState
	groups      map[string]*classicGroup
	timers      timers
	appends     map[uint64]pendingAppend
	nextToken   uint64
	lastTimer   time.Time // last SetTimer reported
	topics      map[string]TopicInfo
	cgRecs      []Record // consumer group records produced by the event being handled
	nextResolve uint64   // last ResolveRegexes.Seq
	stats       Stats
}

// Stats are counters for observability and tests.
type Stats struct {
	Rebalances     int64 // completed join phases
	SkippedRecords int64 // undecodable records seen while loading
	ExpiredOffsets int64
}

// New returns a Coordinator that leads no partition yet.
func New(opts Options) (*Coordinator, error) {
	opts.EnsureDefaults()
	if err := opts.Validate(); err != nil {
		return nil, err
	}
	return &Coordinator{
		opts:       opts,
		partitions: map[int32]partitionState{},
		groups:     map[string]*classicGroup{},
		appends:    map[uint64]pendingAppend{},
	}, nil
}

// PartitionFor returns the __consumer_offsets partition of groupID.
func (c *Coordinator) PartitionFor(groupID string) int32 {
	return PartitionFor(groupID, c.opts.NumPartitions)
}

// Stats returns a snapshot of the counters.
func (c *Coordinator) Stats() Stats { return c.stats }

// NextDeadline is the time at which the coordinator next wants a Tick.
func (c *Coordinator) NextDeadline() (time.Time, bool) { return c.timers.next() }

// Handle applies one event at time now and returns the actions to carry out,
// in order. A SetTimer action is included whenever the earliest deadline
// changed.
func (c *Coordinator) Handle(now time.Time, ev Event) []Action {
	if now.After(c.now) {
		c.now = now
	}
	c.out, c.cgRecs = nil, nil
	switch e := ev.(type) {
	case Request:
		c.request(e)
	case Tick:
	case LoadBegin:
		c.loadBegin(e.Partition)
	case LoadRecords:
		c.loadRecords(e.Partition, e.Records)
	case LoadComplete:
		c.loadComplete(e.Partition)
	case Unload:
		c.unload(e.Partition)
	case AppendDone:
		if p, ok := c.appends[e.Token]; ok && p.partition == e.Partition {
			delete(c.appends, e.Token)
			p.done(e.ErrorCode)
		}
	case TopicsDeleted:
		c.topicsDeleted(e.Topics)
	case TopicsChanged:
		c.topicsChanged(e.Topics)
	case RegexesResolved:
		c.regexesResolved(e)
	}
	c.fireTimers()
	next, _ := c.timers.next()
	if !next.Equal(c.lastTimer) {
		c.lastTimer = next
		c.out = append(c.out, SetTimer{At: next})
	}
	out := c.out
	c.out = nil
	return out
}

func (c *Coordinator) fireTimers() {
	for {
		k, ok := c.timers.popDue(c.now)
		if !ok {
			return
		}
		switch k.kind {
		case timerHeartbeat:
			c.expireHeartbeat(k.group, k.member)
		case timerJoin:
			c.joinDeadline(k.group)
		case timerSync:
			c.syncDeadline(k.group)
		case timerRetention:
			c.expireOffsets()
			c.timers.set(timerKey{kind: timerRetention}, c.now.Add(c.opts.OffsetsRetentionCheckInterval))
		case timerCgSession, timerCgRevoke:
			c.cgExpire(k.group, k.member)
		}
	}
}

func (c *Coordinator) respond(to uint64, msg kmsg.Response) {
	c.out = append(c.out, Respond{To: to, Msg: msg})
}

// append emits an Append action; done runs on its AppendDone (or with
// NOT_COORDINATOR when the partition is unloaded first).
func (c *Coordinator) append(partition int32, recs []Record, done func(code int16)) {
	c.nextToken++
	c.appends[c.nextToken] = pendingAppend{partition: partition, done: done}
	c.out = append(c.out, Append{Partition: partition, Token: c.nextToken, Records: recs})
}

// groupError is the error for a request about groupID when this coordinator
// cannot serve it: INVALID_GROUP_ID, NOT_COORDINATOR or
// COORDINATOR_LOAD_IN_PROGRESS; 0 when it can.
func (c *Coordinator) groupError(groupID string) int16 {
	switch c.partitions[c.PartitionFor(groupID)] {
	case partActive:
		return 0
	case partLoading:
		return kerr.CoordinatorLoadInProgress.Code
	}
	return kerr.NotCoordinator.Code
}

// group returns a live (not Dead) group.
func (c *Coordinator) group(id string) *classicGroup {
	g := c.groups[id]
	if g == nil || g.state == Dead {
		return nil
	}
	return g
}

func (c *Coordinator) getOrCreate(id string) *classicGroup {
	if g := c.group(id); g != nil {
		return g
	}
	g := newClassicGroup(id, c.PartitionFor(id), c.now)
	c.groups[id] = g
	return g
}

// appendError maps a produce error on __consumer_offsets to the error a
// group request gets (Kafka's GroupMetadataManager mapping).
func appendError(code int16, offsets bool) int16 {
	switch code {
	case 0:
		return 0
	case kerr.UnknownTopicOrPartition.Code, kerr.NotEnoughReplicas.Code,
		kerr.NotEnoughReplicasAfterAppend.Code:
		return kerr.CoordinatorNotAvailable.Code
	case kerr.NotLeaderForPartition.Code, kerr.KafkaStorageError.Code:
		return kerr.NotCoordinator.Code
	case kerr.RequestTimedOut.Code:
		if offsets {
			return kerr.CoordinatorNotAvailable.Code
		}
		return kerr.RebalanceInProgress.Code
	case kerr.MessageTooLarge.Code, kerr.RecordListTooLarge.Code, kerr.InvalidFetchSize.Code:
		if offsets {
			return kerr.InvalidCommitOffsetSize.Code
		}
		return kerr.UnknownServerError.Code
	}
	return code
}

func (c *Coordinator) request(r Request) {
	switch m := r.Msg.(type) {
	case *kmsg.JoinGroupRequest:
		c.joinGroup(r, m)
	case *kmsg.SyncGroupRequest:
		c.syncGroup(r, m)
	case *kmsg.HeartbeatRequest:
		c.heartbeat(r, m)
	case *kmsg.LeaveGroupRequest:
		c.leaveGroup(r, m)
	case *kmsg.OffsetCommitRequest:
		c.offsetCommit(r, m)
	case *kmsg.OffsetFetchRequest:
		c.offsetFetch(r, m)
	case *kmsg.OffsetDeleteRequest:
		c.offsetDelete(r, m)
	case *kmsg.ListGroupsRequest:
		c.listGroups(r, m)
	case *kmsg.DescribeGroupsRequest:
		c.describeGroups(r, m)
	case *kmsg.DeleteGroupsRequest:
		c.deleteGroups(r, m)
	case *kmsg.ConsumerGroupHeartbeatRequest:
		c.cgHeartbeat(r, m)
	case *kmsg.ConsumerGroupDescribeRequest:
		c.cgDescribe(r, m)
	default:
		// Not a group API: answer with the request's own response kind and
		// whatever error field it has is left for the adapter to police.
		if r.Msg != nil {
			resp := r.Msg.ResponseKind()
			resp.SetVersion(r.Msg.GetVersion())
			c.respond(r.ID, resp)
		}
	}
}

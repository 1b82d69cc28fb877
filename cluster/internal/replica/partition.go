package replica

import (
	"fmt"
	"log/slog"
	"slices"
	"time"
)

// Role is what this broker is for the partition.
type Role int8

const (
	// RoleNone: no LeaderAndIsr yet, or stopped.
	RoleNone Role = iota
	// RoleLeader: this broker leads the partition.
	RoleLeader
	// RoleFollower: this broker follows Leader() (which may be -1: none).
	RoleFollower
)

func (r Role) String() string {
	switch r {
	case RoleLeader:
		return "leader"
	case RoleFollower:
		return "follower"
	}
	return "none"
}

// Partition is the replication state machine of one partition on one
// broker. It is not safe for concurrent use: the adapter owns it from one
// goroutine or under the partition's lock.
type Partition struct {
	id  int32
	log Log
	cfg Config

	role           Role
	leader         int32
	leaderEpoch    int32 // -1 before the first LeaderAndIsr
	partitionEpoch int32
	replicas       []int32

	ld    *leaderState   // set while leader
	fl    *followerState // set while follower
	stats Stats
	// live is the set of live brokers from the latest LiveBrokers (nil:
	// not known yet, every broker counts as live).
	live map[int32]bool

	// mut switches off single safety rules, only in tests, to prove that
	// the randomized test finds the loss each rule prevents.
	mut mutations
}

// mutations are test-only switches, one per safety rule (see sim_test.go).
type mutations struct {
	noEpochStartCheck   bool // KAFKA-7128: expand the ISR on LEO >= HW alone
	hwBeforeTruncation  bool // KAFKA-14704: take the HW of a diverging response before truncating
	recordDivergingLEO  bool // KAFKA-13141: record a follower's position despite a diverging epoch
	truncateToHWOnStart bool // pre-KIP-101: a new follower truncates to its HW
}

// Stats counts ISR changes for the IsrExpandsPerSec, IsrShrinksPerSec and
// FailedIsrUpdatesPerSec meters.
type Stats struct {
	IsrExpands       int64
	IsrShrinks       int64
	FailedIsrUpdates int64
}

// New returns the machine of a partition whose local log is o.Log, with no
// role until the first LeaderAndIsr.
func New(o Options) (*Partition, error) {
	o.Config.EnsureDefaults()
	if err := o.Validate(); err != nil {
		return nil, err
	}
	return &Partition{id: o.BrokerID, log: o.Log, cfg: o.Config, leader: -1, leaderEpoch: -1, partitionEpoch: -1}, nil
}

// step collects the actions of one Step.
type step struct{ acts []Action }

func (s *step) emit(a Action) { s.acts = append(s.acts, a) }

func (s *step) logf(level slog.Level, msg string, attrs ...any) {
	s.emit(LogLine{Level: level, Msg: msg, Attrs: attrs})
}

// Step feeds one event and returns the actions to carry out, in order.
func (p *Partition) Step(ev Event) []Action {
	s := &step{}
	switch ev := ev.(type) {
	case LeaderAndIsr:
		p.leaderAndIsr(s, ev)
	case Stop:
		p.stop(s)
	case ConfigChanged:
		if err := ev.Config.EnsureDefaults().Validate(); err != nil {
			s.logf(slog.LevelError, "ignored invalid replication config", "err", err)
			break
		}
		p.cfg = ev.Config
		if p.ld != nil {
			p.maybeIncrementHW(s, ev.Now)
		}
	case Appended:
		if p.ld != nil {
			p.maybeIncrementHW(s, ev.Now)
		}
	case WaitAcks:
		p.waitAcks(s, ev)
	case FollowerFetch:
		p.followerFetch(s, ev)
	case Tick:
		if p.ld != nil {
			p.expireWaits(s, ev.Now)
			p.maybeShrinkISR(s, ev.Now)
			p.maybeIncrementHW(s, ev.Now)
		}
	case AlterPartitionResponse:
		p.alterPartitionResponse(s, ev)
	case FetchResponse:
		p.fetchResponse(s, ev)
	case LeaderOffsets:
		p.leaderOffsets(s, ev)
	case LiveBrokers:
		p.live = make(map[int32]bool, len(ev.Brokers))
		for _, b := range ev.Brokers {
			p.live[b] = true
		}
		if p.ld != nil {
			p.maybeIncrementHW(s, ev.Now)
		}
	default:
		panic(fmt.Sprintf("replica: unknown event %T", ev))
	}
	return s.acts
}

// leaderAndIsr applies the controller's decision (ReplicaManager
// .becomeLeaderOrFollower, ZooKeeper mode: only a higher leader epoch).
func (p *Partition) leaderAndIsr(s *step, ev LeaderAndIsr) {
	if ev.LeaderEpoch <= p.leaderEpoch {
		s.logf(slog.LevelWarn, "ignored LeaderAndIsr: leader epoch not above the current one",
			"leaderEpoch", ev.LeaderEpoch, "currentLeaderEpoch", p.leaderEpoch)
		return
	}
	if ev.PartitionEpoch < p.partitionEpoch {
		s.logf(slog.LevelInfo, "skipped become-leader/follower: already at a newer partition epoch",
			"partitionEpoch", ev.PartitionEpoch, "currentPartitionEpoch", p.partitionEpoch)
		return
	}
	if ev.Leader == p.id {
		p.becomeLeader(s, ev)
	} else {
		p.becomeFollower(s, ev)
	}
}

// stop ends any role; waits get NOT_LEADER_OR_FOLLOWER.
func (p *Partition) stop(s *step) {
	if p.ld != nil {
		p.failWaits(s, NotLeaderOrFollower)
	}
	p.role, p.ld, p.fl, p.leader = RoleNone, nil, nil, -1
}

// Role is this broker's role for the partition.
func (p *Partition) Role() Role { return p.role }

// Leader is the leader's broker id (-1: none or unknown).
func (p *Partition) Leader() int32 { return p.leader }

// LeaderEpoch is the current leader epoch (-1 before the first LeaderAndIsr).
func (p *Partition) LeaderEpoch() int32 { return p.leaderEpoch }

// PartitionEpoch is the partition state's version this broker knows.
func (p *Partition) PartitionEpoch() int32 { return p.partitionEpoch }

// Replicas is the replica assignment.
func (p *Partition) Replicas() []int32 { return slices.Clone(p.replicas) }

// ISR is the committed ISR while leader (nil otherwise: followers do not
// track it, as Kafka).
func (p *Partition) ISR() []int32 {
	if p.ld == nil {
		return nil
	}
	return slices.Clone(p.ld.isr)
}

// MaximalISR is the committed ISR plus a replica whose addition is in
// flight (KIP-497), nil when not leader.
func (p *Partition) MaximalISR() []int32 {
	if p.ld == nil {
		return nil
	}
	return p.ld.maximalISR()
}

// HighWatermark is the partition's HW: the leader's own, else the log's.
func (p *Partition) HighWatermark() int64 {
	if p.ld != nil {
		return p.ld.hw
	}
	return p.log.HighWatermark()
}

// Stats returns the ISR change counters.
func (p *Partition) Stats() Stats { return p.stats }

// CheckLeaderEpoch checks a request's CurrentLeaderEpoch against this
// replica's (-1: absent, accepted): lower is FENCED_LEADER_EPOCH, higher
// UNKNOWN_LEADER_EPOCH (Kafka's Partition.checkCurrentLeaderEpoch). Fetch,
// ListOffsets and OffsetForLeaderEpoch use it.
func (p *Partition) CheckLeaderEpoch(current int32) Code {
	switch {
	case current < 0 || current == p.leaderEpoch:
		return None
	case current < p.leaderEpoch:
		return FencedLeaderEpoch
	default:
		return UnknownLeaderEpoch
	}
}

// CanAppend says whether a produce with acks may be appended:
// NOT_LEADER_OR_FOLLOWER when not leader; for acks=-1,
// NOT_ENOUGH_REPLICAS when the committed ISR is smaller than the effective
// min ISR (Kafka's appendRecordsToLeader), before anything is written.
func (p *Partition) CanAppend(acks int16) Code {
	if p.ld == nil {
		return NotLeaderOrFollower
	}
	if acks == -1 && len(p.ld.isr) < p.effectiveMinISR() {
		return NotEnoughReplicas
	}
	return None
}

// OffsetForLeaderEpoch answers OffsetForLeaderEpoch (Kafka's
// lastOffsetForLeaderEpoch, leaders only): the largest epoch <= epoch in
// this log and its end offset, or NoEpoch when unknown.
func (p *Partition) OffsetForLeaderEpoch(currentLeaderEpoch, epoch int32) (EpochEndOffset, Code) {
	if c := p.CheckLeaderEpoch(currentLeaderEpoch); c != None {
		return NoEpoch, c
	}
	if p.ld == nil {
		return NoEpoch, NotLeaderOrFollower
	}
	e, end := p.log.EndOffsetForEpoch(epoch)
	if e < 0 || end < 0 {
		return NoEpoch, None
	}
	return EpochEndOffset{Epoch: e, EndOffset: end}, None
}

// effectiveMinISR is min(min.insync.replicas, replication factor).
func (p *Partition) effectiveMinISR() int {
	return min(p.cfg.MinInsyncReplicas, len(p.replicas))
}

// UnderReplicated: leader with an ISR smaller than the replica set.
func (p *Partition) UnderReplicated() bool { return p.ld != nil && len(p.ld.isr) < len(p.replicas) }

// UnderMinISR: leader with an ISR smaller than the effective min ISR.
func (p *Partition) UnderMinISR() bool {
	return p.ld != nil && len(p.ld.isr) < p.effectiveMinISR()
}

// AtMinISR: leader with an ISR exactly the effective min ISR.
func (p *Partition) AtMinISR() bool { return p.ld != nil && len(p.ld.isr) == p.effectiveMinISR() }

// sortedIDs returns a sorted copy of ids without duplicates.
func sortedIDs(ids []int32) []int32 {
	out := slices.Clone(ids)
	slices.Sort(out)
	return slices.Compact(out)
}

// ReplicaView is one replica as the leader sees it, for choosing a
// consumer's preferred read replica (KIP-392, Kafka's ReplicaView).
type ReplicaView struct {
	ID             int32
	LogStartOffset int64
	LogEndOffset   int64
	// LastCaughtUp: when the follower was last caught up with the leader
	// (the leader itself: zero, read as "now").
	LastCaughtUp time.Time
}

// ReadReplicas lists, while leader, the followers in the committed ISR
// whose log holds fetchOffset (log start <= fetchOffset <= log end), as
// Kafka's ReplicaManager.findPreferredReadReplica filters them (a follower
// outside the ISR may lag without bound); ok is false when not leader.
func (p *Partition) ReadReplicas(fetchOffset int64) (out []ReplicaView, ok bool) {
	if p.ld == nil {
		return nil, false
	}
	for _, id := range p.ld.isr {
		r := p.ld.remotes[id]
		if r == nil || r.leo < fetchOffset || r.logStart > fetchOffset {
			continue
		}
		out = append(out, ReplicaView{ID: id, LogStartOffset: r.logStart, LogEndOffset: r.leo, LastCaughtUp: r.lastCaughtUp})
	}
	return out, true
}

// isrEligible says whether a follower may join the ISR or hold the HW
// back as a caught-up replica that may join it: in ZooKeeper mode Kafka
// requires its broker to be alive in the metadata (Partition
// .isReplicaIsrEligible); the controller refuses brokers shutting down.
func (p *Partition) isrEligible(id int32) bool {
	return p.live == nil || p.live[id]
}

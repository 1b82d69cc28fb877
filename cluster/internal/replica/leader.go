package replica

import (
	"fmt"
	"log/slog"
	"slices"
	"time"
)

// leaderState is what the leader tracks (Kafka's Partition while leader).
type leaderState struct {
	isr        []int32 // committed ISR, sorted
	pending    *isrChange
	remotes    map[int32]*remote // every replica but this broker
	epochStart int64             // start offset of the current leader epoch
	hw         int64
	waits      []ackWait
	seq        uint64 // of the last AlterPartition
}

// isrChange is the AlterPartition in flight (Kafka's PendingExpandIsr /
// PendingShrinkIsr). The committed ISR stays in force until it commits.
type isrChange struct {
	seq     uint64
	expand  bool
	isr     []int32 // proposed
	changed []int32 // added (expand) or removed (shrink)
}

// maximalISR is the committed ISR plus a pending addition (KIP-497): the
// set the HW and acks=all wait for. A pending removal does not shrink it.
func (l *leaderState) maximalISR() []int32 {
	if l.pending != nil && l.pending.expand {
		return slices.Clone(l.pending.isr)
	}
	return slices.Clone(l.isr)
}

func (l *leaderState) inMaximalISR(id int32) bool {
	if slices.Contains(l.isr, id) {
		return true
	}
	return l.pending != nil && l.pending.expand && slices.Contains(l.pending.changed, id)
}

// becomeLeader is Kafka's makeLeader for a new leader epoch: the epoch
// starts at the log end (recorded in the epoch cache), followers' states
// are reset, the HW may move.
func (p *Partition) becomeLeader(s *step, ev LeaderAndIsr) {
	newLeader := p.ld == nil
	if newLeader {
		p.ld = &leaderState{remotes: map[int32]*remote{}, hw: p.log.HighWatermark()}
	}
	p.role, p.fl = RoleLeader, nil
	p.replicas = slices.Clone(ev.Replicas)
	for id := range p.ld.remotes {
		if !slices.Contains(ev.Replicas, id) {
			delete(p.ld.remotes, id)
		}
	}
	for _, id := range ev.Replicas {
		if id != p.id && p.ld.remotes[id] == nil {
			p.ld.remotes[id] = newRemote()
		}
	}
	p.ld.isr = sortedIDs(ev.ISR)
	p.ld.pending = nil

	leo := p.log.LogEndOffset()
	s.emit(AssignEpoch{Epoch: ev.LeaderEpoch, StartOffset: leo})
	for id, r := range p.ld.remotes {
		r.reset(ev.Now, leo, newLeader, slices.Contains(p.ld.isr, id))
	}
	p.ld.epochStart = leo
	s.logf(slog.LevelInfo, "leader starts at leader epoch",
		"leaderEpoch", ev.LeaderEpoch, "startOffset", leo, "partitionEpoch", ev.PartitionEpoch,
		"highWatermark", p.ld.hw, "isr", fmtIDs(p.ld.isr), "previousLeader", p.leader, "previousLeaderEpoch", p.leaderEpoch)
	p.leader, p.leaderEpoch, p.partitionEpoch = p.id, ev.LeaderEpoch, ev.PartitionEpoch
	p.maybeIncrementHW(s, ev.Now)
}

// followerFetch answers a follower's fetch and records its position
// (Kafka's Partition.fetchRecords for a follower, readRecords and
// updateFollowerFetchState).
func (p *Partition) followerFetch(s *step, ev FollowerFetch) {
	ans := FetchAnswer{ReplicaID: ev.ReplicaID, Diverging: NoEpoch, HighWatermark: -1, LogStartOffset: -1, LogEndOffset: -1}
	ans.Err = p.checkFollowerFetch(ev)
	if ans.Err != None {
		s.emit(ans)
		return
	}
	logStart, leo := p.log.LogStartOffset(), p.log.LogEndOffset()
	fill := func() {
		ans.HighWatermark, ans.LogStartOffset, ans.LogEndOffset = p.ld.hw, logStart, leo
	}
	if ev.LastFetchedEpoch >= 0 {
		e, end := p.log.EndOffsetForEpoch(ev.LastFetchedEpoch)
		if e < 0 || end < 0 || ev.FetchOffset < logStart {
			// The leader cannot place the follower's last epoch, or the
			// follower is behind the log start (checked first, whether
			// or not the logs diverge).
			ans.Err = OffsetOutOfRange
			s.emit(ans)
			return
		}
		if e < ev.LastFetchedEpoch || end < ev.FetchOffset {
			// The logs diverge: the follower must truncate and fetch
			// again. Its position is not recorded (KAFKA-13141): it may
			// hold records the leader does not have.
			ans.Diverging = EpochEndOffset{Epoch: e, EndOffset: end}
			if p.mut.recordDivergingLEO {
				p.recordFetch(s, ev, leo)
			}
			fill()
			s.emit(ans)
			return
		}
	}
	if ev.FetchOffset < logStart || ev.FetchOffset > leo {
		ans.Err = OffsetOutOfRange
		s.emit(ans)
		return
	}
	p.recordFetch(s, ev, leo)
	fill()
	s.emit(ans)
}

// checkFollowerFetch is the epoch, role and membership check before a
// follower fetch is served.
func (p *Partition) checkFollowerFetch(ev FollowerFetch) Code {
	if c := p.CheckLeaderEpoch(ev.CurrentLeaderEpoch); c != None {
		return c
	}
	if p.ld == nil {
		return NotLeaderOrFollower
	}
	if p.ld.remotes[ev.ReplicaID] == nil {
		// Not a replica of this partition in this leader epoch: retriable
		// for a follower that knows the epoch (the assignment may be
		// catching up), as Kafka's followerReplicaOrThrow.
		if ev.CurrentLeaderEpoch >= 0 {
			return UnknownLeaderEpoch
		}
		return NotLeaderOrFollower
	}
	return None
}

// recordFetch updates the follower's state, then maybe the ISR and the HW.
func (p *Partition) recordFetch(s *step, ev FollowerFetch, leo int64) {
	r := p.ld.remotes[ev.ReplicaID]
	prev := r.leo
	r.updateFetchState(ev.FetchOffset, ev.LogStartOffset, ev.Now, leo)
	p.maybeExpandISR(s, ev.ReplicaID, r)
	if r.leo != prev {
		p.maybeIncrementHW(s, ev.Now)
	}
}

// maybeExpandISR proposes adding a follower whose LEO reached both the HW
// and the start of the current leader epoch (Kafka's maybeExpandIsr and
// isFollowerInSync). The second condition is KAFKA-7128: a new leader's
// HW may lag records committed in an earlier epoch; a follower short of
// them must not join the ISR and be elected without them.
func (p *Partition) maybeExpandISR(s *step, id int32, r *remote) {
	l := p.ld
	if l.pending != nil || slices.Contains(l.isr, id) || !p.isrEligible(id) {
		return
	}
	if r.leo < l.hw || (r.leo < l.epochStart && !p.mut.noEpochStartCheck) {
		return
	}
	s.logf(slog.LevelInfo, "expanding ISR", "replica", id, "isr", fmtIDs(l.isr),
		"followerEndOffset", r.leo, "highWatermark", l.hw, "leaderEpochStartOffset", l.epochStart)
	p.proposeISR(s, true, []int32{id}, sortedIDs(append(slices.Clone(l.isr), id)))
}

// maybeShrinkISR proposes removing the ISR members that have not caught
// up within replica.lag.time.max.ms (Kafka's maybeShrinkIsr): stuck
// followers and slow ones alike.
func (p *Partition) maybeShrinkISR(s *step, now time.Time) {
	l := p.ld
	if l.pending != nil {
		return
	}
	leo := p.log.LogEndOffset()
	var out []int32
	var why []string
	for _, id := range l.isr {
		if id == p.id {
			continue
		}
		r := l.remotes[id]
		if r == nil || !r.isCaughtUp(leo, now, p.cfg.ReplicaLagTimeMax) {
			out = append(out, id)
			if r != nil {
				why = append(why, fmt.Sprintf("(brokerId: %d, endOffset: %d, lastCaughtUp: %s ago)", id, r.leo, fmtAgo(now, r.lastCaughtUp)))
			} else {
				why = append(why, fmt.Sprintf("(brokerId: %d, not a replica)", id))
			}
		}
	}
	if len(out) == 0 {
		return
	}
	isr := slices.DeleteFunc(slices.Clone(l.isr), func(id int32) bool { return slices.Contains(out, id) })
	s.logf(slog.LevelInfo, "shrinking ISR", "isr", fmtIDs(l.isr), "newIsr", fmtIDs(isr),
		"highWatermark", l.hw, "endOffset", leo, "outOfSync", why)
	p.proposeISR(s, false, out, isr)
}

// proposeISR sends an AlterPartition and marks it pending.
func (p *Partition) proposeISR(s *step, expand bool, changed, isr []int32) {
	l := p.ld
	l.seq++
	l.pending = &isrChange{seq: l.seq, expand: expand, isr: isr, changed: changed}
	p.sendPending(s)
}

func (p *Partition) sendPending(s *step) {
	c := p.ld.pending
	s.emit(AlterPartition{Seq: c.seq, LeaderEpoch: p.leaderEpoch, PartitionEpoch: p.partitionEpoch,
		ISR: slices.Clone(c.isr), Expand: c.expand})
}

// alterPartitionResponse commits or drops the pending ISR change (Kafka's
// handleAlterPartitionUpdate / handleAlterPartitionError).
func (p *Partition) alterPartitionResponse(s *step, ev AlterPartitionResponse) {
	if p.ld == nil || p.ld.pending == nil || p.ld.pending.seq != ev.Seq {
		return // answers a change this state no longer waits for
	}
	l := p.ld
	c := l.pending
	if ev.Err != None {
		p.stats.FailedIsrUpdates++
		switch ev.Err {
		case OperationNotAttempted, IneligibleReplica:
			// The controller says the change was not applied and the
			// partition epoch is right: back to the committed state.
			l.pending = nil
			s.logf(slog.LevelInfo, "ISR change rejected; back to the committed ISR",
				"err", ev.Err.String(), "proposedIsr", fmtIDs(c.isr), "isr", fmtIDs(l.isr))
		case UnknownTopicOrPartition, UnknownTopicID, FencedLeaderEpoch, InvalidUpdateVersion, InvalidRequest, NewLeaderElected:
			// Our state is stale: stay pending until a LeaderAndIsr.
			s.logf(slog.LevelInfo, "ISR change failed; awaiting new partition state",
				"err", ev.Err.String(), "proposedIsr", fmtIDs(c.isr))
		default:
			s.logf(slog.LevelWarn, "ISR change failed; retrying", "err", ev.Err.String(), "proposedIsr", fmtIDs(c.isr))
			p.sendPending(s)
		}
		return
	}
	if ev.LeaderEpoch != p.leaderEpoch || ev.PartitionEpoch < p.partitionEpoch {
		p.stats.FailedIsrUpdates++
		s.logf(slog.LevelInfo, "ignored ISR update from a stale state", "leaderEpoch", ev.LeaderEpoch,
			"currentLeaderEpoch", p.leaderEpoch, "partitionEpoch", ev.PartitionEpoch, "currentPartitionEpoch", p.partitionEpoch)
		return
	}
	l.isr = sortedIDs(ev.ISR)
	l.pending = nil
	p.partitionEpoch = ev.PartitionEpoch
	if c.expand {
		p.stats.IsrExpands++
	} else {
		p.stats.IsrShrinks++
	}
	reason := "follower caught up"
	if !c.expand {
		reason = "follower out of sync"
	}
	s.logf(slog.LevelInfo, "ISR updated", "isr", fmtIDs(l.isr), "partitionEpoch", ev.PartitionEpoch,
		"reason", reason, "underMinIsr", len(l.isr) < p.effectiveMinISR())
	p.maybeIncrementHW(s, ev.Now)
}

func fmtIDs(ids []int32) string { return fmt.Sprint(ids) }

func fmtAgo(now, t time.Time) string {
	if t.IsZero() {
		return "never"
	}
	return now.Sub(t).String()
}

package replica

import (
	"log/slog"
	"slices"
)

// fetchState is where a follower's fetching stands (Kafka's
// PartitionFetchState, with truncation on fetch: no Truncating state).
type fetchState int8

const (
	// fetching: fetch from the log end; divergence is found by the leader
	// from LastFetchedEpoch and answered with a DivergingEpoch.
	fetching fetchState = iota
	// resolvingOutOfRange: the fetch offset was out of the leader's range;
	// waiting for LeaderOffsets.
	resolvingOutOfRange
	// fenced: the leader has a newer epoch; wait for a LeaderAndIsr.
	fenced
	// noLeader: the partition has no leader (-1).
	noLeader
)

type followerState struct{ state fetchState }

// FetchRequest is one partition of a replica Fetch, from NextFetch.
type FetchRequest struct {
	Leader             int32 // the broker to send it to
	CurrentLeaderEpoch int32
	FetchOffset        int64 // the log end
	LastFetchedEpoch   int32 // the log's latest epoch; -1: none (leave it out)
	LogStartOffset     int64
}

// becomeFollower is Kafka's makeFollower plus the fetcher's initial state:
// fetch from the log end with the latest epoch as last fetched epoch. No
// truncation happens here (KIP-101: not to the HW, which may lag what was
// committed); the leader's DivergingEpoch decides it.
func (p *Partition) becomeFollower(s *step, ev LeaderAndIsr) {
	if p.ld != nil {
		p.failWaits(s, NotLeaderOrFollower)
	}
	p.role, p.ld = RoleFollower, nil
	p.fl = &followerState{}
	if ev.Leader < 0 {
		p.fl.state = noLeader
	}
	p.replicas = slices.Clone(ev.Replicas)
	s.logf(slog.LevelInfo, "follower starts at leader epoch", "leaderEpoch", ev.LeaderEpoch,
		"endOffset", p.log.LogEndOffset(), "partitionEpoch", ev.PartitionEpoch, "highWatermark", p.log.HighWatermark(),
		"leader", ev.Leader, "previousLeader", p.leader, "previousLeaderEpoch", p.leaderEpoch)
	p.leader, p.leaderEpoch, p.partitionEpoch = ev.Leader, ev.LeaderEpoch, ev.PartitionEpoch
	if p.mut.truncateToHWOnStart {
		s.emit(Truncate{Offset: p.log.HighWatermark()})
	}
}

// NextFetch is the fetch this follower should send now, if any: from its
// log end, with its latest epoch (Kafka's fetch request building).
func (p *Partition) NextFetch() (FetchRequest, bool) {
	if p.fl == nil || p.fl.state != fetching {
		return FetchRequest{}, false
	}
	return FetchRequest{
		Leader:             p.leader,
		CurrentLeaderEpoch: p.leaderEpoch,
		FetchOffset:        p.log.LogEndOffset(),
		LastFetchedEpoch:   p.log.LatestEpoch(),
		LogStartOffset:     p.log.LogStartOffset(),
	}, true
}

// fetchResponse handles the leader's answer (Kafka's
// AbstractFetcherThread.processFetchRequest and processPartitionData).
func (p *Partition) fetchResponse(s *step, ev FetchResponse) {
	if cur, ok := p.NextFetch(); !ok || cur != ev.Request {
		return // the state changed since the request: a stale answer
	}
	switch ev.Err {
	case None:
		if ev.Diverging.Present() {
			p.truncateOnDiverging(s, ev)
			return
		}
		if len(ev.Records) > 0 {
			s.emit(AppendRecords{Records: ev.Records})
		}
		// The log start moves before the HW (Kafka does it after): records
		// below the leader's log start cannot be checked against it (it
		// no longer has their epochs), so this log may hold ones the
		// leader never had; they must go before the HW can cover them.
		// The fetch offset was at least the leader's log start, so the log
		// end after the append is too.
		if ev.LogStartOffset > p.log.LogStartOffset() {
			s.emit(SetLogStart{Offset: ev.LogStartOffset})
		}
		if len(ev.Records) > 0 || ev.HighWatermark != p.log.HighWatermark() {
			s.emit(SetHighWatermark{Offset: ev.HighWatermark})
		}
	case OffsetOutOfRange:
		p.fl.state = resolvingOutOfRange
		s.emit(ListLeaderOffsets{Leader: p.leader, LeaderEpoch: p.leaderEpoch})
	case FencedLeaderEpoch:
		p.fl.state = fenced
		s.logf(slog.LevelInfo, "leader has a newer epoch; awaiting the new LeaderAndIsr before fetching again",
			"leaderEpoch", p.leaderEpoch)
	default:
		// UNKNOWN_LEADER_EPOCH (the leader has not caught up with the
		// controller yet), NOT_LEADER_OR_FOLLOWER, storage errors...
		s.emit(Backoff{})
	}
}

// truncateOnDiverging truncates to where the logs agree. It deliberately
// ignores the records, HW and log start of the same response: the log
// still holds records the leader does not have, and min(leader's HW, own
// log end) would expose them to consumers (KAFKA-14704). The next fetch
// takes the HW once the log matches the leader's.
func (p *Partition) truncateOnDiverging(s *step, ev FetchResponse) {
	if p.mut.hwBeforeTruncation {
		s.emit(SetHighWatermark{Offset: ev.HighWatermark})
	}
	leo := p.log.LogEndOffset()
	to, final := truncationOffset(p.log, ev.Diverging, leo)
	p.truncate(s, to, "diverging epoch", "leaderEpoch", ev.Diverging.Epoch, "leaderEndOffset", ev.Diverging.EndOffset, "final", final)
}

// truncate emits a Truncate with its state-change line. Below the HW it
// is a WARN: committed records go, which happens only after an unclean
// leader election. It is emitted even at the log end, where it only drops
// epoch-cache entries that start there: epochs this broker began as
// leader without writing a record, which would otherwise make every fetch
// diverge again (Kafka's truncateTo does the same).
func (p *Partition) truncate(s *step, to int64, why string, attrs ...any) {
	leo, hw := p.log.LogEndOffset(), p.log.HighWatermark()
	to = min(to, leo)
	attrs = append([]any{"offset", to, "endOffset", leo, "highWatermark", hw}, attrs...)
	if to < hw {
		s.logf(slog.LevelWarn, "truncating below the high watermark: "+why, attrs...)
	} else {
		s.logf(slog.LevelInfo, "truncating: "+why, attrs...)
	}
	s.emit(Truncate{Offset: to})
}

// truncationOffset is where a follower truncates given the leader's
// (epoch, end offset) for the follower's last epoch (Kafka's
// getOffsetTruncationState, KIP-101 and KIP-279). final is false when the
// follower does not know the leader's epoch: it truncates to the end of
// its own largest epoch below it and asks again (its next fetch carries
// that epoch as the last fetched one).
func truncationOffset(l Log, leader EpochEndOffset, leo int64) (offset int64, final bool) {
	if leader.EndOffset < 0 {
		return leo, true // the leader knows no offset: keep the log
	}
	if leader.Epoch < 0 {
		return min(leader.EndOffset, leo), true
	}
	e, end := l.EndOffsetForEpoch(leader.Epoch)
	switch {
	case e < 0 || end < 0:
		// This log tracks no epoch that low: the leader's offset is the
		// best bound.
		return min(leader.EndOffset, leo), true
	case e != leader.Epoch:
		return min(end, leo), false
	default:
		return min(end, leader.EndOffset, leo), true
	}
}

// leaderOffsets resolves an OFFSET_OUT_OF_RANGE (Kafka's
// fetchOffsetAndTruncate): a log ahead of the leader's end (after an
// unclean election) is truncated to it; a log behind the leader's start is
// restarted empty at it; otherwise fetching resumes from the log end.
func (p *Partition) leaderOffsets(s *step, ev LeaderOffsets) {
	if p.fl == nil || p.fl.state != resolvingOutOfRange || ev.LeaderEpoch != p.leaderEpoch {
		return
	}
	p.fl.state = fetching
	switch ev.Err {
	case None:
	case FencedLeaderEpoch:
		p.fl.state = fenced
		return
	default:
		s.emit(Backoff{})
		return
	}
	leo := p.log.LogEndOffset()
	switch {
	case ev.LogEndOffset < leo:
		p.truncate(s, ev.LogEndOffset, "log end beyond the leader's", "leaderEndOffset", ev.LogEndOffset)
	case ev.LogStartOffset > leo:
		s.logf(slog.LevelWarn, "truncating fully: log end below the leader's log start",
			"endOffset", leo, "leaderStartOffset", ev.LogStartOffset)
		s.emit(TruncateFully{Offset: ev.LogStartOffset})
	default:
		s.logf(slog.LevelInfo, "fetch offset out of range resolved: fetching from the log end",
			"endOffset", leo, "leaderStartOffset", ev.LogStartOffset, "leaderEndOffset", ev.LogEndOffset)
	}
}

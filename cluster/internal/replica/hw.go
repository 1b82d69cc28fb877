package replica

import (
	"time"
)

// ackWait is a parked acks=all produce (Kafka's DelayedProduce, one
// partition of it).
type ackWait struct {
	id       uint64
	required int64
	deadline time.Time
}

// maybeIncrementHW moves the leader's HW to the smallest LEO among the
// maximal ISR and the caught-up followers that may join it (Kafka's
// maybeIncrementLeaderHW): a caught-up follower outside the ISR holds the
// HW back so that it can reach it and join. The HW never moves backwards,
// and does not move at all while the committed ISR is smaller than the
// effective min ISR (KAFKA-15583, Kafka 3.7+). Waits the new HW covers
// complete.
// Such a follower's broker must be alive in the metadata (LiveBrokers),
// as Kafka requires: a stopped broker does not hold acks=all waits.
func (p *Partition) maybeIncrementHW(s *step, now time.Time) {
	l := p.ld
	if len(l.isr) < p.effectiveMinISR() {
		return
	}
	leo := p.log.LogEndOffset()
	hw := leo
	for id, r := range l.remotes {
		if r.leo < hw && (l.inMaximalISR(id) || (r.isCaughtUp(leo, now, p.cfg.ReplicaLagTimeMax) && p.isrEligible(id))) {
			hw = r.leo
		}
	}
	if hw <= l.hw {
		return
	}
	l.hw = hw
	s.emit(SetHighWatermark{Offset: hw})
	p.completeWaits(s)
}

// waitAcks parks an acks=all produce, or answers it at once.
func (p *Partition) waitAcks(s *step, ev WaitAcks) {
	if p.ld == nil {
		s.emit(CompleteAck{ID: ev.ID, Err: NotLeaderOrFollower})
		return
	}
	p.ld.waits = append(p.ld.waits, ackWait{id: ev.ID, required: ev.RequiredOffset, deadline: ev.Deadline})
	p.completeWaits(s)
	p.expireWaits(s, ev.Now)
}

// completeWaits answers the waits the HW covers (Kafka's
// checkEnoughReplicasReachOffset): NOT_ENOUGH_REPLICAS_AFTER_APPEND when
// the maximal ISR is by then smaller than the effective min ISR (the
// records are written and committed, but to fewer replicas than required).
func (p *Partition) completeWaits(s *step) {
	l := p.ld
	err := None
	if len(l.maximalISR()) < p.effectiveMinISR() {
		err = NotEnoughReplicasAfterAppend
	}
	kept := l.waits[:0]
	for _, w := range l.waits {
		if l.hw >= w.required {
			s.emit(CompleteAck{ID: w.id, Err: err})
		} else {
			kept = append(kept, w)
		}
	}
	clear(l.waits[len(kept):])
	l.waits = kept
}

// expireWaits answers REQUEST_TIMED_OUT to waits whose deadline has come.
func (p *Partition) expireWaits(s *step, now time.Time) {
	l := p.ld
	kept := l.waits[:0]
	for _, w := range l.waits {
		if !now.Before(w.deadline) {
			s.emit(CompleteAck{ID: w.id, Err: RequestTimedOut})
		} else {
			kept = append(kept, w)
		}
	}
	clear(l.waits[len(kept):])
	l.waits = kept
}

// failWaits answers every wait with err (leadership lost).
func (p *Partition) failWaits(s *step, err Code) {
	for _, w := range p.ld.waits {
		s.emit(CompleteAck{ID: w.id, Err: err})
	}
	p.ld.waits = nil
}

// NextDeadline is the earliest acks=all deadline, for the adapter's timer
// (false: nothing waits).
func (p *Partition) NextDeadline() (time.Time, bool) {
	if p.ld == nil || len(p.ld.waits) == 0 {
		return time.Time{}, false
	}
	d := p.ld.waits[0].deadline
	for _, w := range p.ld.waits[1:] {
		if w.deadline.Before(d) {
			d = w.deadline
		}
	}
	return d, true
}

// Waiting is the number of parked acks=all produces (purgatory size).
func (p *Partition) Waiting() int {
	if p.ld == nil {
		return 0
	}
	return len(p.ld.waits)
}

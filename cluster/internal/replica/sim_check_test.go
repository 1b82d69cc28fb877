package replica

import (
	"fmt"
	"strings"
	"time"
)

// The invariants TestRandomized checks, and the healing at the end of a
// history.

// checkExposure records what b's HW newly covers and checks that it is
// what every replica exposed at that offset.
func (s *sim) checkExposure(b *simBroker) {
	l := b.log
	b.checked = max(min(b.checked, l.hw), l.start)
	epoch := b.p.LeaderEpoch()
	if epoch < 0 {
		epoch = 1 << 30 // a restarted replica's checkpointed HW: nothing new
	}
	for o := b.checked; o < l.hw; o++ {
		r, _ := l.at(o)
		e, ok := s.exposed[o]
		if ok && e.r != r {
			s.fail("b%d exposes offset %d as e%d v%d under its HW %d, but it was exposed as e%d v%d", b.id, o, r.Epoch, r.Val, l.hw, e.r.Epoch, e.r.Val)
			return
		}
		if !ok || epoch < e.epoch {
			s.exposed[o] = committed{r, epoch}
		}
	}
	b.checked = l.hw
}

func (s *sim) ackDone(b *simBroker, a CompleteAck) {
	w, ok := s.waits[a.ID]
	if !ok {
		s.fail("b%d completes unknown or finished wait #%d", b.id, a.ID)
		return
	}
	delete(s.waits, a.ID)
	s.tracef("b%d: ack #%d (offset %d) %s", b.id, a.ID, w.offset, a.Err)
	if a.Err != None {
		return
	}
	if got, _ := b.log.at(w.offset); got != w.r || b.log.hw <= w.offset {
		s.fail("b%d acknowledges offset %d (e%d v%d) but holds %v with HW %d", b.id, w.offset, w.r.Epoch, w.r.Val, got, b.log.hw)
		return
	}
	if prev, ok := s.acked[w.offset]; ok && prev.r != w.r {
		s.fail("offset %d acknowledged twice: e%d v%d, then e%d v%d", w.offset, prev.r.Epoch, prev.r.Val, w.r.Epoch, w.r.Val)
		return
	}
	if prev, ok := s.acked[w.offset]; !ok || b.p.LeaderEpoch() < prev.epoch {
		s.acked[w.offset] = committed{w.r, b.p.LeaderEpoch()}
	}
	s.ackedOnce[a.ID] = true
}

// checkNewLeader: a new leader holds every record acknowledged or exposed
// under an earlier epoch, above its log start.
func (s *sim) checkNewLeader(b *simBroker) {
	for _, m := range []map[int64]committed{s.acked, s.exposed} {
		for o, c := range m {
			r := c.r
			if o < b.log.start || c.epoch >= b.p.LeaderEpoch() {
				continue
			}
			if got, ok := b.log.at(o); !ok || got != r {
				kind := "acknowledged"
				if _, ok := s.acked[o]; !ok {
					kind = "exposed"
				}
				s.fail("b%d became leader in epoch %d without %s offset %d (e%d v%d); it has %v (log end %d)",
					b.id, b.p.LeaderEpoch(), kind, o, r.Epoch, r.Val, got, b.log.LogEndOffset())
				return
			}
		}
	}
}

// quiesce heals everything and runs until the replicas agree, then checks
// the final logs.
func (s *sim) quiesce() {
	s.tracef("--- heal ---")
	for _, b := range s.brokers {
		b.pausedTill = time.Time{}
		if b.p == nil {
			b.log.setHW(min(b.checkpoint, b.log.hw))
			s.startMachine(b)
			s.tracef("b%d: RESTART %s", b.id, b.log)
			if s.ctl.live[b.id] {
				s.controllerFailure(b.id)
			}
			s.controllerStartup(b.id)
		} else if b.zombie {
			b.zombie = false
			s.controllerStartup(b.id)
		}
	}
	for round := 0; round < 400 && s.err == ""; round++ {
		for len(s.net) > 0 && s.err == "" {
			m := s.net[0]
			s.net = s.net[1:]
			s.deliver(m)
		}
		if s.converged() {
			s.checkFinal()
			return
		}
		s.now = s.now.Add(10 * time.Millisecond)
		for _, b := range s.brokers {
			s.apply(b, b.p.Step(Tick{Now: s.now}))
			if !b.busy {
				if req, ok := b.p.NextFetch(); ok && req.Leader > 0 {
					b.busy = true
					s.send(&simMsg{kind: mFetchReq, from: b.id, to: req.Leader, fromGen: b.gen, fetch: req})
				}
			}
		}
	}
	if s.err == "" {
		var st []string
		for _, b := range s.brokers {
			st = append(st, fmt.Sprintf("b%d %s epoch=%d isr=%v %s", b.id, b.p.Role(), b.p.LeaderEpoch(), b.p.ISR(), b.log))
		}
		s.fail("did not converge after healing: controller leader=%d epoch=%d isr=%v; %s", s.ctl.leader, s.ctl.leaderEpoch, s.ctl.isr, strings.Join(st, "; "))
	}
}

func (s *sim) converged() bool {
	c := &s.ctl
	if c.leader == -1 || len(c.isr) != 3 {
		return false
	}
	ld := s.broker(c.leader)
	if ld.p.Role() != RoleLeader || ld.p.LeaderEpoch() != c.leaderEpoch || ld.log.hw != ld.log.LogEndOffset() {
		return false
	}
	for _, b := range s.brokers {
		if b.p.LeaderEpoch() != c.leaderEpoch || b.log.LogEndOffset() != ld.log.LogEndOffset() || b.log.hw != ld.log.hw {
			return false
		}
	}
	return true
}

// checkFinal: identical logs (above the largest log start) holding every
// acknowledged and every exposed record.
func (s *sim) checkFinal() {
	ld := s.broker(s.ctl.leader)
	start := ld.log.start
	for _, b := range s.brokers {
		start = max(start, b.log.start)
	}
	for _, b := range s.brokers {
		for o := start; o < ld.log.LogEndOffset(); o++ {
			want, _ := ld.log.at(o)
			if got, _ := b.log.at(o); got != want {
				s.fail("after healing b%d has %v at offset %d, the leader b%d %v", b.id, got, o, ld.id, want)
				return
			}
		}
		for kind, m := range map[string]map[int64]committed{"acknowledged": s.acked, "exposed": s.exposed} {
			for o, c := range m {
				if got, ok := b.log.at(o); o >= b.log.start && (!ok || got != c.r) {
					s.fail("after healing b%d lacks %s offset %d (e%d v%d)", b.id, kind, o, c.r.Epoch, c.r.Val)
					return
				}
			}
		}
	}
	s.tracef("converged: %s", ld.log)
}

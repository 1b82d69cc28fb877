package controller

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
)

// TestRandomLogDirFailures drives the controller with log dir failures
// among broker failures, restarts, ISR changes and failovers, as the
// adapter would feed them (a LogDirEvent, then the broker's
// KAFKA_STORAGE_ERROR answers; after a failover the answers to the full
// LeaderAndIsr), and checks after every step, besides the invariants of
// TestRandomInvariants, that a replica known to be in an offline dir
// neither leads nor stays in the ISR of a partition with a leader.
func TestRandomLogDirFailures(t *testing.T) {
	for seed := uint64(1); seed <= 200; seed++ {
		t.Run(fmt.Sprint(seed), func(t *testing.T) { randomLogDirRun(t, seed) })
	}
}

func randomLogDirRun(t *testing.T, seed uint64) {
	rng := rand.New(rand.NewPCG(seed, 11))
	s := &script{t: t, opts: Options{DeleteTopicEnable: true}, brokers: map[int32]Broker{},
		topics: map[string]Assignment{}, states: map[TP]LeaderAndIsr{}}
	const nb = 4
	epoch := int64(100)
	// bad: the replicas each broker (in its current registration) has in
	// failed dirs.
	bad := map[int32]map[TP]bool{}
	register := func(id int32) {
		epoch++
		s.brokers[id] = Broker{ID: id, Epoch: epoch}
		delete(bad, id)
	}
	for id := int32(1); id <= nb; id++ {
		register(id)
	}
	for n := 1; n <= 3; n++ {
		a := Assignment{Topic: fmt.Sprintf("t%d", n)}
		a.ID[0] = byte(n)
		for p := 0; p < 1+rng.IntN(3); p++ {
			perm := rng.Perm(nb)
			var rs []int32
			for _, x := range perm[:1+rng.IntN(3)] {
				rs = append(rs, int32(x+1))
			}
			a.Replicas = append(a.Replicas, rs)
		}
		s.topics[a.Topic] = a
	}
	hosted := func(b int32) []TP {
		var out []TP
		for name, a := range s.topics {
			for p, rs := range a.Replicas {
				if contains(rs, b) {
					out = append(out, TP{name, int32(p)})
				}
			}
		}
		slices.SortFunc(out, compareTP)
		return out
	}
	// report feeds broker b's storage errors, as its answer to a
	// LeaderAndIsr naming its partitions.
	report := func(b int32) {
		if len(bad[b]) == 0 {
			return
		}
		if _, ok := s.brokers[b]; !ok {
			return
		}
		s.step(ReplicasOffline{Broker: b, BrokerEpoch: s.brokers[b].Epoch, Partitions: sortedTPs(bad[b])})
	}
	prev := map[TP]LeaderAndIsr{}
	check := func(step int, what string) {
		for tp, st := range s.states {
			rs := s.topics[tp.Topic].Replicas[tp.Partition]
			fail := func(msg string) {
				t.Fatalf("step %d (%s): %s %s: %s (replicas %s, before %s, bad %v)\n%s", step, what, tp, st, msg, ids(rs),
					prev[tp], bad, strings.Join(s.out, "\n"))
			}
			if len(st.ISR) == 0 || hasDuplicate(st.ISR) {
				fail("bad ISR")
			}
			if st.Leader != NoLeader && !contains(st.ISR, st.Leader) {
				fail("leader not in ISR")
			}
			if old, ok := prev[tp]; ok && old.Leader != st.Leader {
				if st.LeaderEpoch <= old.LeaderEpoch {
					fail("leader changed without a new epoch")
				}
				if st.Leader != NoLeader && !contains(old.ISR, st.Leader) {
					fail("new leader was not in the ISR")
				}
			}
			if s.c.Active() && st.Leader != NoLeader {
				if _, ok := s.brokers[st.Leader]; !ok {
					fail("dead leader")
				}
				for _, r := range st.ISR {
					if s.c.dirOffline(tp, r) {
						fail(fmt.Sprintf("replica %d in an offline dir is in the ISR", r))
					}
				}
			}
			prev[tp] = st
		}
	}
	s.c = New(s.opts)
	s.step(Elected{Epoch: 1, State: s.snapshot()})
	check(0, "elect")
	for step := 1; step <= 150; step++ {
		s.out = nil
		var what string
		id := int32(1 + rng.IntN(nb))
		switch r := rng.IntN(100); {
		case r < 10:
			delete(s.brokers, id)
			what = fmt.Sprintf("kill %d", id)
			s.stepBrokers()
		case r < 25:
			register(id)
			what = fmt.Sprintf("start %d", id)
			s.stepBrokers()
		case r < 45: // a dir of a live broker fails
			if _, ok := s.brokers[id]; !ok {
				continue
			}
			if bad[id] == nil {
				bad[id] = map[TP]bool{}
			}
			for _, tp := range hosted(id) {
				if rng.IntN(2) == 0 {
					bad[id][tp] = true
				}
			}
			what = fmt.Sprintf("dir of %d fails: %s", id, tpList(sortedTPs(bad[id])))
			s.step(LogDirEvent{Brokers: []int32{id}})
			report(id)
		case r < 80: // a leader changes the ISR
			tp, st, ok := pick(rng, s.states)
			if !ok || st.Leader == NoLeader {
				continue
			}
			isr := []int32{st.Leader}
			for _, x := range s.topics[tp.Topic].Replicas[tp.Partition] {
				if x != st.Leader && rng.IntN(2) == 0 {
					isr = append(isr, x)
				}
			}
			what = fmt.Sprintf("alter %s isr=%s", tp, ids(isr))
			s.reqID++
			s.step(AlterPartition{ReqID: s.reqID, Broker: st.Leader, BrokerEpoch: s.brokers[st.Leader].Epoch,
				Partitions: []AlterItem{{TP: tp, LeaderEpoch: st.LeaderEpoch, PartitionEpoch: st.Version, NewISR: isr}}})
		case r < 88:
			what = "elect preferred"
			s.reqID++
			s.step(ElectLeaders{ReqID: s.reqID})
		default: // failover: the full LeaderAndIsr answers report the bad replicas
			what = "failover"
			s.c = New(s.opts)
			s.step(Elected{Epoch: int32(step + 1), State: s.snapshot()})
			for b := int32(1); b <= nb; b++ {
				report(b)
			}
		}
		check(step, what)
	}
}

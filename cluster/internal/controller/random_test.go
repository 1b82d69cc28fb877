package controller

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
)

// TestRandomInvariants drives the controller with random broker failures,
// restarts, controlled shutdowns, ISR changes, elections, topic creations
// and deletions against the simulated store, and checks after every step
// what must always hold with unclean election off:
//
//   - an ISR is never empty, has no duplicates and only assigned replicas;
//   - the leader is -1 or an ISR member, and never a dead broker (but for
//     topics being deleted, which are left alone);
//   - a leader change bumps the leader epoch, and the new leader was in
//     the previous ISR (no committed record can be lost by a clean
//     election);
//   - the controller's cached states are the store's;
//   - an assignment's adding and removing replicas are disjoint members
//     of its replicas, and the controller's cached assignments are the
//     store's.
func TestRandomInvariants(t *testing.T) {
	for seed := uint64(1); seed <= 300; seed++ {
		t.Run(fmt.Sprint(seed), func(t *testing.T) { randomRun(t, seed) })
	}
}

func randomRun(t *testing.T, seed uint64) {
	rng := rand.New(rand.NewPCG(seed, 7))
	s := &script{t: t, opts: Options{DeleteTopicEnable: true}, brokers: map[int32]Broker{},
		topics: map[string]Assignment{}, states: map[TP]LeaderAndIsr{}}
	const nb = 4
	epoch := int64(100)
	register := func(id int32) {
		epoch++
		s.brokers[id] = Broker{ID: id, Epoch: epoch}
	}
	for id := int32(1); id <= nb; id++ {
		register(id)
	}
	topicN := 0
	newTopic := func() Assignment {
		topicN++
		a := Assignment{Topic: fmt.Sprintf("t%d", topicN)}
		a.ID[0] = byte(topicN)
		for p := 0; p < 1+rng.IntN(3); p++ {
			perm := rng.Perm(nb)
			rf := 1 + rng.IntN(3)
			var rs []int32
			for _, x := range perm[:rf] {
				rs = append(rs, int32(x+1))
			}
			a.Replicas = append(a.Replicas, rs)
		}
		s.topics[a.Topic] = a
		return a
	}
	newTopic()
	newTopic()
	s.c = New(s.opts)
	prev := map[TP]LeaderAndIsr{}
	check := func(step int, what string) {
		for tp, st := range s.states {
			a := s.topics[tp.Topic]
			rs := a.Replicas[tp.Partition]
			fail := func(msg string) {
				t.Fatalf("seed step %d (%s): %s %s: %s (replicas %s, before %s)\n%s", step, what, tp, st, msg, ids(rs), prev[tp], strings.Join(s.out, "\n"))
			}
			if len(st.ISR) == 0 || hasDuplicate(st.ISR) {
				fail("bad ISR")
			}
			for _, r := range st.ISR {
				if !contains(rs, r) {
					fail("ISR member not assigned")
				}
			}
			if st.Leader != NoLeader {
				if !contains(st.ISR, st.Leader) {
					fail("leader not in ISR")
				}
				if _, ok := s.brokers[st.Leader]; !ok && s.c.Active() && !slices.Contains(s.deleting, tp.Topic) {
					fail("dead leader")
				}
			}
			if s.c.Active() {
				if p := s.c.parts[tp]; p == nil || !p.has || p.st.Version != st.Version || p.st.Leader != st.Leader ||
					!slices.Equal(p.st.ISR, st.ISR) {
					fail("controller cache differs from the store")
				}
			}
			prev[tp] = st
		}
		for tp := range prev {
			if _, ok := s.states[tp]; !ok {
				delete(prev, tp)
			}
		}
		for name, a := range s.topics {
			for p, rs := range a.Replicas {
				ad, rm := a.Adding[int32(p)], a.Removing[int32(p)]
				if len(minus(ad, rs))+len(minus(rm, rs)) > 0 || len(minus(ad, rm)) != len(ad) || len(rs) == 0 || hasDuplicate(rs) {
					t.Fatalf("step %d (%s): %s-%d: bad assignment %s adding %s removing %s", step, what, name, p, ids(rs), ids(ad), ids(rm))
				}
			}
			if ct := s.c.topics[name]; s.c.Active() && ct != nil && formatAssignment(ct.a) != formatAssignment(a) {
				t.Fatalf("step %d (%s): %s: controller assignment %s, store %s", step, what, name, formatAssignment(ct.a), formatAssignment(a))
			}
		}
	}
	// Every write of a state, even several in one step: a leader change
	// bumps the epoch and takes an ISR member.
	s.onUpdate = func(tp TP, old, st LeaderAndIsr) {
		if old.Leader == st.Leader {
			return
		}
		if st.LeaderEpoch <= old.LeaderEpoch {
			t.Fatalf("seed %d: %s: leader changed without a new epoch: %s -> %s", seed, tp, old, st)
		}
		if st.Leader != NoLeader && !contains(old.ISR, st.Leader) {
			t.Fatalf("seed %d: %s: new leader was not in the ISR: %s -> %s\n%s", seed, tp, old, st, strings.Join(s.out, "\n"))
		}
	}
	s.step(Elected{Epoch: 1, State: s.snapshot()})
	check(0, "elect")
	for step := 1; step <= 200; step++ {
		s.out = nil
		var what string
		switch r := rng.IntN(100); {
		case r < 15: // a broker dies
			id := int32(1 + rng.IntN(nb))
			delete(s.brokers, id)
			what = fmt.Sprintf("kill %d", id)
			s.stepBrokers()
		case r < 35: // a broker (re)starts
			id := int32(1 + rng.IntN(nb))
			register(id)
			what = fmt.Sprintf("start %d", id)
			s.stepBrokers()
		case r < 42:
			id := int32(1 + rng.IntN(nb))
			what = fmt.Sprintf("shutdown %d", id)
			s.reqID++
			s.step(ControlledShutdown{ReqID: s.reqID, Broker: id, BrokerEpoch: s.brokers[id].Epoch})
		case r < 75: // a leader changes the ISR
			tp, st, ok := pick(rng, s.states)
			if !ok || st.Leader == NoLeader {
				continue
			}
			rs := s.topics[tp.Topic].Replicas[tp.Partition]
			isr := []int32{st.Leader}
			for _, x := range rs {
				if x != st.Leader && rng.IntN(2) == 0 {
					isr = append(isr, x)
				}
			}
			pe := st.Version
			if rng.IntN(8) == 0 {
				pe-- // stale
			}
			what = fmt.Sprintf("alter %s isr=%s", tp, ids(isr))
			s.reqID++
			s.step(AlterPartition{ReqID: s.reqID, Broker: st.Leader, BrokerEpoch: s.brokers[st.Leader].Epoch,
				Partitions: []AlterItem{{TP: tp, LeaderEpoch: st.LeaderEpoch, PartitionEpoch: pe, NewISR: isr}}})
		case r < 79: // reassign a partition, or cancel
			tp, _, ok := pick(rng, s.states)
			if !ok {
				continue
			}
			it := ReassignItem{TP: tp}
			if rng.IntN(4) > 0 {
				for _, x := range rng.Perm(nb)[:1+rng.IntN(3)] {
					it.Replicas = append(it.Replicas, int32(x+1))
				}
			}
			what = fmt.Sprintf("reassign %s to %v", tp, it.Replicas)
			s.reqID++
			s.step(AlterReassignments{ReqID: s.reqID, Items: []ReassignItem{it}})
		case r < 82:
			what = "elect preferred"
			s.reqID++
			s.step(ElectLeaders{ReqID: s.reqID})
		case r < 88:
			a := newTopic()
			what = "create " + a.Topic
			s.step(TopicsChanged{Set: []Assignment{a}})
		case r < 93:
			tp, _, ok := pick(rng, s.states)
			if !ok || slices.Contains(s.deleting, tp.Topic) {
				continue
			}
			what = "delete " + tp.Topic
			s.deleting = append(s.deleting, tp.Topic)
			s.step(DeletionsChanged{Topics: slices.Clone(s.deleting)})
			for id := range s.brokers {
				s.step(StopReplicaResult{Broker: id, Errors: s.stopAll(id)})
			}
		default: // a new controller takes office
			what = "failover"
			s.c = New(s.opts)
			s.step(Elected{Epoch: int32(step + 1), State: s.snapshot()})
		}
		check(step, what)
	}
}

// stopAll confirms the deletion of every replica broker id hosts of topics
// being deleted.
func (s *script) stopAll(id int32) map[TP]int16 {
	out := map[TP]int16{}
	for _, name := range s.deleting {
		for p, rs := range s.topics[name].Replicas {
			if contains(rs, id) {
				out[TP{name, int32(p)}] = 0
			}
		}
	}
	return out
}

func pick(rng *rand.Rand, m map[TP]LeaderAndIsr) (TP, LeaderAndIsr, bool) {
	if len(m) == 0 {
		return TP{}, LeaderAndIsr{}, false
	}
	keys := make([]TP, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.SortFunc(keys, compareTP)
	k := keys[rng.IntN(len(keys))]
	return k, m[k], true
}

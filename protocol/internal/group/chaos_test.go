package group

import (
	"fmt"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kmsg"
)

// chaosClient is a classic consumer that follows the protocol loosely:
// it reacts to errors the way clients do, but the driver also makes it
// misbehave (stale generations, duplicate joins, silence).
type chaosClient struct {
	name     string
	instance string
	member   string
	gen      int32
	join     uint64 // outstanding JoinGroup
	sync     uint64 // outstanding SyncGroup
	leader   bool
	members  []string
	assigned string
}

// TestClassicChaos drives random interleavings of joins, syncs, heartbeats,
// commits, leaves, time and append outcomes (including failures and
// Unload/reload of the partition), and checks after each step that no
// request is answered twice (the harness), that the group's invariants
// hold, and at the end that every request was answered.
func TestClassicChaos(t *testing.T) {
	for seed := uint64(1); seed <= 20; seed++ {
		t.Run(fmt.Sprint(seed), func(t *testing.T) { chaos(t, seed) })
	}
}

func chaos(t *testing.T, seed uint64) {
	rng := rand.New(rand.NewPCG(seed, seed*7))
	h := newHarness(t, Options{NumPartitions: 1, InitialRebalanceDelay: 200 * time.Millisecond, MaxSize: 6})
	var clients []*chaosClient
	for i := 0; i < 5; i++ {
		cl := &chaosClient{name: fmt.Sprint("c", i)}
		if i%2 == 0 {
			cl.instance = fmt.Sprint("i", i)
		}
		clients = append(clients, cl)
	}
	sent := []uint64{}
	send := func(cl *chaosClient, req kmsg.Request) uint64 {
		id := h.send(cl.name, req)
		sent = append(sent, id)
		return id
	}
	for step := 0; step < 600; step++ {
		cl := clients[rng.IntN(len(clients))]
		// Consume answers first, as a client would.
		if cl.join != 0 && !h.pending(cl.join) {
			r := h.joinResp(cl.join)
			cl.join = 0
			switch r.ErrorCode {
			case 0:
				cl.member, cl.gen, cl.leader = r.MemberID, r.Generation, r.LeaderID == r.MemberID
				cl.members = nil
				for _, m := range r.Members {
					cl.members = append(cl.members, m.MemberID)
				}
			case kerr.MemberIDRequired.Code:
				cl.member = r.MemberID
			case kerr.UnknownMemberID.Code, kerr.FencedInstanceID.Code:
				cl.member, cl.gen = "", -1
			}
		}
		if cl.sync != 0 && !h.pending(cl.sync) {
			r := h.syncResp(cl.sync)
			cl.sync = 0
			if r.ErrorCode == 0 {
				cl.assigned = string(r.MemberAssignment)
			} else if r.ErrorCode == kerr.UnknownMemberID.Code || r.ErrorCode == kerr.FencedInstanceID.Code {
				cl.member, cl.gen = "", -1
			}
		}
		opts := []joinOpt{withSession(6000 + int32(rng.IntN(3))*1000)}
		if cl.instance != "" {
			opts = append(opts, withInstance(cl.instance))
		}
		if rng.IntN(4) == 0 {
			opts = append(opts, withProtocols("roundrobin", "range"))
		}
		switch x := rng.IntN(20); {
		case x < 4: // (re)join, sometimes while a join is outstanding
			if cl.join == 0 || rng.IntN(5) == 0 {
				cl.join = send(cl, joinReq("g", cl.member, opts...))
			}
		case x < 7: // sync, the leader with an assignment
			if cl.sync == 0 && cl.member != "" {
				r := kmsg.NewPtrSyncGroupRequest()
				r.Version, r.Group, r.MemberID, r.Generation = int16(rng.IntN(6)), "g", cl.member, cl.gen
				if cl.leader {
					for _, m := range cl.members {
						r.GroupAssignment = append(r.GroupAssignment, kmsg.SyncGroupRequestGroupAssignment{MemberID: m, MemberAssignment: []byte("a-" + m)})
					}
				}
				cl.sync = send(cl, r)
			}
		case x < 11: // heartbeat, sometimes with a stale generation
			gen := cl.gen
			if rng.IntN(6) == 0 {
				gen--
			}
			r := kmsg.NewPtrHeartbeatRequest()
			r.Version, r.Group, r.MemberID, r.Generation = 4, "g", cl.member, gen
			if cl.instance != "" {
				r.InstanceID = &cl.instance
			}
			id := send(cl, r)
			if code := h.resp(id).(*kmsg.HeartbeatResponse).ErrorCode; code == kerr.RebalanceInProgress.Code && cl.join == 0 {
				cl.join = send(cl, joinReq("g", cl.member, opts...))
			}
		case x < 13: // commit at the current or an old generation
			gen := cl.gen
			if rng.IntN(3) == 0 {
				gen = int32(rng.IntN(4)) - 1
			}
			send(cl, commitReq("g", cl.member, gen, "t", int32(rng.IntN(3)), int64(step)))
		case x == 13: // leave
			r := kmsg.NewPtrLeaveGroupRequest()
			r.Version, r.Group = int16(rng.IntN(6)), "g"
			r.MemberID = cl.member
			r.Members = []kmsg.LeaveGroupRequestMember{{MemberID: cl.member}}
			send(cl, r)
			cl.member, cl.gen = "", -1
		case x == 14: // appends: hold, or fail the held ones
			if rng.IntN(2) == 0 {
				h.holdAppends = !h.holdAppends
			} else {
				h.ackAll([]int16{0, kerr.NotLeaderForPartition.Code, kerr.RequestTimedOut.Code}[rng.IntN(3)])
			}
		case x == 15 && rng.IntN(10) == 0: // the partition moves away and back
			h.ackAll(0)
			h.handle(Unload{Partition: 0})
			h.reload()
		default:
			h.advance(time.Duration(rng.IntN(3000)) * time.Millisecond)
		}
		checkGroup(t, h, step)
	}
	// Drain: acknowledge everything and let every timer run out.
	h.holdAppends = false
	h.ackAll(0)
	h.advance(time.Hour)
	for _, id := range sent {
		if h.pending(id) {
			t.Fatalf("request %d never answered", id)
		}
	}
	// Silent for an hour: every member is gone.
	if g := h.c.groups["g"]; g != nil && (g.state != Empty || len(g.members) > 0 || len(g.pending) > 0) {
		t.Fatalf("after an hour of silence: state %v, %d members, %d pending", g.state, len(g.members), len(g.pending))
	}
}

func checkGroup(t *testing.T, h *harness, step int) {
	t.Helper()
	g := h.c.groups["g"]
	if g == nil {
		return
	}
	awaiting := 0
	for _, id := range g.order {
		m := g.members[id]
		if m == nil || m.id != id {
			t.Fatalf("step %d: order and members disagree on %s", step, id)
		}
		if m.join != nil {
			awaiting++
		}
		if m.instanceID != "" && g.static[m.instanceID] != id {
			t.Fatalf("step %d: static map lost %s", step, m.instanceID)
		}
	}
	if len(g.order) != len(g.members) || awaiting != g.awaiting {
		t.Fatalf("step %d: %d ordered, %d members, awaiting %d counted %d", step, len(g.order), len(g.members), awaiting, g.awaiting)
	}
	if len(g.members) > 0 && g.members[g.leader] == nil {
		t.Fatalf("step %d: leader %q is not a member", step, g.leader)
	}
	switch g.state {
	case Empty:
		if len(g.members) > 0 {
			t.Fatalf("step %d: Empty with %d members", step, len(g.members))
		}
	case CompletingRebalance, Stable:
		if awaiting > 0 && g.state == CompletingRebalance {
			t.Fatalf("step %d: join waiting in CompletingRebalance", step)
		}
	}
	for p, n := range g.supported {
		cnt := 0
		for _, m := range g.members {
			if m.metadata(p) != nil || hasProtocol(m, p) {
				cnt++
			}
		}
		if cnt != n {
			t.Fatalf("step %d: protocol %s counted %d, members %d", step, p, n, cnt)
		}
	}
}

func hasProtocol(m *member, name string) bool {
	for _, p := range m.protocols {
		if p.name == name {
			return true
		}
	}
	return false
}

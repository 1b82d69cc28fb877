package group

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kmsg"
)

func TestJoinSyncRoundTrip(t *testing.T) {
	h := newHarness(t, Options{})
	// KIP-394: v4+ without member id gets MEMBER_ID_REQUIRED and an id.
	j := h.joinResp(h.join("client", "g", ""))
	wantCode(t, "first join", j.ErrorCode, kerr.MemberIDRequired)
	if j.MemberID != "client-1" {
		t.Fatalf("member id %q", j.MemberID)
	}
	if s := h.state("g"); s != "Empty" {
		t.Fatalf("state %s after MEMBER_ID_REQUIRED", s)
	}
	id := h.join("client", "g", j.MemberID)
	if s := h.state("g"); s != "PreparingRebalance" {
		t.Fatalf("state %s", s)
	}
	// The initial delay holds the join phase of an empty group.
	h.advance(2999 * time.Millisecond)
	if !h.pending(id) {
		t.Fatal("join answered before group.initial.rebalance.delay.ms")
	}
	h.advance(time.Millisecond)
	jr := h.joinResp(id)
	wantCode(t, "join", jr.ErrorCode, nil)
	if jr.Generation != 1 || jr.LeaderID != j.MemberID || *jr.Protocol != "range" || *jr.ProtocolType != "consumer" || len(jr.Members) != 1 {
		t.Fatalf("join response %+v", jr)
	}
	if s := h.state("g"); s != "CompletingRebalance" {
		t.Fatalf("state %s", s)
	}
	// The leader's sync is answered only once its record is durable.
	h.holdAppends = true
	sid := h.sync("g", jr.MemberID, 1, map[string]string{jr.MemberID: "A"})
	if !h.pending(sid) || len(h.held) != 1 {
		t.Fatalf("sync answered before append (held %d)", len(h.held))
	}
	h.ackAll(0)
	h.holdAppends = false
	s := h.syncResp(sid)
	wantCode(t, "sync", s.ErrorCode, nil)
	if string(s.MemberAssignment) != "A" {
		t.Fatalf("assignment %q", s.MemberAssignment)
	}
	if d := h.describe("g"); d.State != "Stable" || d.Protocol != "range" || string(d.Members[0].MemberAssignment) != "A" {
		t.Fatalf("describe %+v", d)
	}
	wantCode(t, "heartbeat", h.heartbeat("g", jr.MemberID, 1), nil)
}

func TestJoinOldVersionsGetIDAtOnce(t *testing.T) {
	h := newHarness(t, Options{InitialRebalanceDelay: -1})
	for v := int16(0); v < 4; v++ {
		g := "g" + string(rune('0'+v))
		jr := h.joinResp(h.join("c", g, "", withVersion(v)))
		wantCode(t, "join", jr.ErrorCode, nil)
		if jr.MemberID == "" || jr.Generation != 1 || jr.LeaderID != jr.MemberID {
			t.Fatalf("v%d: %+v", v, jr)
		}
	}
}

func TestJoinValidation(t *testing.T) {
	h := newHarness(t, Options{MaxSize: 1, InitialRebalanceDelay: -1})
	m, _ := h.stableMember("full", "c")
	_ = m
	cases := []struct {
		name string
		req  *kmsg.JoinGroupRequest
		want error
	}{
		{"empty group id", joinReq("", ""), kerr.InvalidGroupID},
		{"session below min", joinReq("g", "", withSession(5999)), kerr.InvalidSessionTimeout},
		{"session above max", joinReq("g", "", withSession(1800001)), kerr.InvalidSessionTimeout},
		{"unknown member, no group", joinReq("nogroup", "ghost"), kerr.UnknownMemberID},
		// As Kafka: the size check comes before the member check.
		{"unknown member, full group", joinReq("full", "ghost"), kerr.GroupMaxSizeReached},
		{"no protocol type", joinReq("g2", "", withProtocolType("")), kerr.InconsistentGroupProtocol},
		{"no protocols", joinReq("g3", "", withProtocols()), kerr.InconsistentGroupProtocol},
		{"other protocol type", joinReq("full", "", withProtocolType("connect")), kerr.GroupMaxSizeReached},
		{"group full", joinReq("full", ""), kerr.GroupMaxSizeReached},
	}
	for _, tc := range cases {
		wantCode(t, tc.name, h.joinResp(h.send("c", tc.req)).ErrorCode, tc.want)
	}
	if len(h.c.groups) != 1 {
		t.Fatalf("failed joins left groups behind: %d", len(h.c.groups))
	}
}

func TestInconsistentProtocols(t *testing.T) {
	h := newHarness(t, Options{})
	h.stableMember("g", "a", withProtocols("range", "roundrobin"))
	wantCode(t, "type", h.joinResp(h.join("b", "g", "", withProtocolType("connect"))).ErrorCode, kerr.InconsistentGroupProtocol)
	wantCode(t, "protocols", h.joinResp(h.join("b", "g", "", withProtocols("sticky"))).ErrorCode, kerr.InconsistentGroupProtocol)
}

func TestProtocolSelection(t *testing.T) {
	h := newHarness(t, Options{InitialRebalanceDelay: -1})
	// Votes: a prefers range, b and c prefer roundrobin; sticky is not
	// supported by all, so it is no candidate even though c lists it first.
	ja := h.joinResp(h.join("a", "g", "", withVersion(3), withProtocols("range", "roundrobin")))
	la := ja.MemberID
	h.sync("g", la, 1, nil)
	jb := h.join("b", "g", "", withVersion(3), withProtocols("roundrobin", "range"))
	jc := h.join("c", "g", "", withVersion(3), withProtocols("sticky", "roundrobin", "range"))
	ra := h.join("a", "g", la, withVersion(3), withProtocols("range", "roundrobin"))
	for _, id := range []uint64{ra, jb, jc} {
		jr := h.joinResp(id)
		wantCode(t, "join", jr.ErrorCode, nil)
		if *jr.Protocol != "roundrobin" || jr.Generation != 2 {
			t.Fatalf("protocol %s generation %d", *jr.Protocol, jr.Generation)
		}
	}
	if got := len(h.joinResp(ra).Members); got != 3 {
		t.Fatalf("leader got %d members", got)
	}
	if got := len(h.joinResp(jb).Members); got != 0 {
		t.Fatalf("follower got %d members", got)
	}
}

func TestRebalanceOnNewMember(t *testing.T) {
	h := newHarness(t, Options{})
	a, gen := h.stableMember("g", "a")
	jb := h.joinResp(h.join("b", "g", ""))
	b := jb.MemberID
	idB := h.join("b", "g", b)
	if s := h.state("g"); s != "PreparingRebalance" {
		t.Fatalf("state %s", s)
	}
	// The old member learns of the rebalance by heartbeat; its commits are
	// still accepted in PreparingRebalance.
	wantCode(t, "heartbeat", h.heartbeat("g", a, gen), kerr.RebalanceInProgress)
	wantCode(t, "commit", h.commit("g", a, gen, "t", 0, 5), nil)
	idA := h.join("a", "g", a)
	ja, jbr := h.joinResp(idA), h.joinResp(idB)
	if ja.Generation != gen+1 || jbr.Generation != gen+1 || ja.LeaderID != a {
		t.Fatalf("generations %d %d leader %s", ja.Generation, jbr.Generation, ja.LeaderID)
	}
	// Old generation now refused.
	wantCode(t, "old gen heartbeat", h.heartbeat("g", a, gen), kerr.IllegalGeneration)
	wantCode(t, "old gen commit", h.commit("g", a, gen, "t", 0, 6), kerr.IllegalGeneration)
	// CompletingRebalance: commits refused, heartbeats fine.
	wantCode(t, "commit while completing", h.commit("g", a, gen+1, "t", 0, 6), kerr.RebalanceInProgress)
	wantCode(t, "heartbeat while completing", h.heartbeat("g", b, gen+1), nil)
	// The follower's sync waits for the leader's.
	sb := h.sync("g", b, gen+1, nil)
	if !h.pending(sb) {
		t.Fatal("follower sync answered before the leader's")
	}
	sa := h.sync("g", a, gen+1, map[string]string{a: "pa", b: "pb"})
	if string(h.syncResp(sa).MemberAssignment) != "pa" || string(h.syncResp(sb).MemberAssignment) != "pb" {
		t.Fatal("assignments not propagated")
	}
	if s := h.state("g"); s != "Stable" {
		t.Fatalf("state %s", s)
	}
}

func TestDuplicateJoin(t *testing.T) {
	h := newHarness(t, Options{})
	a, gen := h.stableMember("g", "a")
	b := h.joinResp(h.join("b", "g", "")).MemberID
	idB := h.join("b", "g", b)
	idA := h.join("a", "g", a)
	_ = h.joinResp(idA)
	first := h.joinResp(idB)
	// CompletingRebalance: the same member joins again with the same
	// metadata (it lost the response): same generation, no rebalance.
	again := h.joinResp(h.join("b", "g", b))
	wantCode(t, "rejoin", again.ErrorCode, nil)
	if again.Generation != first.Generation || again.Generation != gen+1 || h.state("g") != "CompletingRebalance" {
		t.Fatalf("duplicate join: generation %d state %s", again.Generation, h.state("g"))
	}
	// A duplicate while the first is still waiting answers the first.
	sa := h.sync("g", a, gen+1, map[string]string{a: "x"})
	_ = h.syncResp(sa)
	w1 := h.join("b", "g", b, withProtocols("range", "roundrobin")) // new metadata: rebalance
	w2 := h.join("b", "g", b, withProtocols("range", "roundrobin"))
	wantCode(t, "superseded join", h.joinResp(w1).ErrorCode, kerr.RebalanceInProgress)
	if !h.pending(w2) {
		t.Fatal("join phase ended without a")
	}
	h.join("a", "g", a)
	wantCode(t, "latest join", h.joinResp(w2).ErrorCode, nil)
}

func TestRebalanceTimeoutDropsMembers(t *testing.T) {
	h := newHarness(t, Options{})
	a, gen := h.stableMember("g", "a")
	b := h.joinResp(h.join("b", "g", "")).MemberID
	idB := h.join("b", "g", b)
	// a keeps heartbeating but never rejoins: dropped at the rebalance timeout (60s).
	for i := 0; i < 5; i++ {
		h.advance(9 * time.Second)
		wantCode(t, "heartbeat", h.heartbeat("g", a, gen), kerr.RebalanceInProgress)
	}
	if !h.pending(idB) {
		t.Fatal("join completed early")
	}
	h.advance(20 * time.Second)
	jb := h.joinResp(idB)
	wantCode(t, "join", jb.ErrorCode, nil)
	if jb.LeaderID != b || len(jb.Members) != 1 || jb.Generation != gen+1 {
		t.Fatalf("after rebalance timeout: %+v", jb)
	}
	wantCode(t, "dropped member", h.heartbeat("g", a, gen+1), kerr.UnknownMemberID)
}

func TestSessionTimeout(t *testing.T) {
	h := newHarness(t, Options{})
	a, gen := h.stableMember("g", "a")
	h.advance(9 * time.Second)
	wantCode(t, "heartbeat", h.heartbeat("g", a, gen), nil)
	h.advance(9 * time.Second) // 9s since the last heartbeat: alive
	wantCode(t, "late heartbeat", h.heartbeat("g", a, gen), nil)
	h.advance(10 * time.Second) // session is 10s
	wantCode(t, "after expiry", h.heartbeat("g", a, gen), kerr.UnknownMemberID)
	// Last member gone: the join phase ends with nobody, the group is
	// Empty with the next generation, and that is written down.
	d := h.describe("g")
	if d.State != "Empty" || len(d.Members) != 0 {
		t.Fatalf("describe %+v", d)
	}
	last := h.lastGroupValue(t, "g")
	if last.Generation != gen+1 || len(last.Members) != 0 || last.Protocol != "" {
		t.Fatalf("group record %+v", last)
	}
}

func TestPendingMemberExpires(t *testing.T) {
	h := newHarness(t, Options{})
	j := h.joinResp(h.join("c", "g", ""))
	h.advance(11 * time.Second)
	// The id handed out was never used: it is forgotten.
	wantCode(t, "late rejoin", h.joinResp(h.join("c", "g", j.MemberID)).ErrorCode, kerr.UnknownMemberID)
}

func TestSyncErrors(t *testing.T) {
	h := newHarness(t, Options{})
	a, gen := h.stableMember("g", "a")
	pt := "connect"
	r := kmsg.NewPtrSyncGroupRequest()
	r.Version, r.Group, r.MemberID, r.Generation, r.ProtocolType = 5, "g", a, gen, &pt
	wantCode(t, "protocol type", h.syncResp(h.send("c", r)).ErrorCode, kerr.InconsistentGroupProtocol)
	pn := "roundrobin"
	r2 := kmsg.NewPtrSyncGroupRequest()
	r2.Version, r2.Group, r2.MemberID, r2.Generation, r2.Protocol = 5, "g", a, gen, &pn
	wantCode(t, "protocol name", h.syncResp(h.send("c", r2)).ErrorCode, kerr.InconsistentGroupProtocol)
	wantCode(t, "generation", h.syncResp(h.sync("g", a, gen+5, nil)).ErrorCode, kerr.IllegalGeneration)
	wantCode(t, "member", h.syncResp(h.sync("g", "x", gen, nil)).ErrorCode, kerr.UnknownMemberID)
	wantCode(t, "group", h.syncResp(h.sync("nope", "x", gen, nil)).ErrorCode, kerr.UnknownMemberID)
	s := h.syncResp(h.sync("g", a, gen, nil)) // Stable: current assignment again
	if s.ErrorCode != 0 || string(s.MemberAssignment) != "a-"+a {
		t.Fatalf("stable sync %+v", s)
	}
	// PreparingRebalance
	h.join("b", "g", h.joinResp(h.join("b", "g", "")).MemberID)
	wantCode(t, "preparing", h.syncResp(h.sync("g", a, gen, nil)).ErrorCode, kerr.RebalanceInProgress)
}

func TestSyncTimeoutRemovesMembers(t *testing.T) {
	h := newHarness(t, Options{})
	a, gen := h.stableMember("g", "a")
	b := h.joinResp(h.join("b", "g", "")).MemberID
	h.join("b", "g", b)
	h.join("a", "g", a)
	// Both joined generation gen+1; a syncs, b only heartbeats.
	sa := h.sync("g", a, gen+1, map[string]string{a: "x"})
	wantCode(t, "sync", h.syncResp(sa).ErrorCode, nil)
	for i := 0; i < 6; i++ {
		h.advance(9 * time.Second)
		wantCode(t, "a", h.heartbeat("g", a, gen+1), nil)
		wantCode(t, "b", h.heartbeat("g", b, gen+1), nil)
	}
	// 54s: still inside the 60s rebalance timeout.
	h.advance(7 * time.Second)
	// b never synced: removed at the sync deadline; a must rejoin.
	wantCode(t, "b after sync deadline", h.heartbeat("g", b, gen+1), kerr.UnknownMemberID)
	wantCode(t, "a after sync deadline", h.heartbeat("g", a, gen+1), kerr.RebalanceInProgress)
}

func TestStaticMemberSurvivesRebalance(t *testing.T) {
	h := newHarness(t, Options{})
	s1, gen := h.stableMember("g", "s", withInstance("i1"))
	d := h.joinResp(h.join("d", "g", "")).MemberID
	jd := h.join("d", "g", d)
	// The static leader does not rejoin in time but keeps its session.
	for i := 0; i < 7; i++ {
		h.advance(9 * time.Second)
		h.heartbeat("g", s1, gen)
	}
	r := h.joinResp(jd)
	wantCode(t, "join", r.ErrorCode, nil)
	// d leads now; the static member is still in the group.
	if r.LeaderID != d || len(r.Members) != 2 || r.Generation != gen+1 {
		t.Fatalf("join %+v", r)
	}
	wantCode(t, "static member kept", h.heartbeat("g", s1, gen+1), nil)
}

func TestStaticRejoinWhileCompleting(t *testing.T) {
	h := newHarness(t, Options{})
	d, gen := h.stableMember("g", "d")
	js := h.join("s", "g", "", withInstance("i1"))
	h.join("d", "g", d)
	s1 := h.joinResp(js).MemberID
	// CompletingRebalance: the follower s1 waits for its assignment...
	ws := h.sync("g", s1, gen+1, nil)
	if !h.pending(ws) {
		t.Fatal("follower sync answered before the leader's")
	}
	// ...when a new incarnation of i1 shows up: s1 is fenced and the group
	// rebalances so the leader assigns to the new member id.
	rid := h.join("s", "g", "", withInstance("i1"))
	wantCode(t, "old incarnation", h.syncResp(ws).ErrorCode, kerr.FencedInstanceID)
	if s := h.state("g"); s != "PreparingRebalance" {
		t.Fatalf("state %s", s)
	}
	h.join("d", "g", d)
	jr := h.joinResp(rid)
	if jr.ErrorCode != 0 || jr.MemberID == s1 || jr.Generation != gen+2 {
		t.Fatalf("new incarnation %+v", jr)
	}
}

func TestOptionsValidate(t *testing.T) {
	o := Options{NumPartitions: -1, MaxSize: -2, MinSessionTimeout: time.Hour, MaxSessionTimeout: time.Minute}
	o.EnsureDefaults()
	err := o.Validate()
	if !errors.Is(err, ErrInvalidOptions) {
		t.Fatalf("err %v", err)
	}
	for _, want := range []string{"NumPartitions", "MaxSize", "session timeouts"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("%q does not name %s", err, want)
		}
	}
	if _, err := New(Options{}); err != nil {
		t.Fatalf("defaults invalid: %v", err)
	}
}

func TestLeaveGroup(t *testing.T) {
	h := newHarness(t, Options{})
	a, _ := h.stableMember("g", "a", withInstance("ia"))
	// v0: one member, top-level error.
	r0 := kmsg.NewPtrLeaveGroupRequest()
	r0.Version, r0.Group, r0.MemberID = 0, "g", "ghost"
	wantCode(t, "v0 unknown", h.resp(h.send("c", r0)).(*kmsg.LeaveGroupResponse).ErrorCode, kerr.UnknownMemberID)
	// v3 batch: by instance id, a fenced pair, an unknown instance.
	r := kmsg.NewPtrLeaveGroupRequest()
	r.Version, r.Group = 5, "g"
	ia, other, ghost := "ia", "ib", "ghost"
	r.Members = []kmsg.LeaveGroupRequestMember{
		{MemberID: "wrong", InstanceID: &ia},
		{InstanceID: &other},
		{MemberID: "", InstanceID: &ia},
		{MemberID: "ghost", InstanceID: &ghost},
	}
	resp := h.resp(h.send("c", r)).(*kmsg.LeaveGroupResponse)
	wantCode(t, "top", resp.ErrorCode, nil)
	want := []error{kerr.FencedInstanceID, kerr.UnknownMemberID, nil, kerr.UnknownMemberID}
	for i, m := range resp.Members {
		wantCode(t, "member", m.ErrorCode, want[i])
	}
	if d := h.describe("g"); d.State != "Empty" {
		t.Fatalf("state %s after the only member left", d.State)
	}
	wantCode(t, "left member", h.heartbeat("g", a, 1), kerr.UnknownMemberID)
	r.Members = r.Members[:1]
	r.Group = "nope"
	resp = h.resp(h.send("c", r)).(*kmsg.LeaveGroupResponse)
	wantCode(t, "no group top", resp.ErrorCode, nil)
	wantCode(t, "no group member", resp.Members[0].ErrorCode, kerr.UnknownMemberID)
}

func TestStaticMemberRejoin(t *testing.T) {
	h := newHarness(t, Options{})
	// Static members skip the KIP-394 round trip.
	id := h.join("c", "g", "", withInstance("i1"))
	h.advance(3 * time.Second)
	jr := h.joinResp(id)
	wantCode(t, "join", jr.ErrorCode, nil)
	old, gen := jr.MemberID, jr.Generation
	if old != "i1-1" {
		t.Fatalf("static member id %q", old)
	}
	h.syncResp(h.sync("g", old, gen, map[string]string{old: "P"}))
	// Restart: rejoin with the same instance id and no member id.
	h.holdAppends = true
	rid := h.join("c", "g", "", withInstance("i1"))
	if !h.pending(rid) {
		t.Fatal("static rejoin answered before its record was durable")
	}
	h.ackAll(0)
	h.holdAppends = false
	re := h.joinResp(rid)
	wantCode(t, "rejoin", re.ErrorCode, nil)
	if re.MemberID == old || re.Generation != gen || !re.SkipAssignment || re.LeaderID != re.MemberID {
		t.Fatalf("rejoin %+v", re)
	}
	if s := h.state("g"); s != "Stable" {
		t.Fatalf("static rejoin caused a rebalance: %s", s)
	}
	// The old id is fenced.
	hb := kmsg.NewPtrHeartbeatRequest()
	inst := "i1"
	hb.Version, hb.Group, hb.MemberID, hb.Generation, hb.InstanceID = 4, "g", old, gen, &inst
	wantCode(t, "old id", h.resp(h.send("c", hb)).(*kmsg.HeartbeatResponse).ErrorCode, kerr.FencedInstanceID)
	wantCode(t, "old id commit", h.commitStatic("g", old, "i1", gen), kerr.FencedInstanceID)
	wantCode(t, "new id", h.heartbeat("g", re.MemberID, gen), nil)
	// Its assignment survived.
	s := h.syncResp(h.sync("g", re.MemberID, gen, nil))
	if string(s.MemberAssignment) != "P" {
		t.Fatalf("assignment %q", s.MemberAssignment)
	}
	// Rejoin preferring another protocol: the selected protocol changes,
	// that is a rebalance.
	// The lone member has rejoined, so the join phase ends at once.
	nj := h.joinResp(h.join("c", "g", "", withInstance("i1"), withProtocols("roundrobin", "range")))
	wantCode(t, "protocol change", nj.ErrorCode, nil)
	if *nj.Protocol != "roundrobin" || nj.Generation != gen+1 || nj.SkipAssignment {
		t.Fatalf("after protocol change %+v", nj)
	}
	if s := h.state("g"); s != "CompletingRebalance" {
		t.Fatalf("state %s", s)
	}
	wantCode(t, "replaced id", h.heartbeat("g", re.MemberID, gen+1), kerr.UnknownMemberID)
}

func TestStaticMemberRejoinAppendFails(t *testing.T) {
	h := newHarness(t, Options{InitialRebalanceDelay: -1})
	jr := h.joinResp(h.join("c", "g", "", withInstance("i1")))
	old := jr.MemberID
	h.sync("g", old, jr.Generation, nil)
	h.holdAppends = true
	rid := h.join("c", "g", "", withInstance("i1"))
	h.ackAll(kerr.NotLeaderForPartition.Code)
	h.holdAppends = false
	wantCode(t, "rejoin", h.joinResp(rid).ErrorCode, kerr.NotCoordinator)
	// Reverted: the old member id is still the member.
	wantCode(t, "old id", h.heartbeat("g", old, jr.Generation), nil)
}

func TestLoadInProgressAndNotCoordinator(t *testing.T) {
	h := newHarness(t, Options{NumPartitions: 2})
	p := h.c.PartitionFor("g")
	h.handle(Unload{Partition: p})
	wantCode(t, "unowned", h.joinResp(h.join("c", "g", "")).ErrorCode, kerr.NotCoordinator)
	h.handle(LoadBegin{Partition: p})
	wantCode(t, "loading join", h.joinResp(h.join("c", "g", "")).ErrorCode, kerr.CoordinatorLoadInProgress)
	wantCode(t, "loading heartbeat", h.heartbeat("g", "m", 1), kerr.CoordinatorLoadInProgress)
	wantCode(t, "loading commit", h.commit("g", "", -1, "t", 0, 1), kerr.CoordinatorLoadInProgress)
	lg := kmsg.NewPtrListGroupsRequest()
	wantCode(t, "loading list", h.resp(h.send("c", lg)).(*kmsg.ListGroupsResponse).ErrorCode, kerr.CoordinatorLoadInProgress)
	h.handle(LoadComplete{Partition: p})
	wantCode(t, "loaded", h.joinResp(h.join("c", "g", "")).ErrorCode, kerr.MemberIDRequired)
}

func TestUnloadAnswersWaiters(t *testing.T) {
	h := newHarness(t, Options{})
	j := h.joinResp(h.join("c", "g", ""))
	id := h.join("c", "g", j.MemberID)
	h.holdAppends = true
	cid := h.send("c", commitReq("g2", "", -1, "t", 0, 1))
	h.handle(Unload{Partition: h.c.PartitionFor("g")})
	h.handle(Unload{Partition: h.c.PartitionFor("g2")})
	wantCode(t, "join", h.joinResp(id).ErrorCode, kerr.NotCoordinator)
	wantCode(t, "commit", h.resp(cid).(*kmsg.OffsetCommitResponse).Topics[0].Partitions[0].ErrorCode, kerr.NotCoordinator)
}

func TestInitialDelayExtendsForNewMembers(t *testing.T) {
	h := newHarness(t, Options{})
	ids := []uint64{}
	for i, c := range []string{"a", "b", "c"} {
		j := h.joinResp(h.join(c, "g", ""))
		ids = append(ids, h.join(c, "g", j.MemberID))
		if i < 2 {
			h.advance(2 * time.Second)
		}
	}
	// Each arrival within the delay extends it by another delay.
	h.advance(2 * time.Second)
	for _, id := range ids {
		if !h.pending(id) {
			t.Fatal("join phase ended while members were still arriving")
		}
	}
	h.advance(4 * time.Second)
	for _, id := range ids {
		jr := h.joinResp(id)
		if jr.ErrorCode != 0 || jr.Generation != 1 {
			t.Fatalf("join %+v", jr)
		}
	}
}

package group

import (
	"fmt"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kmsg"
)

// harness drives a Coordinator like the adapter will: it delivers events,
// collects responses, carries out appends (acknowledged at once unless
// holdAppends) into an in-memory log per partition, and follows SetTimer.
type harness struct {
	t            *testing.T
	c            *Coordinator
	opts         Options
	now          time.Time
	nextID       uint64
	resps        map[uint64]kmsg.Response
	log          map[int32][]Record
	held         []Append
	holdAppends  bool
	timer        time.Time
	ids          int
	topics       []TopicInfo // given to a reloaded coordinator first, if set
	resolves     []ResolveRegexes
	holdResolves bool
}

var t0 = time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)

func newHarness(t *testing.T, opts Options) *harness {
	t.Helper()
	h := &harness{t: t, now: t0, resps: map[uint64]kmsg.Response{}, log: map[int32][]Record{}}
	if opts.NumPartitions == 0 {
		opts.NumPartitions = 4
	}
	if opts.NewMemberID == nil {
		opts.NewMemberID = func(prefix string) string {
			h.ids++
			return fmt.Sprintf("%s-%d", prefix, h.ids)
		}
	}
	h.opts = opts
	c, err := New(opts)
	if err != nil {
		t.Fatal(err)
	}
	h.c = c
	for p := int32(0); p < opts.NumPartitions; p++ {
		h.handle(LoadBegin{Partition: p})
		h.handle(LoadComplete{Partition: p})
	}
	return h
}

func (h *harness) handle(ev Event) {
	h.t.Helper()
	for _, a := range h.c.Handle(h.now, ev) {
		switch a := a.(type) {
		case Respond:
			if _, dup := h.resps[a.To]; dup {
				h.t.Fatalf("second response to request %d: %#v", a.To, a.Msg)
			}
			h.resps[a.To] = a.Msg
		case Append:
			h.held = append(h.held, a)
		case SetTimer:
			h.timer = a.At
		case ResolveRegexes:
			h.resolves = append(h.resolves, a)
		}
	}
	if !h.holdAppends {
		h.ackAll(0)
	}
	if !h.holdResolves {
		h.resolveAll()
	}
}

// resolveAll answers every held ResolveRegexes, as the adapter does later
// on another goroutine.
func (h *harness) resolveAll() {
	h.t.Helper()
	for len(h.resolves) > 0 {
		a := h.resolves[0]
		h.resolves = h.resolves[1:]
		hold := h.holdResolves
		h.holdResolves = true
		h.handle(RegexesResolved{Group: a.Group, Seq: a.Seq, Topics: a.Resolve()})
		h.holdResolves = hold
	}
}

// ackAll acknowledges every held append with code (0 = durable: the
// records go to the log).
func (h *harness) ackAll(code int16) {
	h.t.Helper()
	for len(h.held) > 0 {
		a := h.held[0]
		h.held = h.held[1:]
		if code == 0 {
			h.log[a.Partition] = append(h.log[a.Partition], a.Records...)
		}
		hold := h.holdAppends
		h.holdAppends = true
		h.handle(AppendDone{Partition: a.Partition, Token: a.Token, ErrorCode: code})
		h.holdAppends = hold
	}
}

// advance moves the clock by d, ticking at every timer deadline on the way.
func (h *harness) advance(d time.Duration) {
	h.t.Helper()
	end := h.now.Add(d)
	for !h.timer.IsZero() && !h.timer.After(end) {
		if h.timer.After(h.now) {
			h.now = h.timer
		}
		before := h.timer
		h.handle(Tick{})
		if h.timer.Equal(before) {
			break
		}
	}
	h.now = end
	h.handle(Tick{})
}

func (h *harness) send(client string, req kmsg.Request) uint64 {
	h.t.Helper()
	h.nextID++
	id := h.nextID
	h.handle(Request{ID: id, ClientID: client, ClientHost: "/127.0.0.1", Msg: req})
	return id
}

func (h *harness) resp(id uint64) kmsg.Response {
	h.t.Helper()
	r, ok := h.resps[id]
	if !ok {
		h.t.Fatalf("no response to request %d", id)
	}
	return r
}

func (h *harness) pending(id uint64) bool {
	_, ok := h.resps[id]
	return !ok
}

func wantCode(t *testing.T, what string, got int16, want error) {
	t.Helper()
	wc := int16(0)
	if want != nil {
		wc = want.(*kerr.Error).Code
	}
	if got != wc {
		t.Fatalf("%s: error %v, want %v", what, kerr.ErrorForCode(got), want)
	}
}

// ---- request builders ----

type joinOpt func(*kmsg.JoinGroupRequest)

func withInstance(id string) joinOpt { return func(r *kmsg.JoinGroupRequest) { r.InstanceID = &id } }
func withProtocols(names ...string) joinOpt {
	return func(r *kmsg.JoinGroupRequest) {
		r.Protocols = nil
		for _, n := range names {
			r.Protocols = append(r.Protocols, kmsg.JoinGroupRequestProtocol{Name: n, Metadata: []byte("md-" + n)})
		}
	}
}
func withVersion(v int16) joinOpt { return func(r *kmsg.JoinGroupRequest) { r.Version = v } }
func withSession(ms int32) joinOpt {
	return func(r *kmsg.JoinGroupRequest) { r.SessionTimeoutMillis = ms }
}
func withProtocolType(t string) joinOpt { return func(r *kmsg.JoinGroupRequest) { r.ProtocolType = t } }

func joinReq(group, member string, opts ...joinOpt) *kmsg.JoinGroupRequest {
	r := kmsg.NewPtrJoinGroupRequest()
	r.Version = 9
	r.Group, r.MemberID = group, member
	r.SessionTimeoutMillis = 10000
	r.RebalanceTimeoutMillis = 60000
	r.ProtocolType = "consumer"
	withProtocols("range")(r)
	for _, o := range opts {
		o(r)
	}
	return r
}

func (h *harness) join(client, group, member string, opts ...joinOpt) uint64 {
	return h.send(client, joinReq(group, member, opts...))
}

func (h *harness) joinResp(id uint64) *kmsg.JoinGroupResponse {
	h.t.Helper()
	return h.resp(id).(*kmsg.JoinGroupResponse)
}

func (h *harness) sync(group, member string, gen int32, assign map[string]string) uint64 {
	r := kmsg.NewPtrSyncGroupRequest()
	r.Version = 5
	r.Group, r.MemberID, r.Generation = group, member, gen
	for m, a := range assign {
		r.GroupAssignment = append(r.GroupAssignment, kmsg.SyncGroupRequestGroupAssignment{MemberID: m, MemberAssignment: []byte(a)})
	}
	return h.send("c", r)
}

func (h *harness) syncResp(id uint64) *kmsg.SyncGroupResponse {
	h.t.Helper()
	return h.resp(id).(*kmsg.SyncGroupResponse)
}

func (h *harness) heartbeat(group, member string, gen int32) int16 {
	h.t.Helper()
	r := kmsg.NewPtrHeartbeatRequest()
	r.Version = 4
	r.Group, r.MemberID, r.Generation = group, member, gen
	return h.resp(h.send("c", r)).(*kmsg.HeartbeatResponse).ErrorCode
}

func (h *harness) state(group string) string {
	h.t.Helper()
	r := kmsg.NewPtrDescribeGroupsRequest()
	r.Version = 5
	r.Groups = []string{group}
	return h.resp(h.send("c", r)).(*kmsg.DescribeGroupsResponse).Groups[0].State
}

func (h *harness) describe(group string) kmsg.DescribeGroupsResponseGroup {
	h.t.Helper()
	r := kmsg.NewPtrDescribeGroupsRequest()
	r.Version = 5
	r.Groups = []string{group}
	return h.resp(h.send("c", r)).(*kmsg.DescribeGroupsResponse).Groups[0]
}

// stableMember joins a dynamic member through the KIP-394 round trip, waits
// out the initial delay, and syncs; it returns the member id and generation.
func (h *harness) stableMember(group, client string, opts ...joinOpt) (string, int32) {
	h.t.Helper()
	var id uint64
	if joinReq(group, "", opts...).InstanceID != nil {
		id = h.join(client, group, "", opts...) // static: no KIP-394 round trip
	} else {
		j := h.joinResp(h.join(client, group, "", opts...))
		wantCode(h.t, "first join", j.ErrorCode, kerr.MemberIDRequired)
		id = h.join(client, group, j.MemberID, opts...)
	}
	h.advance(h.c.opts.initialDelay())
	jr := h.joinResp(id)
	wantCode(h.t, "join", jr.ErrorCode, nil)
	s := h.syncResp(h.sync(group, jr.MemberID, jr.Generation, map[string]string{jr.MemberID: "a-" + jr.MemberID}))
	wantCode(h.t, "sync", s.ErrorCode, nil)
	return jr.MemberID, jr.Generation
}

// keepAlive heartbeats every 5s for d.
func (h *harness) keepAlive(group, member string, gen int32, d time.Duration) {
	h.t.Helper()
	for end := h.now.Add(d); h.now.Before(end); {
		h.advance(5 * time.Second)
		wantCode(h.t, "keepalive", h.heartbeat(group, member, gen), nil)
	}
}

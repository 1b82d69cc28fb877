package replica

import (
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"
)

// TestTruncationOffset covers Kafka's getOffsetTruncationState cases.
func TestTruncationOffset(t *testing.T) {
	// The follower: epochs 1@0, 3@4, 5@8, log end 10.
	l := &memLog{}
	for o, e := range []int32{1, 1, 1, 1, 3, 3, 3, 3, 5, 5} {
		l.appendLeader(e, int64(o))
	}
	cases := []struct {
		name   string
		leader EpochEndOffset
		want   int64
		final  bool
	}{
		{"same epoch, leader ends earlier", EpochEndOffset{3, 6}, 6, true},
		{"same epoch, follower ends earlier", EpochEndOffset{3, 9}, 8, true},
		{"latest epoch, leader ends past the log end", EpochEndOffset{5, 20}, 10, true},
		{"epoch unknown to the follower: its own end below it, ask again", EpochEndOffset{4, 9}, 8, false},
		{"epoch unknown, below the follower's first", EpochEndOffset{0, 2}, 0, true},
		{"leader epoch undefined, offset known", EpochEndOffset{-1, 7}, 7, true},
		{"leader offset undefined: keep the log", EpochEndOffset{2, -1}, 10, true},
	}
	for _, c := range cases {
		got, final := truncationOffset(l, c.leader, l.LogEndOffset())
		if got != c.want || final != c.final {
			t.Errorf("%s: truncationOffset(%v) = %d, %v; want %d, %v", c.name, c.leader, got, final, c.want, c.final)
		}
	}
	if got, final := truncationOffset(&memLog{start: 4}, EpochEndOffset{2, 3}, 4); got != 3 || !final {
		t.Errorf("empty cache: got %d, %v; want 3, true", got, final)
	}
}

// TestUpdateFetchState covers Replica.updateFetchStateOrThrow and
// isCaughtUp.
func TestUpdateFetchState(t *testing.T) {
	t0 := time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)
	at := func(ms int) time.Time { return t0.Add(time.Duration(ms) * time.Millisecond) }
	lag := 100 * time.Millisecond
	r := newRemote()
	r.reset(at(0), 10, true, true) // new leader, in the ISR: caught up now
	if r.leo != -1 || !r.lastCaughtUp.Equal(at(0)) {
		t.Fatalf("reset: %+v", r)
	}
	// A fetch from the leader's log end: caught up at its arrival.
	r.updateFetchState(10, 0, at(50), 10)
	if !r.lastCaughtUp.Equal(at(50)) || r.leo != 10 {
		t.Fatalf("fetch at log end: %+v", r)
	}
	// Behind the leader now (15) but at the log end of the previous fetch
	// (10): caught up as of the previous fetch.
	r.updateFetchState(10, 0, at(120), 15)
	if !r.lastCaughtUp.Equal(at(50)) {
		t.Fatalf("trailing fetch: %+v", r)
	}
	r.updateFetchState(15, 0, at(200), 20)
	if !r.lastCaughtUp.Equal(at(120)) {
		t.Fatalf("trailing fetch 2: %+v", r)
	}
	// Below the log end the leader had at the previous fetch: no progress.
	r.updateFetchState(16, 0, at(260), 25)
	if !r.lastCaughtUp.Equal(at(120)) {
		t.Fatalf("slow fetch: %+v", r)
	}
	if !r.isCaughtUp(25, at(220), lag) || r.isCaughtUp(25, at(221), lag) {
		t.Fatal("isCaughtUp: lag boundary")
	}
	if !r.isCaughtUp(16, at(10_000), lag) {
		t.Fatal("isCaughtUp: a follower at the leader's log end is in sync whatever the time")
	}
	// Re-elected leader (not new): positions kept, ISR members caught up now.
	r.reset(at(300), 30, false, true)
	if r.leo != 16 || !r.lastCaughtUp.Equal(at(300)) || r.lastFetchLeaderLEO != 30 {
		t.Fatalf("re-election reset: %+v", r)
	}
	r.reset(at(400), 30, false, false)
	if !r.lastCaughtUp.IsZero() || !r.lastFetchTime.IsZero() {
		t.Fatalf("reset out of the ISR: %+v", r)
	}
}

// TestStaleAnswersIgnored: answers to requests made in an older state do
// nothing.
func TestStaleAnswersIgnored(t *testing.T) {
	now := time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)
	l := &memLog{}
	l.appendLeader(0, 1)
	p, err := New(Options{BrokerID: 2, Log: l})
	if err != nil {
		t.Fatal(err)
	}
	p.Step(LeaderAndIsr{Now: now, Leader: 1, LeaderEpoch: 3, PartitionEpoch: 3, Replicas: []int32{1, 2}, ISR: []int32{1, 2}})
	req, ok := p.NextFetch()
	if !ok || req != (FetchRequest{Leader: 1, CurrentLeaderEpoch: 3, FetchOffset: 1, LastFetchedEpoch: 0}) {
		t.Fatalf("NextFetch = %+v, %v", req, ok)
	}
	// The log moved since the request (another answer was applied).
	l.appendLeader(0, 2)
	if acts := p.Step(FetchResponse{Request: req, Err: None, Diverging: NoEpoch, HighWatermark: 1}); len(acts) != 0 {
		t.Fatalf("stale fetch answer: %v", acts)
	}
	// An out-of-range answer, then a new leader epoch before the leader's
	// offsets arrive: the old answer is dropped and fetching resumes.
	req, _ = p.NextFetch()
	acts := p.Step(FetchResponse{Request: req, Err: OffsetOutOfRange, Diverging: NoEpoch})
	if len(acts) != 1 || acts[0] != (ListLeaderOffsets{Leader: 1, LeaderEpoch: 3}) {
		t.Fatalf("out of range: %v", acts)
	}
	if _, ok := p.NextFetch(); ok {
		t.Fatal("fetching while resolving an out-of-range offset")
	}
	p.Step(LeaderAndIsr{Now: now, Leader: 1, LeaderEpoch: 4, PartitionEpoch: 4, Replicas: []int32{1, 2}, ISR: []int32{1, 2}})
	if acts := p.Step(LeaderOffsets{LeaderEpoch: 3, LogStartOffset: 5, LogEndOffset: 9}); len(acts) != 0 {
		t.Fatalf("stale leader offsets: %v", acts)
	}
	if _, ok := p.NextFetch(); !ok {
		t.Fatal("not fetching after a new LeaderAndIsr")
	}
	// A lost ListOffsets exchange: back to fetching after a backoff.
	req, _ = p.NextFetch()
	p.Step(FetchResponse{Request: req, Err: OffsetOutOfRange, Diverging: NoEpoch})
	if acts := p.Step(LeaderOffsets{LeaderEpoch: 4, Err: RequestTimedOut}); len(acts) != 1 || acts[0] != (Backoff{}) {
		t.Fatalf("lost leader offsets: %v", acts)
	}
	if _, ok := p.NextFetch(); !ok {
		t.Fatal("not fetching after a lost ListOffsets")
	}
	// An AlterPartition answer for a change never sent, and one at a
	// follower: ignored.
	if acts := p.Step(AlterPartitionResponse{Now: now, Seq: 1, LeaderEpoch: 4, PartitionEpoch: 5, ISR: []int32{2}}); len(acts) != 0 {
		t.Fatalf("alter answer at a follower: %v", acts)
	}
	// WaitAcks at a follower: NOT_LEADER_OR_FOLLOWER at once.
	if acts := p.Step(WaitAcks{Now: now, ID: 9, RequiredOffset: 1, Deadline: now}); len(acts) != 1 || acts[0] != (CompleteAck{ID: 9, Err: NotLeaderOrFollower}) {
		t.Fatalf("wait at a follower: %v", acts)
	}
	if c := p.CanAppend(1); c != NotLeaderOrFollower {
		t.Fatalf("CanAppend at a follower = %v", c)
	}
}

func TestOptions(t *testing.T) {
	if _, err := New(Options{BrokerID: -1, Config: Config{MinInsyncReplicas: -2, ReplicaLagTimeMax: -time.Second}}); !errors.Is(err, ErrInvalidOptions) {
		t.Fatalf("bad options: %v", err)
	} else {
		for _, want := range []string{"broker id -1", "Log is nil", "min.insync.replicas -2", "replica.lag.time.max.ms -1s"} {
			if !strings.Contains(err.Error(), want) {
				t.Errorf("error %q does not mention %q", err, want)
			}
		}
	}
	c := (&Config{}).EnsureDefaults()
	if c.MinInsyncReplicas != 1 || c.ReplicaLagTimeMax != 30*time.Second {
		t.Fatalf("defaults: %+v", c)
	}
	if NotEnoughReplicasAfterAppend.String() != "NOT_ENOUGH_REPLICAS_AFTER_APPEND" || Code(999).String() != "ERROR_999" {
		t.Fatal("Code.String")
	}
}

// TestReadReplicas: the leader offers the ISR followers whose log holds
// the fetch offset; not leader, none.
func TestReadReplicas(t *testing.T) {
	now := time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)
	l := &memLog{}
	for o := int64(0); o < 10; o++ {
		l.appendLeader(0, o)
	}
	p, err := New(Options{BrokerID: 0, Log: l})
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := p.ReadReplicas(0); ok {
		t.Fatal("ReadReplicas before any role")
	}
	p.Step(LeaderAndIsr{Now: now, Leader: 0, LeaderEpoch: 1, PartitionEpoch: 1, Replicas: []int32{0, 1, 2, 3}, ISR: []int32{0, 1, 2}})
	p.Step(FollowerFetch{Now: now, ReplicaID: 1, CurrentLeaderEpoch: 1, FetchOffset: 10, LastFetchedEpoch: -1, LogStartOffset: 0})
	p.Step(FollowerFetch{Now: now, ReplicaID: 2, CurrentLeaderEpoch: 1, FetchOffset: 6, LastFetchedEpoch: -1, LogStartOffset: 2})
	p.Step(FollowerFetch{Now: now, ReplicaID: 3, CurrentLeaderEpoch: 1, FetchOffset: 10, LastFetchedEpoch: -1, LogStartOffset: 0})
	ids := func(off int64) []int32 {
		views, ok := p.ReadReplicas(off)
		if !ok {
			t.Fatalf("ReadReplicas(%d) not ok at the leader", off)
		}
		var out []int32
		for _, v := range views {
			out = append(out, v.ID)
		}
		return out
	}
	// 3 is not in the ISR (it fetched, but the expansion is only pending).
	for off, want := range map[int64]string{0: "[1]", 2: "[1 2]", 6: "[1 2]", 7: "[1]", 11: "[]"} {
		if got := fmt.Sprint(ids(off)); got != want {
			t.Errorf("ReadReplicas(%d) = %s, want %s", off, got, want)
		}
	}
	p.Step(LeaderAndIsr{Now: now, Leader: 1, LeaderEpoch: 2, PartitionEpoch: 2, Replicas: []int32{0, 1, 2, 3}, ISR: []int32{0, 1, 2}})
	if _, ok := p.ReadReplicas(0); ok {
		t.Fatal("ReadReplicas at a follower")
	}
}

package coordinator

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"sync"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kmsg"

	"sluice/cluster"
	"sluice/engine"
	"sluice/engine/record"
	"sluice/protocol/internal/group"
)

// fakeLeadership is a single-node cluster.Node whose __consumer_offsets
// leadership the test decides: each partition is led by self (1) or by
// the other broker (2), at an epoch; Log and AppendCoordinator refuse
// (ErrNotLeader) what self does not lead, and LeadershipChanged fires at
// every flip. AppendCoordinator can be held on a gate.
type fakeLeadership struct {
	*cluster.Node
	mu      sync.Mutex
	leader  map[int32]int32
	epoch   map[int32]int32
	changed chan struct{}
	gate    chan struct{} // non-nil: appends wait for it to close
	entered chan struct{} // an append reached the gate
	tried   int           // appends asked for
}

const fakeSelf, fakeOther = 1, 2

func (f *fakeLeadership) NodeID() int32 { return fakeSelf }

func (f *fakeLeadership) Brokers() []cluster.BrokerInfo {
	self := f.Node.Brokers()[0]
	self.NodeID = fakeSelf
	return []cluster.BrokerInfo{self, {NodeID: fakeOther, Host: "other", Port: 9092}}
}

func (f *fakeLeadership) Topic(name string) (cluster.TopicInfo, bool) {
	t, ok := f.Node.Topic(name)
	if !ok || name != offsetsTopic {
		return t, ok
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	parts := make([]cluster.PartitionInfo, len(t.Partitions))
	for i, p := range t.Partitions {
		p.Leader, p.LeaderEpoch = f.leader[p.Partition], f.epoch[p.Partition]
		parts[i] = p
	}
	t.Partitions = parts
	return t, true
}

func (f *fakeLeadership) leads(p int32) (int32, bool) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.epoch[p], f.leader[p] == fakeSelf
}

func (f *fakeLeadership) Log(tp engine.TopicPartition) (*engine.Log, cluster.PartitionInfo, error) {
	e, ok := f.leads(tp.Partition)
	if tp.Topic == offsetsTopic && !ok {
		return nil, cluster.PartitionInfo{}, fmt.Errorf("%w: fake", cluster.ErrNotLeader)
	}
	l, info, err := f.Node.Log(tp)
	info.LeaderEpoch = e
	return l, info, err
}

func (f *fakeLeadership) AppendCoordinator(ctx context.Context, tp engine.TopicPartition, records []byte) (engine.AppendResult, error) {
	f.mu.Lock()
	gate := f.gate
	f.tried++
	f.mu.Unlock()
	if gate != nil {
		f.entered <- struct{}{}
		<-gate
	}
	if _, ok := f.leads(tp.Partition); !ok {
		return engine.AppendResult{}, fmt.Errorf("%w: fake", cluster.ErrNotLeader)
	}
	return f.Node.AppendCoordinator(ctx, tp, records)
}

func (f *fakeLeadership) LeadershipChanged() <-chan struct{} {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.changed
}

// set moves partition p's leadership and signals the change.
func (f *fakeLeadership) set(p, leader, epoch int32) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.leader[p], f.epoch[p] = leader, epoch
	close(f.changed)
	f.changed = make(chan struct{})
}

func startFakeGroups(t *testing.T) (*Groups, *fakeLeadership) {
	t.Helper()
	cfg, _, err := cluster.ParseBrokerConfig(map[string]string{
		"listeners": "PLAINTEXT://127.0.0.1:9092", "log.dirs": t.TempDir(), "node.id": "1",
		"offsets.topic.num.partitions": "5", "offsets.topic.replication.factor": "1",
		"group.initial.rebalance.delay.ms": "0",
	})
	if err != nil {
		t.Fatal(err)
	}
	eo, err := cluster.EngineOptions(cfg)
	if err != nil {
		t.Fatal(err)
	}
	eng, err := engine.Open(eo)
	if err != nil {
		t.Fatal(err)
	}
	logger := slog.New(slog.NewTextHandler(io.Discard, nil))
	node, err := cluster.Open(cfg, eng, logger)
	if err != nil {
		t.Fatal(err)
	}
	if err := node.Join(); err != nil {
		t.Fatal(err)
	}
	if _, err := node.EnsureInternalTopic(offsetsTopic); err != nil {
		t.Fatal(err)
	}
	f := &fakeLeadership{Node: node, leader: map[int32]int32{}, epoch: map[int32]int32{}, changed: make(chan struct{})}
	for p := range int32(5) {
		f.leader[p] = fakeSelf
	}
	g, err := startGroups(node, f, logger)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		f.mu.Lock()
		if f.gate != nil {
			close(f.gate)
			f.gate = nil
		}
		f.mu.Unlock()
		g.Close()
		node.Close()
		eng.Close()
	})
	return g, f
}

// send submits a group request and returns a channel with its answer
// (nil when it did not come within 30 s).
func send(g *Groups, req kmsg.Request) <-chan kmsg.Response {
	out := make(chan kmsg.Response, 1)
	w, ok := g.Submit("test", nil, req)
	if !ok {
		out <- nil
		return out
	}
	go func() {
		select {
		case <-w.Done():
		case <-time.After(30 * time.Second):
		}
		resp, _ := w.Answer()
		out <- resp
	}()
	return out
}

func recv(t *testing.T, ch <-chan kmsg.Response) kmsg.Response {
	t.Helper()
	r := <-ch
	if r == nil {
		t.Fatal("no answer")
	}
	return r
}

func commitReq(grp string, offset int64) *kmsg.OffsetCommitRequest {
	r := kmsg.NewPtrOffsetCommitRequest()
	r.Version = 8
	r.Group, r.Generation = grp, -1
	p := kmsg.NewOffsetCommitRequestTopicPartition()
	p.Partition, p.Offset = 0, offset
	r.Topics = []kmsg.OffsetCommitRequestTopic{{Topic: "t", Partitions: []kmsg.OffsetCommitRequestTopicPartition{p}}}
	return r
}

func commitCode(t *testing.T, r kmsg.Response) int16 {
	t.Helper()
	cr := r.(*kmsg.OffsetCommitResponse)
	return cr.Topics[0].Partitions[0].ErrorCode
}

// fetchOffset answers group's committed offset of t/0 and the error code.
func fetchOffset(t *testing.T, g *Groups, grp string) (int64, int16) {
	t.Helper()
	r := kmsg.NewPtrOffsetFetchRequest()
	r.Version = 8
	r.Groups = []kmsg.OffsetFetchRequestGroup{{Group: grp, Topics: []kmsg.OffsetFetchRequestGroupTopic{{Topic: "t", Partitions: []int32{0}}}}}
	or := recv(t, send(g, r)).(*kmsg.OffsetFetchResponse)
	if c := or.Groups[0].ErrorCode; c != 0 {
		return -1, c
	}
	return or.Groups[0].Topics[0].Partitions[0].Offset, 0
}

func eventually(t *testing.T, what string, cond func() error) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for {
		err := cond()
		if err == nil {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s: %v", what, err)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// TestGroupsFollowLeadership: FindCoordinator answers the leader of the
// group's partition; a partition whose leadership moves away is unloaded
// (NOT_COORDINATOR, pending and queued appends fail NOT_COORDINATOR and
// the queued one is never written), and one led again at a new epoch is
// reloaded from its log. The other partitions stay served throughout.
func TestGroupsFollowLeadership(t *testing.T) {
	g, f := startFakeGroups(t)
	const grp = "g"
	p := group.PartitionFor(grp, 5)
	other := ""
	for i := 0; other == ""; i++ {
		if name := fmt.Sprintf("o%d", i); group.PartitionFor(name, 5) != p {
			other = name
		}
	}
	eventually(t, "all loaded", func() error {
		if s := g.LoadStatus(); s.Loaded != 5 {
			return fmt.Errorf("%+v", s)
		}
		return nil
	})
	if b, ke := g.CoordinatorFor(0, grp); ke != nil || b.NodeID != fakeSelf {
		t.Fatalf("coordinator %+v %v", b, ke)
	}
	if c := commitCode(t, recv(t, send(g, commitReq(grp, 42)))); c != 0 {
		t.Fatalf("commit: %v", kerr.ErrorForCode(c))
	}
	if c := commitCode(t, recv(t, send(g, commitReq(other, 7)))); c != 0 {
		t.Fatalf("commit: %v", kerr.ErrorForCode(c))
	}

	// Two commits in flight: the first held in the append, the second
	// queued behind it; then the partition moves to broker 2.
	f.mu.Lock()
	f.gate, f.entered = make(chan struct{}), make(chan struct{}, 4)
	tried := f.tried
	f.mu.Unlock()
	c1 := send(g, commitReq(grp, 50))
	<-f.entered
	c2 := send(g, commitReq(grp, 51))
	eventually(t, "second append queued", func() error {
		g.mu.Lock()
		defer g.mu.Unlock()
		if len(g.mu.appends) != 1 {
			return fmt.Errorf("%d queued", len(g.mu.appends))
		}
		return nil
	})
	f.set(p, fakeOther, 1)
	for i, c := range []<-chan kmsg.Response{c1, c2} {
		if code := commitCode(t, recv(t, c)); code != kerr.NotCoordinator.Code {
			t.Fatalf("commit %d during the move: %v", i+1, kerr.ErrorForCode(code))
		}
	}
	f.mu.Lock()
	close(f.gate)
	f.gate = nil
	f.mu.Unlock()
	eventually(t, "unloaded", func() error {
		if s := g.LoadStatus(); s.Loaded != 4 {
			return fmt.Errorf("%+v", s)
		}
		return nil
	})
	if b, ke := g.CoordinatorFor(0, grp); ke != nil || b.NodeID != fakeOther || b.Host != "other" {
		t.Fatalf("coordinator after the move %+v %v", b, ke)
	}
	if _, code := fetchOffset(t, g, grp); code != kerr.NotCoordinator.Code {
		t.Fatalf("fetch after the move: %v", kerr.ErrorForCode(code))
	}
	if off, code := fetchOffset(t, g, other); code != 0 || off != 7 {
		t.Fatalf("other group: %d %v", off, kerr.ErrorForCode(code))
	}
	// The appender is FIFO: once other's commit is done, the queued
	// append of grp would have been tried.
	if c := commitCode(t, recv(t, send(g, commitReq(other, 8)))); c != 0 {
		t.Fatalf("commit: %v", kerr.ErrorForCode(c))
	}
	f.mu.Lock()
	if n := f.tried - tried; n != 2 {
		t.Errorf("%d appends tried since the gate, want 2 (the held one and other's)", n)
	}
	f.mu.Unlock()

	// No leader: COORDINATOR_NOT_AVAILABLE.
	f.set(p, -1, 2)
	if _, ke := g.CoordinatorFor(0, grp); ke == nil || ke.Code != kerr.CoordinatorNotAvailable.Code {
		t.Fatalf("coordinator without a leader: %v", ke)
	}

	// Led here again at a new epoch: reloaded from the log.
	f.set(p, fakeSelf, 3)
	eventually(t, "reloaded", func() error {
		if off, code := fetchOffset(t, g, grp); code != 0 || off != 42 {
			return fmt.Errorf("offset %d, %v", off, kerr.ErrorForCode(code))
		}
		return nil
	})
	if c := commitCode(t, recv(t, send(g, commitReq(grp, 60)))); c != 0 {
		t.Fatalf("commit after the reload: %v", kerr.ErrorForCode(c))
	}
}

// TestGroupsReloadOnNewEpoch: a partition this broker leads again at a
// higher epoch (it lost and regained leadership between two looks) is
// unloaded and loaded again, so members of its groups rediscover it and
// state written meanwhile by another leader is read.
func TestGroupsReloadOnNewEpoch(t *testing.T) {
	g, f := startFakeGroups(t)
	const grp = "g"
	p := group.PartitionFor(grp, 5)
	eventually(t, "loaded", func() error {
		if s := g.LoadStatus(); s.Loaded != 5 {
			return fmt.Errorf("%+v", s)
		}
		return nil
	})
	if c := commitCode(t, recv(t, send(g, commitReq(grp, 42)))); c != 0 {
		t.Fatalf("commit: %v", kerr.ErrorForCode(c))
	}
	// "Another leader" wrote offset 43 while this one did not look.
	if _, err := g.node.AppendCoordinator(context.Background(), engine.TopicPartition{Topic: offsetsTopic, Partition: p}, offsetBatch(grp, 43)); err != nil {
		t.Fatal(err)
	}
	if off, _ := fetchOffset(t, g, grp); off != 42 {
		t.Fatalf("before the new epoch: %d", off)
	}
	f.set(p, fakeSelf, 5)
	eventually(t, "reloaded", func() error {
		if off, code := fetchOffset(t, g, grp); code != 0 || off != 43 {
			return fmt.Errorf("offset %d, %v", off, kerr.ErrorForCode(code))
		}
		return nil
	})
}

// offsetBatch is one __consumer_offsets batch committing offset for
// group's t/0.
func offsetBatch(grp string, offset int64) []byte {
	bl := record.NewBuilder(record.BuilderOptions{ProducerID: -1, ProducerEpoch: -1, BaseSequence: -1})
	now := time.Now().UnixMilli()
	bl.Add(group.EncodeOffsetKey(group.OffsetKey{Group: grp, Topic: "t", Partition: 0}),
		group.EncodeOffsetValue(group.OffsetValue{Offset: offset, LeaderEpoch: -1, CommitTimestamp: now, ExpireTimestamp: -1}), now)
	return bl.Build()
}

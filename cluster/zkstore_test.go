package cluster

import (
	"context"
	"reflect"
	"slices"
	"testing"
	"time"

	"sluice/cluster/internal/controller"
	"sluice/cluster/internal/kzk"
	"sluice/cluster/internal/zkdata"
	"sluice/cluster/internal/znode"
	"sluice/cluster/zktest"
)

// zkSessions opens stores on one fresh chroot of the shared ZooKeeper, one
// session each.
type zkSessions struct {
	t       *testing.T
	connect string
}

func newZKSessions(t *testing.T) zkSessions {
	return zkSessions{t: t, connect: zktest.Shared(t).ConnectString(t)}
}

// store opens a session and returns the kzk store and the adapter over it.
func (zs zkSessions) store(static map[string]string) (*kzk.Store, *zkControllerStore) {
	t := zs.t
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	tr, err := znode.DialZK(ctx, znode.ZKOptions{Connect: zs.connect, SessionTimeout: 4 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { tr.Close() })
	s := kzk.New(tr, kzk.Options{SessionTimeout: 4 * time.Second})
	if err := s.CreateTopLevelPaths(ctx); err != nil {
		t.Fatal(err)
	}
	lookup := func(name string) (string, bool) { v, ok := static[name]; return v, ok }
	return s, newZKControllerStore(s, lookup, nil)
}

func fired(t *testing.T, what string, w <-chan struct{}) {
	t.Helper()
	select {
	case <-w:
	case <-time.After(20 * time.Second):
		t.Fatalf("%s: the watch did not fire", what)
	}
}

func quiet(t *testing.T, what string, w <-chan struct{}) {
	t.Helper()
	select {
	case <-w:
		t.Fatalf("%s: the watch fired", what)
	case <-time.After(300 * time.Millisecond):
	}
}

func testTopic(id [16]byte, parts ...[]int32) zkdata.TopicAssignment {
	a := zkdata.TopicAssignment{TopicID: UUIDString(id), Partitions: map[int32]zkdata.ReplicaAssignment{}}
	for p, rs := range parts {
		a.Partitions[int32(p)] = zkdata.ReplicaAssignment{Replicas: rs}
	}
	return a
}

func TestZKStoreElection(t *testing.T) {
	ctx := context.Background()
	zs := newZKSessions(t)
	_, a := zs.store(nil)
	_, b := zs.store(nil)

	id, w, err := b.ControllerW(ctx)
	if err != nil || id != -1 {
		t.Fatalf("no controller yet: %d %v", id, err)
	}
	epoch, won, holder, err := a.TryElect(ctx, 1)
	if err != nil || !won || epoch != 1 || holder != 1 {
		t.Fatalf("first election: epoch %d won %v holder %d %v", epoch, won, holder, err)
	}
	fired(t, "/controller created", w)
	if _, won, holder, err := b.TryElect(ctx, 2); err != nil || won || holder != 1 {
		t.Fatalf("second candidate: won %v holder %d %v", won, holder, err)
	}
	id, w, err = b.ControllerW(ctx)
	if err != nil || id != 1 {
		t.Fatalf("controller %d %v", id, err)
	}
	// Resigning as a broker that does not hold the office does nothing.
	if err := b.Resign(ctx, 2); err != nil {
		t.Fatal(err)
	}
	quiet(t, "resign by a non-controller", w)
	if err := a.Resign(ctx, 1); err != nil {
		t.Fatal(err)
	}
	fired(t, "resign", w)
	if id, _, err := b.ControllerW(ctx); err != nil || id != -1 {
		t.Fatalf("after resigning: controller %d %v", id, err)
	}
	if epoch, won, _, err := b.TryElect(ctx, 2); err != nil || !won || epoch != 2 {
		t.Fatalf("election after the resignation: epoch %d won %v %v", epoch, won, err)
	}
	// a no longer holds office: its writes are refused.
	if _, moved, _ := a.Apply(ctx, []controller.Op{{Kind: controller.RemoveDeletionMark, Topic: "x"}}); !moved {
		t.Fatal("Apply after resigning was not refused")
	}
}

// After another broker is elected, the old controller's Apply is fenced
// off: moved=true and nothing written.
func TestZKStoreFencedApply(t *testing.T) {
	ctx := context.Background()
	zs := newZKSessions(t)
	as, a := zs.store(nil)
	bs, b := zs.store(nil)
	if _, won, _, err := a.TryElect(ctx, 1); err != nil || !won {
		t.Fatal(won, err)
	}
	if err := as.CreateTopic(ctx, "t", testTopic(NewUUID(), []int32{1, 2}), nil); err != nil {
		t.Fatal(err)
	}
	tp := controller.TP{Topic: "t", Partition: 0}
	st := controller.LeaderAndIsr{Leader: 1, ISR: []int32{1, 2}, ControllerEpoch: 1}
	res, moved, err := a.Apply(ctx, []controller.Op{{Kind: controller.CreateState, TP: tp, State: st}})
	if err != nil || moved || res[0] != (controller.OpResult{Err: controller.OpOK, Version: 0}) {
		t.Fatalf("create: %+v %v %v", res, moved, err)
	}

	// /controller goes (as when a's session expires) and b is elected.
	if err := bs.Tree().Delete(ctx, zkdata.ControllerPath, znode.AnyVersion); err != nil {
		t.Fatal(err)
	}
	if epoch, won, _, err := b.TryElect(ctx, 2); err != nil || !won || epoch != 2 {
		t.Fatalf("b's election: %d %v %v", epoch, won, err)
	}
	next := st
	next.Leader, next.LeaderEpoch, next.ISR = 2, 1, []int32{2}
	_, moved, err = a.Apply(ctx, []controller.Op{
		{Kind: controller.UpdateState, TP: tp, State: next},
		{Kind: controller.CreateState, TP: controller.TP{Topic: "t", Partition: 1}, State: st},
		{Kind: controller.DeleteTopic, Topic: "t"},
	})
	if !moved || err == nil {
		t.Fatalf("stale controller's Apply: moved %v err %v", moved, err)
	}
	got, err := b.PartitionStates(ctx, []controller.TP{tp, {Topic: "t", Partition: 1}})
	if err != nil {
		t.Fatal(err)
	}
	if want := map[controller.TP]controller.LeaderAndIsr{tp: st}; !reflect.DeepEqual(got, want) {
		t.Fatalf("states after the fenced write %+v, want %+v", got, want)
	}
	if names, _, err := b.TopicNamesW(ctx); err != nil || !slices.Equal(names, []string{"t"}) {
		t.Fatalf("topics %v %v", names, err)
	}
	// Nor can the old controller resign the new one's office.
	if err := a.Resign(ctx, 1); err != nil {
		t.Fatal(err)
	}
	if id, _, err := b.ControllerW(ctx); err != nil || id != 2 {
		t.Fatalf("controller after the old one resigned: %d %v", id, err)
	}
}

func TestZKStoreBrokers(t *testing.T) {
	ctx := context.Background()
	zs := newZKSessions(t)
	_, c := zs.store(nil)
	live, w, err := c.BrokersW(ctx)
	if err != nil || len(live) != 0 {
		t.Fatalf("brokers %v %v", live, err)
	}
	bs, _ := zs.store(nil)
	info := zkdata.BrokerInfo{ID: 3, Endpoints: []zkdata.Endpoint{
		{Listener: "PLAINTEXT", Host: "127.0.0.1", Port: 9092, SecurityProtocol: "PLAINTEXT"},
		{Listener: "INTERNAL", Host: "10.0.0.3", Port: 9093, SecurityProtocol: "PLAINTEXT"},
	}, Rack: "rack-a", JMXPort: -1, Timestamp: time.Now().UnixMilli()}
	epoch, err := bs.RegisterBroker(ctx, info)
	if err != nil {
		t.Fatal(err)
	}
	fired(t, "registration", w)
	live, w, err = c.BrokersW(ctx)
	if err != nil {
		t.Fatal(err)
	}
	_, stat, err := bs.Tree().Get(ctx, zkdata.BrokerPath(3))
	if err != nil {
		t.Fatal(err)
	}
	want := map[int32]controller.Broker{3: {ID: 3, Epoch: stat.Czxid, Rack: "rack-a", Endpoints: []controller.Endpoint{
		{Listener: "PLAINTEXT", Host: "127.0.0.1", Port: 9092, SecurityProtocol: "PLAINTEXT"},
		{Listener: "INTERNAL", Host: "10.0.0.3", Port: 9093, SecurityProtocol: "PLAINTEXT"},
	}}}
	if stat.Czxid != epoch || !reflect.DeepEqual(live, want) {
		t.Fatalf("brokers %+v, want %+v (epoch %d)", live, want, epoch)
	}
	// The broker's session ends: it leaves; it comes back with a larger epoch.
	if err := bs.Tree().Close(); err != nil {
		t.Fatal(err)
	}
	fired(t, "broker gone", w)
	if live, _, err = c.BrokersW(ctx); err != nil || len(live) != 0 {
		t.Fatalf("brokers after the session closed %v %v", live, err)
	}
	bs2, _ := zs.store(nil)
	epoch2, err := bs2.RegisterBroker(ctx, info)
	if err != nil {
		t.Fatal(err)
	}
	if live, _, err = c.BrokersW(ctx); err != nil || live[3].Epoch != epoch2 || epoch2 <= epoch {
		t.Fatalf("re-registered broker %+v %v (epochs %d, %d)", live, err, epoch, epoch2)
	}
}

func TestZKStoreTopics(t *testing.T) {
	ctx := context.Background()
	zs := newZKSessions(t)
	s, c := zs.store(map[string]string{uncleanKey: "true"})
	if _, won, _, err := c.TryElect(ctx, 1); err != nil || !won {
		t.Fatal(won, err)
	}
	names, w, err := c.TopicNamesW(ctx)
	if err != nil || len(names) != 0 {
		t.Fatalf("topics %v %v", names, err)
	}
	cw, err := c.ConfigChangesW(ctx)
	if err != nil {
		t.Fatal(err)
	}
	id := NewUUID()
	ta := testTopic(id, []int32{1, 2}, []int32{2, 3})
	ta.Partitions[1] = zkdata.ReplicaAssignment{Replicas: []int32{2, 3, 4}, Adding: []int32{4}, Removing: []int32{3}}
	if err := s.CreateTopic(ctx, "a", ta, map[string]string{uncleanKey: "false"}); err != nil {
		t.Fatal(err)
	}
	fired(t, "topic created", w)
	names, w, err = c.TopicNamesW(ctx)
	if err != nil || !slices.Equal(names, []string{"a"}) {
		t.Fatalf("topics %v %v", names, err)
	}
	a, ok, tw, err := c.TopicW(ctx, "a")
	want := controller.Assignment{Topic: "a", ID: id, Replicas: [][]int32{{1, 2}, {2, 3, 4}},
		Adding: map[int32][]int32{1: {4}}, Removing: map[int32][]int32{1: {3}}, Unclean: false}
	if err != nil || !ok || !reflect.DeepEqual(a, want) {
		t.Fatalf("topic a: %+v %v %v, want %+v", a, ok, err, want)
	}
	if _, ok, w, err := c.TopicW(ctx, "nope"); err != nil || ok || w != nil {
		t.Fatalf("absent topic: %v %v %v", ok, w, err)
	}

	// No topic override: the static config says true.
	if err := s.CreateTopic(ctx, "b", testTopic(NewUUID(), []int32{1}), nil); err != nil {
		t.Fatal(err)
	}
	fired(t, "second topic", w)
	if b, ok, _, err := c.TopicW(ctx, "b"); err != nil || !ok || !b.Unclean {
		t.Fatalf("topic b from the static config: %+v %v %v", b, ok, err)
	}
	quiet(t, "topic creation is no config change", cw)
	// The cluster-wide dynamic default wins over the static config...
	if _, err := s.SetBrokerConfig(ctx, zkdata.DefaultEntity, map[string]string{uncleanKey: "false"}); err != nil {
		t.Fatal(err)
	}
	fired(t, "broker default changed", cw)
	if b, _, _, err := c.TopicW(ctx, "b"); err != nil || b.Unclean {
		t.Fatalf("topic b with the dynamic default false: %+v %v", b, err)
	}
	// ... the controller broker's own dynamic config over the default ...
	if _, err := s.SetBrokerConfig(ctx, "1", map[string]string{uncleanKey: "true"}); err != nil {
		t.Fatal(err)
	}
	if b, _, _, err := c.TopicW(ctx, "b"); err != nil || !b.Unclean {
		t.Fatalf("topic b with the controller's dynamic config true: %+v %v", b, err)
	}
	// A change made while nobody watched fires the next watch at once.
	cw, err = c.ConfigChangesW(ctx)
	if err != nil {
		t.Fatal(err)
	}
	fired(t, "broker config changed before the watch", cw)
	// ... and the topic's override wins over both.
	cw, err = c.ConfigChangesW(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.SetEntityConfig(ctx, zkdata.ConfigTypeClient, "someone", map[string]string{"producer_byte_rate": "1024"}); err != nil {
		t.Fatal(err)
	}
	quiet(t, "client quota change", cw)
	if _, err := s.SetTopicConfig(ctx, "b", map[string]string{uncleanKey: "false"}); err != nil {
		t.Fatal(err)
	}
	fired(t, "topic config changed", cw)
	if b, _, _, err := c.TopicW(ctx, "b"); err != nil || b.Unclean {
		t.Fatalf("topic b with its override false: %+v %v", b, err)
	}

	// Partitions added: the topic's watch fires.
	quiet(t, "topic a unchanged", tw)
	ta.Partitions[2] = zkdata.ReplicaAssignment{Replicas: []int32{3, 1}}
	if _, err := s.SetTopicAssignment(ctx, "a", ta, znode.AnyVersion, nil); err != nil {
		t.Fatal(err)
	}
	fired(t, "partitions added", tw)
	if a, _, _, err := c.TopicW(ctx, "a"); err != nil || len(a.Replicas) != 3 || !slices.Equal(a.Replicas[2], []int32{3, 1}) {
		t.Fatalf("topic a after adding a partition %+v %v", a, err)
	}
}

func TestZKStorePartitionStates(t *testing.T) {
	ctx := context.Background()
	zs := newZKSessions(t)
	s, c := zs.store(nil)
	if _, won, _, err := c.TryElect(ctx, 1); err != nil || !won {
		t.Fatal(won, err)
	}
	if err := s.CreateTopic(ctx, "t", testTopic(NewUUID(), []int32{1, 2}, []int32{2, 1}), nil); err != nil {
		t.Fatal(err)
	}
	tp0, tp1 := controller.TP{Topic: "t", Partition: 0}, controller.TP{Topic: "t", Partition: 1}
	s0 := controller.LeaderAndIsr{Leader: 1, ISR: []int32{1, 2}, ControllerEpoch: 1}
	s1 := controller.LeaderAndIsr{Leader: 2, ISR: []int32{2, 1}, ControllerEpoch: 1}
	res, moved, err := c.Apply(ctx, []controller.Op{
		{Kind: controller.CreateState, TP: tp0, State: s0},
		{Kind: controller.CreateState, TP: tp1, State: s1},
	})
	if err != nil || moved || !reflect.DeepEqual(res, []controller.OpResult{{}, {}}) {
		t.Fatalf("create: %+v %v %v", res, moved, err)
	}
	got, err := c.PartitionStates(ctx, []controller.TP{tp0, tp1, {Topic: "t", Partition: 7}})
	if want := map[controller.TP]controller.LeaderAndIsr{tp0: s0, tp1: s1}; err != nil || !reflect.DeepEqual(got, want) {
		t.Fatalf("states %+v %v, want %+v", got, err, want)
	}

	n0 := s0
	n0.ISR = []int32{1}
	again := n0
	again.LeaderEpoch = 5
	n1 := s1
	n1.Version = 3 // stale
	res, moved, err = c.Apply(ctx, []controller.Op{
		{Kind: controller.UpdateState, TP: tp0, State: n0},    // ok: version 0 -> 1
		{Kind: controller.UpdateState, TP: tp1, State: n1},    // stale version
		{Kind: controller.CreateState, TP: tp1, State: s1},    // exists
		{Kind: controller.UpdateState, TP: tp0, State: again}, // after the first: version 0 is stale now
		{Kind: controller.UpdateState, TP: controller.TP{Topic: "gone", Partition: 0}, State: s0},
	})
	want := []controller.OpResult{
		{Err: controller.OpOK, Version: 1},
		{Err: controller.OpBadVersion},
		{Err: controller.OpNodeExists},
		{Err: controller.OpBadVersion},
		{Err: controller.OpNoNode},
	}
	if err != nil || moved || !reflect.DeepEqual(res, want) {
		t.Fatalf("updates: %+v %v %v, want %+v", res, moved, err, want)
	}
	got, err = c.PartitionStates(ctx, []controller.TP{tp0, tp1})
	n0.Version = 1
	if want := map[controller.TP]controller.LeaderAndIsr{tp0: n0, tp1: s1}; err != nil || !reflect.DeepEqual(got, want) {
		t.Fatalf("states %+v %v, want %+v", got, err, want)
	}
	// The znode as Kafka reads it.
	raw, err := s.PartitionStates(ctx, []zkdata.TopicPartition{{Topic: "t", Partition: 0}})
	if st := raw[zkdata.TopicPartition{Topic: "t", Partition: 0}]; err != nil || st.Leader != 1 || !slices.Equal(st.ISR, []int32{1}) ||
		st.ControllerEpoch != 1 || st.ZkVersion != 1 {
		t.Fatalf("raw state %+v %v", st, err)
	}
}

func TestZKStoreDeletions(t *testing.T) {
	ctx := context.Background()
	zs := newZKSessions(t)
	s, c := zs.store(nil)
	if _, won, _, err := c.TryElect(ctx, 1); err != nil || !won {
		t.Fatal(won, err)
	}
	for _, name := range []string{"d", "keep"} {
		if err := s.CreateTopic(ctx, name, testTopic(NewUUID(), []int32{1}, []int32{1}), map[string]string{"retention.ms": "1000"}); err != nil {
			t.Fatal(err)
		}
	}
	st := controller.LeaderAndIsr{Leader: 1, ISR: []int32{1}, ControllerEpoch: 1}
	if res, moved, err := c.Apply(ctx, []controller.Op{
		{Kind: controller.CreateState, TP: controller.TP{Topic: "d", Partition: 0}, State: st},
		{Kind: controller.CreateState, TP: controller.TP{Topic: "d", Partition: 1}, State: st},
	}); err != nil || moved || res[0].Err != controller.OpOK || res[1].Err != controller.OpOK {
		t.Fatalf("create: %+v %v %v", res, moved, err)
	}
	dels, w, err := c.DeletionsW(ctx)
	if err != nil || len(dels) != 0 {
		t.Fatalf("deletions %v %v", dels, err)
	}
	for _, name := range []string{"d", "keep"} {
		if err := s.MarkTopicForDeletion(ctx, name); err != nil {
			t.Fatal(err)
		}
	}
	fired(t, "marked for deletion", w)
	if dels, w, err = c.DeletionsW(ctx); err != nil || !slices.Equal(dels, []string{"d", "keep"}) {
		t.Fatalf("deletions %v %v", dels, err)
	}
	_, tw, err := c.TopicNamesW(ctx)
	if err != nil {
		t.Fatal(err)
	}
	res, moved, err := c.Apply(ctx, []controller.Op{
		{Kind: controller.DeleteTopic, Topic: "d"},
		{Kind: controller.RemoveDeletionMark, Topic: "keep"},
		{Kind: controller.RemoveDeletionMark, Topic: "never-marked"},
	})
	want := []controller.OpResult{{Err: controller.OpOK}, {Err: controller.OpOK}, {Err: controller.OpNoNode}}
	if err != nil || moved || !reflect.DeepEqual(res, want) {
		t.Fatalf("deletion ops: %+v %v %v, want %+v", res, moved, err, want)
	}
	fired(t, "marks removed", w)
	fired(t, "topic removed", tw)
	if dels, _, err := c.DeletionsW(ctx); err != nil || len(dels) != 0 {
		t.Fatalf("deletions left %v %v", dels, err)
	}
	if names, _, err := c.TopicNamesW(ctx); err != nil || !slices.Equal(names, []string{"keep"}) {
		t.Fatalf("topics left %v %v", names, err)
	}
	for _, p := range []string{zkdata.TopicPath("d"), zkdata.TopicConfigPath("d")} {
		if ok, _, err := s.Tree().Exists(ctx, p); err != nil || ok {
			t.Fatalf("%s still exists (%v)", p, err)
		}
	}
	if ok, _, err := s.Tree().Exists(ctx, zkdata.TopicConfigPath("keep")); err != nil || !ok {
		t.Fatalf("the kept topic's config is gone (%v)", err)
	}
	// Deleting what is already gone is fine.
	if res, moved, err := c.Apply(ctx, []controller.Op{{Kind: controller.DeleteTopic, Topic: "d"}}); err != nil || moved || res[0].Err != controller.OpOK {
		t.Fatalf("deleting again: %+v %v %v", res, moved, err)
	}
}

package kzk

import (
	"context"
	"errors"
	"reflect"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"sluice/cluster/internal/zkdata"
	"sluice/cluster/internal/znode"
)

func assignment(partitions, rf int) zkdata.TopicAssignment {
	a := zkdata.TopicAssignment{TopicID: "ikAub9q6QcW9qUakngNwfQ", Partitions: map[int32]zkdata.ReplicaAssignment{}}
	for p := 0; p < partitions; p++ {
		rs := make([]int32, rf)
		for r := range rs {
			rs[r] = int32((p + r) % 5)
		}
		a.Partitions[int32(p)] = zkdata.ReplicaAssignment{Replicas: rs}
	}
	return a
}

func TestTopicsAndConfigs(t *testing.T) {
	forEachBackend(t, func(t *testing.T, b backend) {
		ctx := context.Background()
		s, other := newStore(t, b, Options{}), newStore(t, b, Options{})
		_, tch, err := other.TopicsW(ctx)
		if err != nil {
			t.Fatal(err)
		}
		a := assignment(3, 2)
		if err := s.CreateTopic(ctx, "orders", a, map[string]string{"retention.ms": "1000", "cleanup.policy": "compact"}); err != nil {
			t.Fatal(err)
		}
		if ev := recv(t, tch); ev.Type != znode.EventNodeChildrenChanged {
			t.Fatalf("topics watch %+v", ev)
		}
		got, err := other.TopicAssignment(ctx, "orders")
		if err != nil || !reflect.DeepEqual(got.TopicAssignment, a) || got.ZkVersion != 0 || got.Name != "orders" {
			t.Fatalf("assignment %+v %v", got, err)
		}
		d, _, _ := s.Tree().Get(ctx, zkdata.TopicConfigPath("orders"))
		if string(d) != `{"version":1,"config":{"cleanup.policy":"compact","retention.ms":"1000"}}` {
			t.Fatalf("config znode %s", d)
		}
		if err := s.CreateTopic(ctx, "orders", a, nil); !errors.Is(err, ErrTopicExists) {
			t.Fatalf("second create: %v", err)
		}
		if c, _ := s.TopicConfig(ctx, "orders"); c["retention.ms"] != "1000" {
			t.Fatalf("a failed create changed the config: %v", c)
		}
		// grow it (CreatePartitions): CAS on the version
		a2 := assignment(5, 2)
		v, err := s.SetTopicAssignment(ctx, "orders", a2, got.ZkVersion, nil)
		if err != nil || v != 1 {
			t.Fatal(v, err)
		}
		if _, err := s.SetTopicAssignment(ctx, "orders", a2, got.ZkVersion, nil); !errors.Is(err, znode.ErrBadVersion) {
			t.Fatalf("stale assignment write: %v", err)
		}
		if _, err := s.SetTopicAssignment(ctx, "nope", a2, znode.AnyVersion, nil); !errors.Is(err, ErrNoTopic) {
			t.Fatalf("assignment of a missing topic: %v", err)
		}
		all, err := s.TopicAssignments(ctx, []string{"orders", "nope"})
		if err != nil || len(all) != 1 || len(all["orders"].Partitions) != 5 {
			t.Fatalf("%+v %v", all, err)
		}
		// configs and their notifications
		seq1, err := s.SetTopicConfig(ctx, "orders", map[string]string{"retention.ms": "2000"})
		if err != nil {
			t.Fatal(err)
		}
		seq2, err := s.SetBrokerConfig(ctx, zkdata.DefaultEntity, map[string]string{"log.retention.ms": "5"})
		if err != nil || seq2 <= seq1 {
			t.Fatal(seq1, seq2, err)
		}
		if _, err := s.SetBrokerConfig(ctx, "1", map[string]string{"log.cleaner.threads": "2"}); err != nil {
			t.Fatal(err)
		}
		changes, err := other.ConfigChanges(ctx, -1)
		if err != nil || len(changes) != 3 || changes[0].Seq != seq1 || changes[0].EntityPath() != "topics/orders" ||
			changes[1].EntityPath() != "brokers/<default>" || changes[2].EntityPath() != "brokers/1" {
			t.Fatalf("changes %+v %v", changes, err)
		}
		d, _, _ = s.Tree().Get(ctx, zkdata.ConfigChangesPath+"/"+zkdata.SequenceName(zkdata.ConfigChangePrefix, seq2))
		if string(d) != `{"version":2,"entity_path":"brokers/<default>"}` {
			t.Fatalf("notification %s", d)
		}
		later, ch, err := other.ConfigChangesW(ctx, seq2)
		if err != nil || len(later) != 1 {
			t.Fatalf("after %d: %+v %v", seq2, later, err)
		}
		if _, err := s.SetTopicConfig(ctx, "orders", nil); err != nil {
			t.Fatal(err)
		}
		if ev := recv(t, ch); ev.Type != znode.EventNodeChildrenChanged {
			t.Fatalf("%+v", ev)
		}
		if c, _ := other.TopicConfig(ctx, "orders"); len(c) != 0 {
			t.Fatalf("cleared config %v", c)
		}
		if c, _ := other.BrokerConfig(ctx, zkdata.DefaultEntity); c["log.retention.ms"] != "5" {
			t.Fatalf("%v", c)
		}
		bcs, err := other.EntityConfigs(ctx, zkdata.ConfigTypeBroker)
		if err != nil || len(bcs) != 2 {
			t.Fatalf("%v %v", bcs, err)
		}
		if err := s.DeleteConfigChanges(ctx, []int64{seq1, seq2, 999}); err != nil {
			t.Fatal(err)
		}
		if cs, _ := s.ConfigChanges(ctx, -1); len(cs) != 2 {
			t.Fatalf("after purge %+v", cs)
		}

		// deletion marks
		if err := s.MarkTopicForDeletion(ctx, "nope"); !errors.Is(err, ErrNoTopic) {
			t.Fatalf("mark a missing topic: %v", err)
		}
		_, dch, _ := other.TopicDeletionsW(ctx)
		if err := s.MarkTopicForDeletion(ctx, "orders"); err != nil {
			t.Fatal(err)
		}
		if ev := recv(t, dch); ev.Type != znode.EventNodeChildrenChanged {
			t.Fatalf("%+v", ev)
		}
		if err := s.MarkTopicForDeletion(ctx, "orders"); !errors.Is(err, ErrMarkedForDeletion) {
			t.Fatalf("mark twice: %v", err)
		}
		err = s.CreateTopic(ctx, "orders", a, nil)
		if !errors.Is(err, ErrMarkedForDeletion) || !errors.Is(err, ErrTopicExists) || !strings.Contains(err.Error(), "marked for deletion") {
			t.Fatalf("create while marked: %v", err)
		}
		if ds, _ := other.TopicDeletions(ctx); !reflect.DeepEqual(ds, []string{"orders"}) {
			t.Fatalf("deletions %v", ds)
		}
		e, err := s.TryElectController(ctx, 0)
		if err != nil || !e.Won {
			t.Fatal(e, err)
		}
		if _, err := s.CreatePartitionStates(ctx, e.Fence, map[zkdata.TopicPartition]zkdata.PartitionState{{Topic: "orders", Partition: 0}: {Leader: 0, ISR: []int32{0}}}); err != nil {
			t.Fatal(err)
		}
		if err := s.CompleteTopicDeletion(ctx, e.Fence, "orders"); err != nil {
			t.Fatal(err)
		}
		for _, p := range []string{zkdata.TopicPath("orders"), zkdata.TopicConfigPath("orders"), zkdata.DeleteTopicPath("orders")} {
			if ok, _, _ := other.Tree().Exists(ctx, p); ok {
				t.Errorf("%s left after the deletion", p)
			}
		}
		if err := s.ClearDeletionMarks(ctx, e.Fence, "ghost"); err != nil {
			t.Fatal(err)
		}
	})
}

// Hand-written garbage in one znode is an error naming it; the rest is
// still read.
func TestMalformedZnodes(t *testing.T) {
	forEachBackend(t, func(t *testing.T, b backend) {
		ctx := context.Background()
		s := newStore(t, b, Options{})
		if err := s.CreateTopic(ctx, "t", assignment(2, 1), nil); err != nil {
			t.Fatal(err)
		}
		e, _ := s.TryElectController(ctx, 0)
		if _, err := s.CreatePartitionStates(ctx, e.Fence, map[zkdata.TopicPartition]zkdata.PartitionState{
			tp0: {Leader: 0, ISR: []int32{0}}, tp1: {Leader: 1, ISR: []int32{1}}}); err != nil {
			t.Fatal(err)
		}
		if _, err := s.Tree().Set(ctx, zkdata.PartitionStatePath(tp1), []byte(`{"leader":"one","isr":[1]}`), znode.AnyVersion); err != nil {
			t.Fatal(err)
		}
		states, err := s.PartitionStates(ctx, []zkdata.TopicPartition{tp0, tp1})
		if !errors.Is(err, zkdata.ErrMalformed) || !strings.Contains(err.Error(), "/brokers/topics/t/partitions/1/state") ||
			!strings.Contains(err.Error(), `field "leader"`) || len(states) != 1 {
			t.Fatalf("%+v %v", states, err)
		}
		if _, err := s.Tree().Create(ctx, zkdata.TopicPath("bad"), []byte(`{"partitions":{"0":[1,}`), znode.Persistent); err != nil {
			t.Fatal(err)
		}
		if _, err := s.TopicAssignment(ctx, "bad"); !errors.Is(err, zkdata.ErrMalformed) || !strings.Contains(err.Error(), "/brokers/topics/bad") {
			t.Fatalf("%v", err)
		}
		if _, err := s.Tree().Set(ctx, zkdata.ControllerPath, []byte("nonsense"), znode.AnyVersion); err != nil {
			t.Fatal(err)
		}
		if _, _, err := s.Controller(ctx); !errors.Is(err, zkdata.ErrMalformed) || !strings.Contains(err.Error(), "/controller") {
			t.Fatalf("%v", err)
		}
	})
}

// Producer id blocks claimed concurrently from several sessions are
// disjoint and leave no gap.
func TestClaimProducerIDBlocksConcurrently(t *testing.T) {
	forEachBackend(t, func(t *testing.T, b backend) {
		ctx := context.Background()
		const sessions, workers, claims = 3, 3, 4
		var mu sync.Mutex
		var blocks []zkdata.ProducerIDBlock
		var wg sync.WaitGroup
		for i := 0; i < sessions; i++ {
			s := newStore(t, b, Options{})
			for w := 0; w < workers; w++ {
				wg.Add(1)
				go func() {
					defer wg.Done()
					for c := 0; c < claims; c++ {
						blk, err := s.ClaimProducerIDBlock(ctx, int32(i))
						if err != nil {
							t.Error(err)
							return
						}
						mu.Lock()
						blocks = append(blocks, blk)
						mu.Unlock()
					}
				}()
			}
		}
		wg.Wait()
		sort.Slice(blocks, func(i, j int) bool { return blocks[i].First < blocks[j].First })
		if len(blocks) != sessions*workers*claims {
			t.Fatalf("%d blocks", len(blocks))
		}
		for i, blk := range blocks {
			if blk.First != int64(i)*zkdata.ProducerIDBlockSize || blk.Last != blk.First+zkdata.ProducerIDBlockSize-1 {
				t.Fatalf("block %d: %+v", i, blk)
			}
		}
	})
}

// A topic of 10,000 partitions (replication factor 3) is more than one
// ZooKeeper request can carry: it is created, read, updated and deleted
// in chunks.
func TestTenThousandPartitions(t *testing.T) {
	forEachBackend(t, func(t *testing.T, b backend) {
		ctx := context.Background()
		s := newStore(t, b, Options{})
		const n = 10000
		start := time.Now()
		a := assignment(n, 3)
		if err := s.CreateTopic(ctx, "big", a, map[string]string{"segment.bytes": "1048576"}); err != nil {
			t.Fatal(err)
		}
		e, err := s.TryElectController(ctx, 0)
		if err != nil || !e.Won {
			t.Fatal(e, err)
		}
		states := map[zkdata.TopicPartition]zkdata.PartitionState{}
		tps := make([]zkdata.TopicPartition, 0, n)
		for p := int32(0); p < n; p++ {
			tp := zkdata.TopicPartition{Topic: "big", Partition: p}
			tps = append(tps, tp)
			states[tp] = zkdata.PartitionState{Leader: a.Partitions[p].Replicas[0], ControllerEpoch: e.Fence.Epoch, ISR: a.Partitions[p].Replicas}
		}
		t.Logf("topic created %v", time.Since(start))
		res, err := s.CreatePartitionStates(ctx, e.Fence, states)
		t.Logf("states created %v", time.Since(start))
		if err != nil {
			t.Fatal(err)
		}
		for tp, r := range res {
			if r.Err != nil {
				t.Fatalf("%v: %v", tp, r.Err)
			}
		}
		got, err := s.PartitionStates(ctx, tps)
		if err != nil || len(got) != n {
			t.Fatalf("read %d states: %v", len(got), err)
		}
		t.Logf("states read %v", time.Since(start))
		if ps, _ := s.PartitionsOf(ctx, "big"); len(ps) != n {
			t.Fatalf("%d partition znodes", len(ps))
		}
		updates := map[zkdata.TopicPartition]StateUpdate{}
		for tp, st := range got {
			st.LeaderEpoch++
			updates[tp] = StateUpdate{State: st.PartitionState, ExpectedZkVersion: st.ZkVersion}
		}
		res, err = s.UpdatePartitionStates(ctx, e.Fence, updates)
		if err != nil {
			t.Fatal(err)
		}
		for tp, r := range res {
			if r.Err != nil || r.ZkVersion != 1 {
				t.Fatalf("%v: %+v", tp, r)
			}
		}
		t.Logf("states updated %v", time.Since(start))
		if err := s.MarkTopicForDeletion(ctx, "big"); err != nil {
			t.Fatal(err)
		}
		if err := s.CompleteTopicDeletion(ctx, e.Fence, "big"); err != nil {
			t.Fatal(err)
		}
		if ok, _, _ := s.Tree().Exists(ctx, zkdata.TopicPath("big")); ok {
			t.Fatal("topic left after deletion")
		}
		t.Logf("10,000 partitions created, read, updated and deleted in %v", time.Since(start))
	})
}

func TestNotifications(t *testing.T) {
	forEachBackend(t, func(t *testing.T, b backend) {
		ctx := context.Background()
		s := newStore(t, b, Options{})
		e, _ := s.TryElectController(ctx, 0)
		seqs, ch, err := s.IsrChangeNotificationsW(ctx)
		if err != nil || len(seqs) != 0 {
			t.Fatal(seqs, err)
		}
		n1, err := s.CreateIsrChangeNotification(ctx, []zkdata.TopicPartition{tp0})
		if err != nil {
			t.Fatal(err)
		}
		recv(t, ch)
		n2, _ := s.CreateIsrChangeNotification(ctx, []zkdata.TopicPartition{tp1, {Topic: "u", Partition: 3}})
		seqs, _, _ = s.IsrChangeNotificationsW(ctx)
		if !reflect.DeepEqual(seqs, []int64{n1, n2}) {
			t.Fatalf("%v, want %d %d", seqs, n1, n2)
		}
		tps, err := s.IsrChangePartitions(ctx, seqs)
		if err != nil || len(tps) != 3 {
			t.Fatalf("%v %v", tps, err)
		}
		if err := s.DeleteIsrChangeNotifications(ctx, e.Fence, seqs); err != nil {
			t.Fatal(err)
		}
		if seqs, _, _ = s.IsrChangeNotificationsW(ctx); len(seqs) != 0 {
			t.Fatalf("left %v", seqs)
		}
		l1, err := s.CreateLogDirEvent(ctx, 4)
		if err != nil {
			t.Fatal(err)
		}
		ls, _, _ := s.LogDirEventsW(ctx)
		if brokers, err := s.LogDirEventBrokers(ctx, ls); err != nil || !reflect.DeepEqual(brokers, []int32{4}) || ls[0] != l1 {
			t.Fatalf("%v %v", brokers, err)
		}
		if err := s.DeleteLogDirEvents(ctx, e.Fence, ls); err != nil {
			t.Fatal(err)
		}
		// Reassignment and preferred election znodes written by old tools.
		if _, ok, _ := s.PartitionReassignment(ctx); ok {
			t.Fatal("reassignment before any")
		}
		if _, err := s.Tree().Create(ctx, zkdata.ReassignPartitionsPath, zkdata.EncodeReassignment(map[zkdata.TopicPartition][]int32{tp0: {1, 2}}), znode.Persistent); err != nil {
			t.Fatal(err)
		}
		if r, ok, err := s.PartitionReassignment(ctx); err != nil || !ok || !reflect.DeepEqual(r[tp0], []int32{1, 2}) {
			t.Fatal(r, ok, err)
		}
		if err := s.DeletePartitionReassignment(ctx, e.Fence); err != nil {
			t.Fatal(err)
		}
		if _, err := s.Tree().Create(ctx, zkdata.PreferredReplicaElectPath, zkdata.EncodePreferredReplicaElection([]zkdata.TopicPartition{tp1}), znode.Persistent); err != nil {
			t.Fatal(err)
		}
		if tps, ok, err := s.PreferredReplicaElection(ctx); err != nil || !ok || !reflect.DeepEqual(tps, []zkdata.TopicPartition{tp1}) {
			t.Fatal(tps, ok, err)
		}
		if err := s.DeletePreferredReplicaElection(ctx, e.Fence); err != nil {
			t.Fatal(err)
		}
		for _, p := range []string{zkdata.ReassignPartitionsPath, zkdata.PreferredReplicaElectPath} {
			if ok, _, _ := s.Tree().Exists(ctx, p); ok {
				t.Errorf("%s left", p)
			}
		}
	})
}

// The first claim on the empty znode a broker creates at start gets the
// first block; the znodes of CreateTopLevelPaths are Kafka's.
func TestTopLevelPaths(t *testing.T) {
	forEachBackend(t, func(t *testing.T, b backend) {
		ctx := context.Background()
		s := newStore(t, b, Options{})
		for _, p := range zkdata.PersistentPaths {
			if d, _, err := s.Tree().Get(ctx, p); err != nil || len(d) != 0 {
				t.Errorf("%s: %q %v", p, d, err)
			}
		}
		if blk, err := s.ClaimProducerIDBlock(ctx, 7); err != nil || blk != (zkdata.ProducerIDBlock{Broker: 7, First: 0, Last: 999}) {
			t.Fatalf("%+v %v", blk, err)
		}
		d, _, _ := s.Tree().Get(ctx, zkdata.ProducerIDBlockPath)
		if string(d) != `{"version":1,"broker":7,"block_start":"0","block_end":"999"}` {
			t.Fatalf("%s", d)
		}
	})
}

// A topic subtree with a znode Kafka would not put there is still deleted
// whole.
func TestCompleteTopicDeletionUnexpectedZnodes(t *testing.T) {
	forEachBackend(t, func(t *testing.T, b backend) {
		ctx := context.Background()
		s := newStore(t, b, Options{})
		if err := s.CreateTopic(ctx, "t", assignment(2, 1), nil); err != nil {
			t.Fatal(err)
		}
		e, _ := s.TryElectController(ctx, 0)
		if _, err := s.CreatePartitionStates(ctx, e.Fence, map[zkdata.TopicPartition]zkdata.PartitionState{tp0: {ISR: []int32{0}}, tp1: {ISR: []int32{0}}}); err != nil {
			t.Fatal(err)
		}
		for _, p := range []string{zkdata.TopicPartitionPath(tp1) + "/extra", zkdata.TopicPartitionPath(tp1) + "/extra/deeper", zkdata.TopicPath("t") + "/other"} {
			if _, err := s.Tree().Create(ctx, p, nil, znode.Persistent); err != nil {
				t.Fatal(err)
			}
		}
		if err := s.CompleteTopicDeletion(ctx, e.Fence, "t"); err != nil {
			t.Fatal(err)
		}
		if ok, _, _ := s.Tree().Exists(ctx, zkdata.TopicPath("t")); ok {
			t.Fatal("topic left")
		}
	})
}

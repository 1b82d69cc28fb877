package kzk

import (
	"context"
	"errors"
	"reflect"
	"sync"
	"testing"

	"sluice/cluster/internal/zkdata"
	"sluice/cluster/internal/znode"
)

var tp0 = zkdata.TopicPartition{Topic: "t", Partition: 0}
var tp1 = zkdata.TopicPartition{Topic: "t", Partition: 1}

// Two controllers: the one that lost office cannot write anything; its
// writes fail with ErrControllerMoved and change nothing.
func TestStaleControllerIsFenced(t *testing.T) {
	forEachBackend(t, func(t *testing.T, b backend) {
		ctx := context.Background()
		a, c := newStore(t, b, Options{}), newStore(t, b, Options{})
		ea, err := a.TryElectController(ctx, 1)
		if err != nil || !ea.Won || ea.Fence.Epoch != 1 {
			t.Fatalf("first election: %+v %v", ea, err)
		}
		if e, _, ok, _ := a.ControllerEpoch(ctx); !ok || e != 1 {
			t.Fatalf("/controller_epoch %d", e)
		}
		ec, err := c.TryElectController(ctx, 2)
		if err != nil || ec.Won || ec.Controller != 1 {
			t.Fatalf("second candidate: %+v %v", ec, err)
		}
		if id, ok, err := c.Controller(ctx); err != nil || !ok || id != 1 {
			t.Fatalf("controller %d %v %v", id, ok, err)
		}
		if err := a.CreateTopic(ctx, "t", zkdata.TopicAssignment{Partitions: map[int32]zkdata.ReplicaAssignment{0: {Replicas: []int32{1, 2}}, 1: {Replicas: []int32{2, 1}}}}, nil); err != nil {
			t.Fatal(err)
		}
		res, err := a.CreatePartitionStates(ctx, ea.Fence, map[zkdata.TopicPartition]zkdata.PartitionState{
			tp0: {Leader: 1, ControllerEpoch: 1, ISR: []int32{1, 2}},
			tp1: {Leader: 2, ControllerEpoch: 1, ISR: []int32{2, 1}},
		})
		if err != nil || res[tp0].Err != nil || res[tp1].Err != nil {
			t.Fatalf("create states: %+v %v", res, err)
		}

		// a loses office (its session expires: /controller goes), c is elected.
		b.expire(t, a.Tree())
		waitFor(t, "the election of the second controller", 30e9, func() bool {
			ec, err = c.TryElectController(ctx, 2)
			return err == nil && ec.Won
		})
		if ec.Fence.Epoch != 2 || ec.Fence.EpochZkVersion == ea.Fence.EpochZkVersion {
			t.Fatalf("second election: %+v", ec)
		}
		states, err := a.PartitionStates(ctx, []zkdata.TopicPartition{tp0, tp1})
		if err != nil {
			t.Fatal(err)
		}
		stale := map[zkdata.TopicPartition]StateUpdate{
			tp0: {State: zkdata.PartitionState{Leader: 2, LeaderEpoch: 1, ControllerEpoch: 1, ISR: []int32{2}}, ExpectedZkVersion: states[tp0].ZkVersion},
		}
		_, err = a.UpdatePartitionStates(ctx, ea.Fence, stale)
		if !errors.Is(err, ErrControllerMoved) {
			t.Fatalf("stale controller's state update: %v", err)
		}
		if _, err := a.FencedMulti(ctx, ea.Fence, znode.CreateOp{Path: "/x"}); !errors.Is(err, ErrControllerMoved) {
			t.Fatalf("stale controller's multi: %v", err)
		}
		if err := a.CompleteTopicDeletion(ctx, ea.Fence, "t"); !errors.Is(err, ErrControllerMoved) {
			t.Fatalf("stale controller's topic deletion: %v", err)
		}
		if _, err := a.SetTopicAssignment(ctx, "t", zkdata.TopicAssignment{}, znode.AnyVersion, &ea.Fence); !errors.Is(err, ErrControllerMoved) {
			t.Fatalf("stale controller's assignment: %v", err)
		}
		if err := a.Resign(ctx, ea.Fence); !errors.Is(err, ErrControllerMoved) {
			t.Fatalf("stale controller's resignation: %v", err)
		}
		after, err := c.PartitionStates(ctx, []zkdata.TopicPartition{tp0, tp1})
		if err != nil || !reflect.DeepEqual(after, states) {
			t.Fatalf("a fenced controller changed states:\n%+v\n%+v", after, states)
		}
		if ok, _, _ := c.Tree().Exists(ctx, "/x"); ok {
			t.Fatal("a fenced multi applied")
		}
		if id, ok, _ := c.Controller(ctx); !ok || id != 2 {
			t.Fatalf("controller %d after the stale one resigned", id)
		}

		// The new controller writes; one stale partition version fails
		// alone, the other partition is written.
		upd := map[zkdata.TopicPartition]StateUpdate{
			tp0: {State: zkdata.PartitionState{Leader: 2, LeaderEpoch: 1, ControllerEpoch: 2, ISR: []int32{2}}, ExpectedZkVersion: states[tp0].ZkVersion},
			tp1: {State: zkdata.PartitionState{Leader: 1, LeaderEpoch: 1, ControllerEpoch: 2, ISR: []int32{1}}, ExpectedZkVersion: states[tp1].ZkVersion + 7},
		}
		res, err = c.UpdatePartitionStates(ctx, ec.Fence, upd)
		if err != nil {
			t.Fatal(err)
		}
		if res[tp0].Err != nil || res[tp0].ZkVersion != states[tp0].ZkVersion+1 || !errors.Is(res[tp1].Err, znode.ErrBadVersion) {
			t.Fatalf("per-partition results %+v", res)
		}
		got, _ := c.PartitionStates(ctx, []zkdata.TopicPartition{tp0, tp1})
		if !reflect.DeepEqual(got[tp0].PartitionState, upd[tp0].State) || !reflect.DeepEqual(got[tp1], states[tp1]) {
			t.Fatalf("states after the update %+v", got)
		}
		res, _ = c.UpdatePartitionStates(ctx, ec.Fence, map[zkdata.TopicPartition]StateUpdate{{Topic: "t", Partition: 9}: {ExpectedZkVersion: 0}})
		if !errors.Is(res[zkdata.TopicPartition{Topic: "t", Partition: 9}].Err, znode.ErrNoNode) {
			t.Fatalf("update of a missing partition: %+v", res)
		}

		// Resigning deletes /controller; the watch sees it.
		_, ok, ch, err := c.ControllerW(ctx)
		if err != nil || !ok {
			t.Fatal(ok, err)
		}
		if err := c.Resign(ctx, ec.Fence); err != nil {
			t.Fatal(err)
		}
		if ev := recv(t, ch); ev.Type != znode.EventNodeDeleted {
			t.Fatalf("controller watch %+v", ev)
		}
	})
}

// Candidates racing for an empty office: exactly one wins, each epoch
// once.
func TestControllerElectionRace(t *testing.T) {
	forEachBackend(t, func(t *testing.T, b backend) {
		ctx := context.Background()
		const n = 4
		stores := make([]*Store, n)
		for i := range stores {
			stores[i] = newStore(t, b, Options{})
		}
		for round := 1; round <= 3; round++ {
			var wg sync.WaitGroup
			results := make([]Election, n)
			errs := make([]error, n)
			for i := range stores {
				wg.Add(1)
				go func() {
					defer wg.Done()
					results[i], errs[i] = stores[i].TryElectController(ctx, int32(i))
				}()
			}
			wg.Wait()
			winner := -1
			for i, r := range results {
				if errs[i] != nil {
					t.Fatal(errs[i])
				}
				if r.Won {
					if winner >= 0 {
						t.Fatalf("round %d: %d and %d both won", round, winner, i)
					}
					winner = i
				}
			}
			if winner < 0 {
				t.Fatalf("round %d: nobody won: %+v", round, results)
			}
			if results[winner].Fence.Epoch != int32(round) {
				t.Fatalf("round %d: epoch %d", round, results[winner].Fence.Epoch)
			}
			for i, r := range results {
				if i != winner && r.Controller != int32(winner) && r.Controller != -1 {
					t.Fatalf("round %d: loser %d sees controller %d, winner %d", round, i, r.Controller, winner)
				}
			}
			if err := stores[winner].Resign(ctx, results[winner].Fence); err != nil {
				t.Fatal(err)
			}
		}
	})
}

func TestFeatureZNode(t *testing.T) {
	forEachBackend(t, func(t *testing.T, b backend) {
		ctx := context.Background()
		s := newStore(t, b, Options{})
		for i := 0; i < 2; i++ {
			if err := s.SetupFeatureZNode(ctx); err != nil {
				t.Fatal(err)
			}
		}
		d, st, err := s.Tree().Get(ctx, zkdata.FeaturePath)
		if err != nil || string(d) != `{"features":{},"version":2,"status":1}` || st.Version != 0 {
			t.Fatalf("%s %+v %v", d, st, err)
		}
		if _, err := s.Tree().Set(ctx, zkdata.FeaturePath, zkdata.EncodeFeature(zkdata.Feature{Version: 1, Status: 0, Features: map[string]int16{"x": 1}}), znode.AnyVersion); err != nil {
			t.Fatal(err)
		}
		if err := s.SetupFeatureZNode(ctx); err != nil {
			t.Fatal(err)
		}
		if d, _, _ := s.Tree().Get(ctx, zkdata.FeaturePath); string(d) != `{"features":{},"version":2,"status":1}` {
			t.Fatalf("disabled feature znode not reset: %s", d)
		}
	})
}

package protocol

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kgo"
	"github.com/twmb/franz-go/pkg/kmsg"
)

// committedPlan is what the resume tests commit: offset 5+p on partition p
// of a 6-partition topic with 20 records each.
func committedPlan() map[int32]int64 {
	m := map[int32]int64{}
	for p := range int32(6) {
		m[p] = 5 + int64(p)
	}
	return m
}

// checkResumed checks that got is exactly the records from the committed
// offsets to the end of each partition (perPartition records): no gap, no
// duplicate, nothing before the commit.
func checkResumed(t *testing.T, got map[int32][]int64, committed map[int32]int64, perPartition int64) {
	t.Helper()
	for p, from := range committed {
		offs := got[p]
		if int64(len(offs)) != perPartition-from {
			t.Fatalf("partition %d: consumed offsets %v, want %d..%d", p, offs, from, perPartition-1)
		}
		for i, o := range offs {
			if o != from+int64(i) {
				t.Fatalf("partition %d: consumed offsets %v, want %d..%d", p, offs, from, perPartition-1)
			}
		}
	}
}

func commitPlan(t *testing.T, cl *kgo.Client, topic string, plan map[int32]int64) {
	t.Helper()
	offs := map[int32]kgo.EpochOffset{}
	for p, o := range plan {
		offs[p] = kgo.EpochOffset{Epoch: -1, Offset: o}
	}
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	var cerr error
	cl.CommitOffsetsSync(ctx, map[string]map[int32]kgo.EpochOffset{topic: offs}, func(_ *kgo.Client, _ *kmsg.OffsetCommitRequest, resp *kmsg.OffsetCommitResponse, err error) {
		cerr = err
		if err == nil {
			for _, rt := range resp.Topics {
				for _, rp := range rt.Partitions {
					if rp.ErrorCode != 0 && cerr == nil {
						cerr = fmt.Errorf("partition %d: error code %d", rp.Partition, rp.ErrorCode)
					}
				}
			}
		}
	})
	if cerr != nil {
		t.Fatalf("commit: %v", cerr)
	}
}

// waitConsumed waits until m consumed n records and returns their offsets
// per partition.
func waitConsumed(t *testing.T, m *kgoMember, n int) map[int32][]int64 {
	t.Helper()
	deadline := time.Now().Add(groupWait)
	for {
		recs := m.consumed()
		if len(recs) >= n {
			out := map[int32][]int64{}
			for _, r := range recs {
				out[r.Partition] = append(out[r.Partition], r.Offset)
			}
			return out
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s consumed %d of %d records", m.name, len(recs), n)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// TestGroupKgoResume: a member consumes everything and commits part of it,
// then leaves; a new member of the group resumes exactly at the committed
// offsets (classic and KIP-848).
func TestGroupKgoResume(t *testing.T) {
	for _, tc := range []struct {
		name string
		opts []kgo.GroupOpt
	}{
		{"classic", []kgo.GroupOpt{kgo.Balancers(kgo.CooperativeStickyBalancer())}},
		{"kip848", []kgo.GroupOpt{kgo.Balancers(kgo.RangeBalancer()), kgo.ServerSideBalancer()}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			b := startTestBroker(t, "", groupProps())
			addr := b.Addr().String()
			createTopic(t, b, "t", 6, nil)
			produceSpread(t, addr, "t", 6, 20)
			own := newOwnership()
			a := startKgoMember(t, addr, "g", "t", "a", own, groupOpts(tc.opts)...)
			waitConsumed(t, a, 120)
			plan := committedPlan()
			commitPlan(t, a.cl, "t", plan)
			a.close()
			c := startKgoMember(t, addr, "g", "t", "c", own, groupOpts(tc.opts)...)
			checkResumed(t, waitConsumed(t, c, 120-45), plan, 20)
			own.check(t)
		})
	}
}

// TestGroupKgoStatic: a static member (group.instance.id) restarts and
// takes its place back without a rebalance: the other member keeps its
// generation (classic) or member epoch (KIP-848) and its partitions.
func TestGroupKgoStatic(t *testing.T) {
	for _, tc := range []struct {
		name string
		opts []kgo.GroupOpt
	}{
		{"classic", []kgo.GroupOpt{kgo.Balancers(kgo.RangeBalancer())}},
		{"kip848", []kgo.GroupOpt{kgo.Balancers(kgo.RangeBalancer()), kgo.ServerSideBalancer()}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			b := startTestBroker(t, "", groupProps())
			addr := b.Addr().String()
			createTopic(t, b, "t", 6, nil)
			own := newOwnership()
			opts := func(id string) []kgo.Opt {
				return groupOpts(tc.opts, kgo.InstanceID(id), kgo.SessionTimeout(10*time.Second))
			}
			a := startKgoMember(t, addr, "g", "t", "a", own, opts("s1")...)
			c := startKgoMember(t, addr, "g", "t", "c", own, opts("s2")...)
			own.waitCovered(t, "two static members", 6, "a", "c")
			time.Sleep(time.Second) // let KIP-848 epochs settle after the last reconciliation
			genA, genC := a.generation(), c.generation()
			_, aHad := own.covered(6, []string{"a"})
			_, cHad := own.covered(6, []string{"c"})
			c.close() // a static member does not leave the group for good
			c2 := startKgoMember(t, addr, "g", "t", "c2", own, opts("s2")...)
			own.waitCovered(t, "after the restart", 6, "a", "c2")
			time.Sleep(time.Second)
			if g := a.generation(); g != genA {
				t.Fatalf("the other member's generation went %d -> %d: the static rejoin rebalanced", genA, g)
			}
			if _, aNow := own.covered(6, []string{"a"}); aNow != aHad {
				t.Fatalf("other member's partitions changed: %s -> %s", aHad, aNow)
			}
			_, c2Has := own.covered(6, []string{"c2"})
			if c2Has[len("c2"):] != cHad[len("c"):] {
				t.Fatalf("restarted member got %s, had %s", c2Has, cHad)
			}
			t.Logf("generations: a %d, c %d, restarted c %d", genA, genC, c2.generation())
			own.check(t)
		})
	}
}

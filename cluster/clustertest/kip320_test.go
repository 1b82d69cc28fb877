package clustertest

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kgo"
)

// produceSync produces values to partition 0 of topic with cl and fails
// the test on any error.
func produceSync(t *testing.T, cl *kgo.Client, topic string, values []string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	recs := make([]*kgo.Record, len(values))
	for i, v := range values {
		recs[i] = &kgo.Record{Topic: topic, Partition: 0, Value: []byte(v)}
	}
	if err := cl.ProduceSync(ctx, recs...).FirstErr(); err != nil {
		t.Fatalf("produce %d records: %v", len(values), err)
	}
}

func values(prefix string, n int) []string {
	out := make([]string, n)
	for i := range out {
		out[i] = fmt.Sprintf("%s-%d", prefix, i)
	}
	return out
}

// kip320Consumer is a franz-go consumer polling in the background and
// recording every record and every fetch error it sees, in order.
type kip320Consumer struct {
	mu     sync.Mutex
	recs   []*kgo.Record
	errs   []error
	events []string // "rec <offset> <value>" / "err <error>", in poll order
}

func (k *kip320Consumer) snapshot() ([]*kgo.Record, []error) {
	k.mu.Lock()
	defer k.mu.Unlock()
	return slices.Clone(k.recs), slices.Clone(k.errs)
}

// TestKIP320TruncationDetectedAfterUncleanElection: a franz-go consumer that
// read records only the old leader had detects, after an unclean election
// to a replica without them, that the log was truncated (OffsetForLeaderEpoch
// says the epoch it consumed at ends before its position), reports
// *kgo.ErrDataLoss, resets to where the logs diverged and reads what the new
// leader wrote there.
func TestKIP320TruncationDetectedAfterUncleanElection(t *testing.T) {
	c := startCluster(t, 3, nil)
	adm := c.admin()
	tree := c.zk()
	const topic = "kip320"
	const N, M, K = 20, 15, 10
	createAssignedWithConfigs(t, c, topic, [][]int32{{0, 1}}, map[string]string{
		"unclean.leader.election.enable": "true",
		"min.insync.replicas":            "1",
	})
	c.waitTopic(adm, topic, 2, 30*time.Second)
	c.waitTopicOnAll(topic, 30*time.Second)
	st := waitStates(t, tree, topic, 1, 30*time.Second, "leader 0, ISR [0 1]",
		func(st partitionState) bool { return st.Leader == 0 && slices.Equal(st.ISR, []int32{0, 1}) })
	t.Logf("initial state: %+v", st[0])
	leader, follower := c.broker(0), c.broker(1)

	// N records with acks=all, both replicas in sync.
	pAll, err := kgo.NewClient(kgo.SeedBrokers(c.Seeds()...), kgo.RequiredAcks(kgo.AllISRAcks()))
	if err != nil {
		t.Fatal(err)
	}
	defer pAll.Close()
	nVals := values("n", N)
	produceSync(t, pAll, topic, nVals)

	// Consumer from the start, polling in the background.
	cons, err := kgo.NewClient(
		kgo.SeedBrokers(c.Seeds()...),
		kgo.ConsumePartitions(map[string]map[int32]kgo.Offset{topic: {0: kgo.NewOffset().AtStart()}}),
		kgo.MetadataMinAge(250*time.Millisecond),
		kgo.MetadataMaxAge(2*time.Second),
		kgo.FetchMaxWait(500*time.Millisecond),
	)
	if err != nil {
		t.Fatal(err)
	}
	k := &kip320Consumer{}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		defer close(done)
		for ctx.Err() == nil {
			fs := cons.PollFetches(ctx)
			k.mu.Lock()
			fs.EachError(func(tp string, p int32, err error) {
				if errors.Is(err, context.Canceled) {
					return
				}
				k.errs = append(k.errs, err)
				k.events = append(k.events, fmt.Sprintf("err %v", err))
			})
			fs.EachRecord(func(r *kgo.Record) {
				k.recs = append(k.recs, r)
				k.events = append(k.events, fmt.Sprintf("rec %d epoch %d %s", r.Offset, r.LeaderEpoch, r.Value))
			})
			k.mu.Unlock()
		}
	}()
	defer func() {
		cancel()
		<-done
		cons.Close()
		if t.Failed() {
			k.mu.Lock()
			t.Logf("consumer saw:\n%s", strings.Join(k.events, "\n"))
			k.mu.Unlock()
		}
	}()
	waitFor(t, 30*time.Second, fmt.Sprintf("consumer reads the first %d records", N), func() bool {
		recs, _ := k.snapshot()
		return len(recs) >= N
	})

	// Follower down; M records with acks=1 only the leader has.
	follower.Kill()
	waitStates(t, tree, topic, 1, 30*time.Second, "ISR shrinks to [0]",
		func(st partitionState) bool { return st.Leader == 0 && slices.Equal(st.ISR, []int32{0}) })
	pOne, err := kgo.NewClient(kgo.SeedBrokers(c.Seeds()...),
		kgo.RequiredAcks(kgo.LeaderAck()), kgo.DisableIdempotentWrite())
	if err != nil {
		t.Fatal(err)
	}
	defer pOne.Close()
	mVals := values("m", M)
	produceSync(t, pOne, topic, mVals)
	waitFor(t, 30*time.Second, fmt.Sprintf("consumer reads all %d records", N+M), func() bool {
		recs, _ := k.snapshot()
		return len(recs) >= N+M
	})
	recs, errs := k.snapshot()
	if len(recs) != N+M || len(errs) != 0 {
		t.Fatalf("before the election: %d records (want %d), errors %v", len(recs), N+M, errs)
	}
	nm := append(slices.Clone(nVals), mVals...)
	for i, r := range recs {
		want := nm[i]
		if r.Offset != int64(i) || string(r.Value) != want {
			t.Fatalf("record %d: offset %d value %q, want offset %d value %q", i, r.Offset, r.Value, i, want)
		}
	}
	// The controller bumps the leader epoch when it drops the dead
	// follower from the ISR (as Kafka's ZooKeeper-mode controller does), so
	// the M records carry a later epoch than the N.
	nEpoch, consumedEpoch := recs[N-1].LeaderEpoch, recs[N+M-1].LeaderEpoch

	// Leader down; the old follower (without the M records) comes back
	// and, unclean election enabled, becomes leader.
	leader.Kill()
	if err := follower.Start(); err != nil {
		t.Fatal(err)
	}
	st = waitStates(t, tree, topic, 1, 60*time.Second, "unclean election of broker 1",
		func(st partitionState) bool { return st.Leader == 1 && slices.Equal(st.ISR, []int32{1}) })
	newEpoch := st[0].LeaderEpoch
	t.Logf("after the unclean election: %+v (records consumed at epoch %d)", st[0], consumedEpoch)
	waitFor(t, 30*time.Second, "metadata shows leader 1", func() bool {
		ctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
		defer cancel()
		md, err := adm.Metadata(ctx, topic)
		if err != nil {
			return false
		}
		p, ok := md.Topics[topic].Partitions[0]
		return ok && p.Leader == 1 && p.LeaderEpoch == newEpoch
	})
	kVals := values("k", K)
	produceSync(t, pAll, topic, kVals)

	// The consumer must detect the truncation: the new leader never had
	// the epoch it consumed the M records at, so OffsetForLeaderEpoch
	// answers with the largest epoch it has below that (the N records'
	// epoch) and where it ends: N, below the consumer's position N+M.
	waitFor(t, 60*time.Second, fmt.Sprintf("consumer reads the %d records written after the election", K), func() bool {
		recs, _ := k.snapshot()
		return len(recs) >= N+M+K
	})
	recs, errs = k.snapshot()
	var loss *kgo.ErrDataLoss
	var others []error
	for _, err := range errs {
		var dl *kgo.ErrDataLoss
		if errors.As(err, &dl) {
			if loss != nil {
				t.Errorf("second ErrDataLoss: %v (first %v)", dl, loss)
			}
			loss = dl
		} else {
			others = append(others, err)
		}
	}
	if loss == nil {
		t.Fatalf("no *kgo.ErrDataLoss reported; errors %v", errs)
	}
	t.Logf("franz-go reported: %v (%+v); other fetch errors: %v", loss, *loss, others)
	if loss.Topic != topic || loss.Partition != 0 ||
		loss.ConsumedTo != N+M || loss.ConsumedToEpoch != consumedEpoch ||
		loss.ResetTo != N || loss.ResetToEpoch != nEpoch {
		t.Errorf("ErrDataLoss %+v, want topic %s partition 0 consumed to %d epoch %d, reset to %d epoch %d",
			*loss, topic, N+M, consumedEpoch, N, nEpoch)
	}
	if len(recs) != N+M+K {
		t.Errorf("consumer read %d records, want %d", len(recs), N+M+K)
	}
	for i, r := range recs[N+M:] {
		if r.Offset != int64(N+i) || string(r.Value) != kVals[i] || r.LeaderEpoch != newEpoch {
			t.Errorf("record %d after the reset: offset %d epoch %d value %q, want offset %d epoch %d value %q",
				i, r.Offset, r.LeaderEpoch, r.Value, N+i, newEpoch, kVals[i])
		}
	}

	// The old leader comes back: it truncates its M records to the new
	// leader's log and rejoins the ISR.
	if err := leader.Start(); err != nil {
		t.Fatal(err)
	}
	waitStates(t, tree, topic, 1, 60*time.Second, "broker 0 back in the ISR",
		func(st partitionState) bool { return slices.Equal(st.ISR, []int32{0, 1}) })

	// Move leadership back to broker 0 (preferred) and read its whole log:
	// N then K records, none of the M.
	waitFor(t, 30*time.Second, "preferred election of broker 0", func() bool {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		_, _ = adm.ElectLeaders(ctx, kadm.ElectPreferredReplica, kadm.TopicsSet{topic: {0: {}}})
		st, err := stateOf(ctx, tree, topic, 0)
		return err == nil && st.Leader == 0
	})
	c.waitTopicOnAll(topic, 30*time.Second)
	want := append(slices.Clone(nVals), kVals...)
	rd, err := kgo.NewClient(kgo.SeedBrokers(c.Seeds()...),
		kgo.ConsumePartitions(map[string]map[int32]kgo.Offset{topic: {0: kgo.NewOffset().AtStart()}}),
		kgo.FetchMaxWait(500*time.Millisecond))
	if err != nil {
		t.Fatal(err)
	}
	defer rd.Close()
	var got []string
	rctx, rcancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer rcancel()
	for len(got) < len(want) && rctx.Err() == nil {
		fs := rd.PollFetches(rctx)
		fs.EachError(func(_ string, _ int32, err error) {
			if !errors.Is(err, context.DeadlineExceeded) {
				t.Errorf("reading from broker 0: %v", err)
			}
		})
		fs.EachRecord(func(r *kgo.Record) { got = append(got, string(r.Value)) })
	}
	if !slices.Equal(got, want) {
		t.Errorf("broker 0's log after rejoining: %v, want %v", got, want)
	}
	for _, line := range strings.Split(leader.Output(), "\n") {
		if strings.Contains(line, "truncating") && strings.Contains(line, topic) {
			t.Logf("broker 0: %s", line)
		}
	}
}

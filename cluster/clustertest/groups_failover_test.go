package clustertest

import (
	"context"
	"fmt"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/IBM/sarama"
	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kgo"
)

// offsetsPartition is the __consumer_offsets partition of a group:
// Utils.abs(groupId.hashCode) % partitions, with Java's String.hashCode.
func offsetsPartition(group string, partitions int32) int32 {
	var h int32
	for _, r := range group { // ASCII names: UTF-16 units are the runes
		h = 31*h + int32(r)
	}
	if h == -1<<31 {
		h = 0
	} else if h < 0 {
		h = -h
	}
	return h % partitions
}

// coordinator asks the cluster which broker coordinates group, retrying
// while __consumer_offsets is being created or moving.
func coordinator(t *testing.T, adm *kadm.Client, group string, timeout time.Duration) int32 {
	t.Helper()
	deadline := time.Now().Add(timeout)
	var last error
	for time.Now().Before(deadline) {
		ctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
		res := adm.FindGroupCoordinators(ctx, group)
		cancel()
		for _, r := range res {
			if r.Err == nil {
				return r.NodeID
			}
			last = r.Err
		}
		time.Sleep(200 * time.Millisecond)
	}
	t.Fatalf("no coordinator for group %s after %v: %v", group, timeout, last)
	return -1
}

// seenSet counts the distinct values a consumer read (and all reads).
type seenSet struct {
	mu    sync.Mutex
	vals  map[int64]bool
	reads int
}

func (s *seenSet) add(value []byte) {
	v, err := strconv.ParseInt(string(value), 10, 64)
	if err != nil {
		v = -1
	}
	s.mu.Lock()
	s.vals[v] = true
	s.reads++
	s.mu.Unlock()
}

// missing returns how many of 0..n-1 were not read, and the reads.
func (s *seenSet) missing(n int64) (int64, int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	var m int64
	for v := range n {
		if !s.vals[v] {
			m++
		}
	}
	return m, s.reads
}

// franzMember consumes topic in group, committing after every poll.
func franzMember(t *testing.T, seeds []string, group, topic string, seen *seenSet) (stop func()) {
	t.Helper()
	cl, err := kgo.NewClient(kgo.SeedBrokers(seeds...), kgo.ConsumerGroup(group), kgo.ConsumeTopics(topic),
		kgo.DisableAutoCommit(), kgo.FetchMaxWait(200*time.Millisecond),
		kgo.SessionTimeout(6*time.Second), kgo.HeartbeatInterval(500*time.Millisecond),
		kgo.RetryBackoffFn(func(int) time.Duration { return 200 * time.Millisecond }))
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		defer close(done)
		for ctx.Err() == nil {
			fs := cl.PollFetches(ctx)
			fs.EachRecord(func(r *kgo.Record) { seen.add(r.Value) })
			// Errors (a coordinator moving) are retried at the next poll.
			cctx, ccancel := context.WithTimeout(ctx, 5*time.Second)
			_ = cl.CommitUncommittedOffsets(cctx)
			ccancel()
		}
	}()
	return func() {
		cancel()
		<-done
		cctx, ccancel := context.WithTimeout(context.Background(), 10*time.Second)
		_ = cl.CommitUncommittedOffsets(cctx)
		ccancel()
		cl.Close() // leaves the group
	}
}

type saramaHandler struct{ seen *seenSet }

func (saramaHandler) Setup(sarama.ConsumerGroupSession) error   { return nil }
func (saramaHandler) Cleanup(sarama.ConsumerGroupSession) error { return nil }
func (h saramaHandler) ConsumeClaim(s sarama.ConsumerGroupSession, c sarama.ConsumerGroupClaim) error {
	for {
		select {
		case m, ok := <-c.Messages():
			if !ok {
				return nil
			}
			h.seen.add(m.Value)
			s.MarkMessage(m, "")
		case <-s.Context().Done():
			return nil
		}
	}
}

// saramaMember consumes topic in group with sarama's ConsumerGroup
// (offsets auto-committed every 200ms).
func saramaMember(t *testing.T, seeds []string, group, topic string, seen *seenSet) (stop func()) {
	t.Helper()
	cfg := sarama.NewConfig()
	cfg.Version = sarama.V3_6_0_0
	cfg.Consumer.Group.Heartbeat.Interval = 500 * time.Millisecond
	cfg.Consumer.Group.Session.Timeout = 6 * time.Second
	cfg.Consumer.Offsets.Initial = sarama.OffsetOldest
	cfg.Consumer.Offsets.AutoCommit.Interval = 200 * time.Millisecond
	cfg.Consumer.MaxWaitTime = 200 * time.Millisecond
	cfg.Consumer.Retry.Backoff = 200 * time.Millisecond
	cfg.Metadata.Retry.Max = 100
	cfg.Metadata.Retry.Backoff = 200 * time.Millisecond
	cg, err := sarama.NewConsumerGroup(seeds, group, cfg)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		defer close(done)
		for ctx.Err() == nil {
			if err := cg.Consume(ctx, []string{topic}, saramaHandler{seen}); err != nil && ctx.Err() == nil {
				time.Sleep(200 * time.Millisecond)
			}
		}
	}()
	return func() {
		cancel()
		<-done
		cg.Close()
	}
}

// produceValues writes values [from, to) with acks=all and waits for them.
func produceValues(t *testing.T, ctx context.Context, seeds []string, topic string, from, to int64) {
	t.Helper()
	cl, err := kgo.NewClient(kgo.SeedBrokers(seeds...), kgo.RequiredAcks(kgo.AllISRAcks()), kgo.DefaultProduceTopic(topic),
		kgo.RetryBackoffFn(func(int) time.Duration { return 200 * time.Millisecond }))
	if err != nil {
		t.Fatal(err)
	}
	defer cl.Close()
	var mu sync.Mutex
	var first error
	for v := from; v < to; v++ {
		cl.Produce(ctx, &kgo.Record{Key: []byte(fmt.Sprint(v % 13)), Value: []byte(strconv.FormatInt(v, 10))}, func(_ *kgo.Record, err error) {
			mu.Lock()
			if err != nil && first == nil {
				first = err
			}
			mu.Unlock()
		})
	}
	if err := cl.Flush(ctx); err != nil {
		t.Fatal(err)
	}
	if first != nil {
		t.Fatalf("produce [%d, %d): %v", from, to, first)
	}
}

// waitConsumed waits until seen holds every value below n.
func waitConsumed(t *testing.T, name string, seen *seenSet, n int64, timeout time.Duration) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for {
		m, reads := seen.missing(n)
		if m == 0 {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s: %d of the first %d values never consumed (%d reads) after %v", name, m, n, reads, timeout)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// waitCommitted waits until group's committed offsets reach the topic's
// end offsets on every partition.
func waitCommitted(t *testing.T, adm *kadm.Client, group, topic string, timeout time.Duration) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	var last string
	for time.Now().Before(deadline) {
		ctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
		ends, err1 := adm.ListEndOffsets(ctx, topic)
		offs, err2 := adm.FetchOffsets(ctx, group)
		cancel()
		if err1 == nil && err2 == nil {
			behind := 0
			ends.Each(func(o kadm.ListedOffset) {
				if c, ok := offs.Lookup(topic, o.Partition); !ok || c.At < o.Offset {
					behind++
				}
			})
			if behind == 0 {
				return
			}
			last = fmt.Sprintf("%d partitions behind", behind)
		} else {
			last = fmt.Sprintf("%v / %v", err1, err2)
		}
		time.Sleep(200 * time.Millisecond)
	}
	t.Fatalf("group %s has not committed the end of %s after %v: %s", group, topic, timeout, last)
}

// onlyOnce makes a stop function safe to call twice.
func onlyOnce(f func()) func() {
	var once sync.Once
	return func() { once.Do(f) }
}

// TestGroupsFollowCoordinatorFailover: a franz-go group and a sarama
// group, both coordinated by the same broker, consume an RF-3 topic and
// commit. That broker is SIGKILLed; FindCoordinator then names the new
// leader of the groups' __consumer_offsets partitions, the members carry
// on from their commits (at least once: nothing lost), their new commits
// land there, and a fresh franz-go member starts exactly at them.
func TestGroupsFollowCoordinatorFailover(t *testing.T) {
	c := startCluster(t, 3, nil)
	adm := c.admin()
	seeds := c.Seeds()
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	const topic = "g-events"
	if _, err := adm.CreateTopic(ctx, 6, 3, nil, topic); err != nil {
		t.Fatal(err)
	}
	c.waitTopic(adm, topic, 3, 30*time.Second)

	const franzGroup = "franz-g"
	coord := coordinator(t, adm, franzGroup, 30*time.Second)
	c.waitTopic(adm, "__consumer_offsets", 3, 30*time.Second)
	saramaGroup := ""
	for i := range 40 {
		g := fmt.Sprintf("sarama-g-%d", i)
		if coordinator(t, adm, g, 10*time.Second) == coord {
			saramaGroup = g
			break
		}
	}
	if saramaGroup == "" {
		t.Fatalf("no sarama-g-N group coordinated by broker %d", coord)
	}
	for _, g := range []string{franzGroup, saramaGroup} {
		p := offsetsPartition(g, 6)
		if l := leaderOf(t, adm, "__consumer_offsets", p); l != coord {
			t.Fatalf("group %s: coordinator %d, but __consumer_offsets-%d is led by %d", g, coord, p, l)
		}
	}
	t.Logf("groups %s and %s coordinated by broker %d", franzGroup, saramaGroup, coord)

	produceValues(t, ctx, seeds, topic, 0, 2000)
	franzSeen := &seenSet{vals: map[int64]bool{}}
	saramaSeen := &seenSet{vals: map[int64]bool{}}
	stopFranz := onlyOnce(franzMember(t, seeds, franzGroup, topic, franzSeen))
	defer stopFranz()
	stopSarama := onlyOnce(saramaMember(t, seeds, saramaGroup, topic, saramaSeen))
	defer stopSarama()
	waitConsumed(t, "franz-go", franzSeen, 2000, 60*time.Second)
	waitConsumed(t, "sarama", saramaSeen, 2000, 60*time.Second)
	waitCommitted(t, adm, franzGroup, topic, 30*time.Second)
	waitCommitted(t, adm, saramaGroup, topic, 30*time.Second)

	victim := c.broker(coord)
	victim.Kill()
	killedAt := time.Now()
	t.Logf("killed broker %d, the coordinator", coord)
	for _, g := range []string{franzGroup, saramaGroup} {
		newCoord := int32(-1)
		waitFor(t, 30*time.Second, "new coordinator of "+g, func() bool {
			newCoord = coordinator(t, adm, g, 10*time.Second)
			return newCoord != coord
		})
		p := offsetsPartition(g, 6)
		if l := leaderOf(t, adm, "__consumer_offsets", p); l != newCoord {
			t.Errorf("group %s: new coordinator %d, but __consumer_offsets-%d is led by %d", g, newCoord, p, l)
		}
		t.Logf("group %s: coordinator moved to broker %d (leader of __consumer_offsets-%d) %v after the kill",
			g, newCoord, p, time.Since(killedAt).Round(time.Millisecond))
	}

	produceValues(t, ctx, seeds, topic, 2000, 4000)
	waitConsumed(t, "franz-go", franzSeen, 4000, 60*time.Second)
	waitConsumed(t, "sarama", saramaSeen, 4000, 60*time.Second)
	waitCommitted(t, adm, franzGroup, topic, 30*time.Second)
	waitCommitted(t, adm, saramaGroup, topic, 30*time.Second)
	_, fr := franzSeen.missing(4000)
	_, sr := saramaSeen.missing(4000)
	t.Logf("reads of 4000 records: franz-go %d, sarama %d (duplicates are allowed across a failover)", fr, sr)
	stopSarama()
	stopFranz()

	// A fresh member of the franz-go group starts at the commits made
	// on the new coordinator: it reads only what comes next.
	fresh := &seenSet{vals: map[int64]bool{}}
	stopFresh := franzMember(t, seeds, franzGroup, topic, fresh)
	defer stopFresh()
	produceValues(t, ctx, seeds, topic, 4000, 4300)
	waitFor(t, 60*time.Second, "the fresh member reading 4000..4299", func() bool {
		fresh.mu.Lock()
		defer fresh.mu.Unlock()
		for v := int64(4000); v < 4300; v++ {
			if !fresh.vals[v] {
				return false
			}
		}
		return true
	})
	fresh.mu.Lock()
	defer fresh.mu.Unlock()
	if fresh.reads != 300 {
		old := 0
		for v := range fresh.vals {
			if v < 4000 {
				old++
			}
		}
		t.Errorf("fresh member read %d records (%d from before its start), want the 300 new ones", fresh.reads, old)
	}
}

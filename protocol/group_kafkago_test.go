package protocol

import (
	"context"
	"fmt"
	"testing"
	"time"

	kafka "github.com/segmentio/kafka-go"
	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kgo"
)

// waitDescribedCovered waits until DescribeGroups shows a Stable group of
// members members whose assignments (as the leader sent them) cover the
// topic's partitions exactly once, each member owning some.
func waitDescribedCovered(t *testing.T, addr, group, topic string, partitions, members int) {
	t.Helper()
	cl, err := kgo.NewClient(kgo.SeedBrokers(addr))
	if err != nil {
		t.Fatal(err)
	}
	defer cl.Close()
	adm := kadm.NewClient(cl)
	deadline := time.Now().Add(groupWait)
	last := ""
	for {
		ok := false
		d, err := adm.DescribeGroups(context.Background(), group)
		if err == nil {
			g := d[group]
			seen, dup, empty := map[int32]bool{}, false, false
			for _, m := range g.Members {
				c, isConsumer := m.Assigned.AsConsumer()
				n := 0
				for _, at := range c.Topics {
					for _, p := range at.Partitions {
						dup = dup || seen[p] || at.Topic != topic
						seen[p] = true
						n++
					}
				}
				empty = empty || !isConsumer || n == 0
			}
			ok = g.State == "Stable" && len(g.Members) == members && len(seen) == partitions && !dup && !empty
			last = fmt.Sprintf("state %s, %d members, partitions %v, dup %v, empty %v", g.State, len(g.Members), seen, dup, empty)
		}
		if ok {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("group %s never stable with %d members covering %d partitions: %s (%v)", group, members, partitions, last, err)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// kafkaGoReader runs a segmentio/kafka-go group Reader (JoinGroup v1,
// SyncGroup v0/v1, Heartbeat v0, OffsetCommit v2 with a retention time,
// OffsetFetch v1), committing the messages commit allows.
type kafkaGoReader struct {
	r      *kafka.Reader
	stop   context.CancelFunc
	done   chan struct{}
	offs   chan kafka.Message
	closed bool
}

func startKafkaGoReader(t *testing.T, addr string, commit func(int32, int64) bool) *kafkaGoReader {
	t.Helper()
	r := kafka.NewReader(kafka.ReaderConfig{
		Brokers: []string{addr}, GroupID: "g", Topic: "t",
		HeartbeatInterval: 250 * time.Millisecond, SessionTimeout: 3 * time.Second,
		RebalanceTimeout: 5 * time.Second, MaxWait: 200 * time.Millisecond,
		JoinGroupBackoff: 100 * time.Millisecond, ReadBackoffMin: 50 * time.Millisecond, ReadBackoffMax: 100 * time.Millisecond,
	})
	ctx, cancel := context.WithCancel(context.Background())
	k := &kafkaGoReader{r: r, stop: cancel, done: make(chan struct{}), offs: make(chan kafka.Message, 1000)}
	go func() {
		defer close(k.done)
		for ctx.Err() == nil {
			msg, err := r.FetchMessage(ctx)
			if err != nil {
				continue
			}
			if commit(int32(msg.Partition), msg.Offset) {
				if err := r.CommitMessages(ctx, msg); err != nil {
					continue
				}
			}
			k.offs <- msg
		}
	}()
	t.Cleanup(k.close)
	return k
}

func (k *kafkaGoReader) close() {
	if k.closed {
		return
	}
	k.closed = true
	k.stop()
	<-k.done
	_ = k.r.Close()
}

func (k *kafkaGoReader) waitConsumed(t *testing.T, n int) map[int32][]int64 {
	t.Helper()
	out := map[int32][]int64{}
	timeout := time.After(groupWait)
	for i := range n {
		select {
		case m := <-k.offs:
			out[int32(m.Partition)] = append(out[int32(m.Partition)], m.Offset)
		case <-timeout:
			t.Fatalf("consumed %d of %d", i, n)
		}
	}
	return out
}

// TestGroupKafkaGoReader: kafka-go group Readers join and leave (checked
// through DescribeGroups: one owner per partition), and a new Reader
// resumes exactly at the committed offsets.
func TestGroupKafkaGoReader(t *testing.T) {
	t.Parallel()
	b := startTestBroker(t, "", groupProps())
	addr := b.Addr().String()
	createTopic(t, b, "t", 6, nil)
	produceSpread(t, addr, "t", 6, 20)
	plan := committedPlan()
	commit := func(p int32, o int64) bool { return o < plan[p] }
	r1 := startKafkaGoReader(t, addr, commit)
	r1.waitConsumed(t, 120)
	waitDescribedCovered(t, addr, "g", "t", 6, 1)
	r2 := startKafkaGoReader(t, addr, commit)
	waitDescribedCovered(t, addr, "g", "t", 6, 2)
	r2.close()
	waitDescribedCovered(t, addr, "g", "t", 6, 1)
	r1.close()
	r3 := startKafkaGoReader(t, addr, func(int32, int64) bool { return false })
	checkResumed(t, r3.waitConsumed(t, 120-45), plan, 20)
}

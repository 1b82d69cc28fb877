package protocol

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/IBM/sarama"
)

// saramaMember runs a sarama ConsumerGroup session loop; its claims go to
// the ownership tracker and it marks the offsets that mark allows.
type saramaMember struct {
	name string
	own  *ownership
	cg   sarama.ConsumerGroup
	mark func(partition int32, offset int64) bool
	stop context.CancelFunc
	done chan struct{}

	mu   sync.Mutex
	offs map[int32][]int64
	n    int
}

func (m *saramaMember) Setup(s sarama.ConsumerGroupSession) error {
	m.own.assign(m.name, s.Claims()["t"])
	return nil
}

func (m *saramaMember) Cleanup(s sarama.ConsumerGroupSession) error {
	m.own.revoke(m.name, s.Claims()["t"])
	return nil
}

func (m *saramaMember) ConsumeClaim(s sarama.ConsumerGroupSession, c sarama.ConsumerGroupClaim) error {
	for {
		select {
		case msg, ok := <-c.Messages():
			if !ok {
				return nil
			}
			m.mu.Lock()
			m.offs[msg.Partition] = append(m.offs[msg.Partition], msg.Offset)
			m.n++
			m.mu.Unlock()
			if m.mark(msg.Partition, msg.Offset) {
				s.MarkMessage(msg, "")
			}
		case <-s.Context().Done():
			return nil
		}
	}
}

func startSaramaMember(t *testing.T, addr, name string, own *ownership, version sarama.KafkaVersion,
	mark func(int32, int64) bool) *saramaMember {
	t.Helper()
	cfg := sarama.NewConfig()
	cfg.Version = version
	cfg.Consumer.Group.Heartbeat.Interval = 250 * time.Millisecond
	cfg.Consumer.Group.Session.Timeout = 3 * time.Second
	cfg.Consumer.Group.Rebalance.GroupStrategies = []sarama.BalanceStrategy{sarama.NewBalanceStrategyRange()}
	cfg.Consumer.Offsets.Initial = sarama.OffsetOldest
	cfg.Consumer.MaxWaitTime = 200 * time.Millisecond
	cg, err := sarama.NewConsumerGroup([]string{addr}, "g", cfg)
	if err != nil {
		t.Fatal(err)
	}
	m := &saramaMember{name: name, own: own, cg: cg, mark: mark, done: make(chan struct{}), offs: map[int32][]int64{}}
	ctx, cancel := context.WithCancel(context.Background())
	m.stop = cancel
	go func() {
		defer close(m.done)
		for ctx.Err() == nil {
			if err := cg.Consume(ctx, []string{"t"}, m); err != nil && ctx.Err() == nil {
				time.Sleep(50 * time.Millisecond)
			}
		}
	}()
	t.Cleanup(m.close)
	return m
}

// close ends the session (committing marked offsets) and leaves the group.
// Safe to call twice.
func (m *saramaMember) close() {
	m.stop()
	<-m.done
	_ = m.cg.Close()
}

func (m *saramaMember) waitConsumed(t *testing.T, n int) map[int32][]int64 {
	t.Helper()
	deadline := time.Now().Add(groupWait)
	for {
		m.mu.Lock()
		got := m.n
		out := map[int32][]int64{}
		for p, o := range m.offs {
			out[p] = append([]int64(nil), o...)
		}
		m.mu.Unlock()
		if got >= n {
			return out
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s consumed %d of %d", m.name, got, n)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// TestGroupSarama runs sarama's ConsumerGroup at old and new protocol
// versions (JoinGroup v1 to v5+, OffsetCommit v2+): members join and
// leave with one owner per partition, then a new member resumes exactly
// at the offsets the first one marked.
func TestGroupSarama(t *testing.T) {
	for _, v := range []sarama.KafkaVersion{sarama.V1_0_0_0, sarama.V2_3_0_0, sarama.V3_6_0_0} {
		t.Run(v.String(), func(t *testing.T) {
			t.Parallel()
			b := startTestBroker(t, "", groupProps())
			addr := b.Addr().String()
			createTopic(t, b, "t", 6, nil)
			produceSpread(t, addr, "t", 6, 20)
			own := newOwnership()
			plan := committedPlan()
			mark := func(p int32, o int64) bool { return o < plan[p] }
			a := startSaramaMember(t, addr, "a", own, v, mark)
			own.waitCovered(t, "one member", 6, "a")
			a.waitConsumed(t, 120)
			c := startSaramaMember(t, addr, "c", own, v, mark)
			own.waitCovered(t, "two members", 6, "a", "c")
			c.close()
			own.waitCovered(t, "after a member left", 6, "a")
			a.close()
			d := startSaramaMember(t, addr, "d", own, v, func(int32, int64) bool { return false })
			checkResumed(t, d.waitConsumed(t, 120-45), plan, 20)
			own.check(t)
		})
	}
}

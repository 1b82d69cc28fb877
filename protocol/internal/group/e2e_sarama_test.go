package group

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/IBM/sarama"
)

// saramaMember runs a sarama ConsumerGroup session loop and tracks its claims.
type saramaMember struct {
	cg     sarama.ConsumerGroup
	mu     sync.Mutex
	claims map[int32]bool
	stop   context.CancelFunc
	done   chan struct{}
}

func (m *saramaMember) Setup(s sarama.ConsumerGroupSession) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.claims = map[int32]bool{}
	for _, p := range s.Claims()["t"] {
		m.claims[p] = true
	}
	return nil
}

func (m *saramaMember) Cleanup(sarama.ConsumerGroupSession) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.claims = map[int32]bool{}
	return nil
}

func (m *saramaMember) ConsumeClaim(s sarama.ConsumerGroupSession, c sarama.ConsumerGroupClaim) error {
	for {
		select {
		case _, ok := <-c.Messages():
			if !ok {
				return nil
			}
		case <-s.Context().Done():
			return nil
		}
	}
}

func (m *saramaMember) snapshot() map[int32]bool {
	m.mu.Lock()
	defer m.mu.Unlock()
	out := map[int32]bool{}
	for p := range m.claims {
		out[p] = true
	}
	return out
}

func newSaramaMember(t *testing.T, b *fakeBroker, version sarama.KafkaVersion) *saramaMember {
	cfg := sarama.NewConfig()
	cfg.Version = version
	cfg.Consumer.Group.Heartbeat.Interval = 300 * time.Millisecond
	cfg.Consumer.Group.Session.Timeout = 6 * time.Second
	cfg.Consumer.Group.Rebalance.GroupStrategies = []sarama.BalanceStrategy{sarama.NewBalanceStrategyRange()}
	cfg.Consumer.Offsets.Initial = sarama.OffsetOldest
	cfg.Consumer.MaxWaitTime = 100 * time.Millisecond
	cg, err := sarama.NewConsumerGroup([]string{b.addr()}, "g", cfg)
	if err != nil {
		t.Fatal(err)
	}
	m := &saramaMember{cg: cg, claims: map[int32]bool{}, done: make(chan struct{})}
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
	return m
}

func (m *saramaMember) close() {
	m.stop()
	<-m.done
	m.cg.Close()
}

func waitSaramaCovered(t *testing.T, what string, ms ...*saramaMember) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for {
		seen, dup, empty := map[int32]bool{}, false, false
		for _, m := range ms {
			s := m.snapshot()
			empty = empty || len(s) == 0
			for p := range s {
				dup = dup || seen[p]
				seen[p] = true
			}
		}
		if len(seen) == 6 && !dup && !empty {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s: partitions never covered exactly once", what)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// TestSaramaGroups runs sarama's ConsumerGroup at old and new protocol
// versions (JoinGroup v1..v5+, OffsetCommit v2+...).
func TestSaramaGroups(t *testing.T) {
	if testing.Short() {
		t.Skip("real client over loopback")
	}
	for _, v := range []sarama.KafkaVersion{sarama.V1_0_0_0, sarama.V2_3_0_0, sarama.V3_6_0_0} {
		t.Run(v.String(), func(t *testing.T) {
			b := startFakeBroker(t, false)
			a := newSaramaMember(t, b, v)
			waitSaramaCovered(t, "one member", a)
			c := newSaramaMember(t, b, v)
			waitSaramaCovered(t, "two members", a, c)
			c.close()
			waitSaramaCovered(t, "after a member left", a)
			a.close()
		})
	}
}

package group

import (
	"context"
	"testing"
	"time"

	kafka "github.com/segmentio/kafka-go"
)

// TestKafkaGoReader runs segmentio/kafka-go group Readers (JoinGroup v1,
// SyncGroup v0/v1, Heartbeat v0, OffsetCommit v2 with a retention time,
// OffsetFetch v1) and checks the coordinator's view of the group.
func TestKafkaGoReader(t *testing.T) {
	if testing.Short() {
		t.Skip("real client over loopback")
	}
	b := startFakeBroker(t, false)
	newReader := func() (*kafka.Reader, context.CancelFunc, chan struct{}) {
		r := kafka.NewReader(kafka.ReaderConfig{
			Brokers: []string{b.addr()}, GroupID: "g", Topic: "t",
			HeartbeatInterval: 300 * time.Millisecond, SessionTimeout: 6 * time.Second,
			RebalanceTimeout: 5 * time.Second, MaxWait: 100 * time.Millisecond,
			JoinGroupBackoff: 100 * time.Millisecond, ReadBackoffMin: 50 * time.Millisecond, ReadBackoffMax: 100 * time.Millisecond,
		})
		ctx, cancel := context.WithCancel(context.Background())
		done := make(chan struct{})
		go func() {
			defer close(done)
			for ctx.Err() == nil {
				_, _ = r.FetchMessage(ctx)
			}
		}()
		return r, cancel, done
	}
	waitGroup := func(what string, members int) {
		t.Helper()
		deadline := time.Now().Add(30 * time.Second)
		for {
			m := b.run.Metrics()
			if m.Members == members && m.GroupsByState["Stable"] == 1 {
				return
			}
			if time.Now().After(deadline) {
				t.Fatalf("%s: coordinator sees %+v", what, m)
			}
			time.Sleep(50 * time.Millisecond)
		}
	}
	r1, c1, d1 := newReader()
	waitGroup("one reader", 1)
	r2, c2, d2 := newReader()
	waitGroup("two readers", 2)
	c2()
	<-d2
	if err := r2.Close(); err != nil {
		t.Logf("close: %v", err)
	}
	waitGroup("after a reader left", 1)
	c1()
	<-d1
	r1.Close()
}

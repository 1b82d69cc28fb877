package protocol

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kgo"
	"github.com/twmb/franz-go/pkg/kmsg"
)

// kgoMember is a franz-go group consumer polling in the background; its
// assignment goes to the shared ownership tracker.
type kgoMember struct {
	name   string
	cl     *kgo.Client
	dialer *cutDialer
	stop   context.CancelFunc
	done   chan struct{}

	mu      sync.Mutex
	records []*kgo.Record
}

func startKgoMember(t *testing.T, addr, group, topic, name string, own *ownership, opts ...kgo.Opt) *kgoMember {
	t.Helper()
	m := &kgoMember{name: name, dialer: &cutDialer{}, done: make(chan struct{})}
	cb := func(assign bool) func(context.Context, *kgo.Client, map[string][]int32) {
		return func(_ context.Context, _ *kgo.Client, ps map[string][]int32) {
			if assign {
				own.assign(name, ps[topic])
			} else {
				own.revoke(name, ps[topic])
			}
		}
	}
	opts = append([]kgo.Opt{
		kgo.SeedBrokers(addr), kgo.ConsumerGroup(group), kgo.ConsumeTopics(topic), kgo.Dialer(m.dialer.dial),
		kgo.ConsumeResetOffset(kgo.NewOffset().AtStart()), kgo.DisableAutoCommit(),
		kgo.HeartbeatInterval(250 * time.Millisecond), kgo.FetchMaxWait(200 * time.Millisecond),
		kgo.RetryTimeout(10 * time.Second),
		kgo.OnPartitionsAssigned(cb(true)), kgo.OnPartitionsRevoked(cb(false)), kgo.OnPartitionsLost(cb(false)),
	}, opts...)
	cl, err := kgo.NewClient(opts...)
	if err != nil {
		t.Fatal(err)
	}
	m.cl = cl
	ctx, cancel := context.WithCancel(context.Background())
	m.stop = cancel
	go func() {
		defer close(m.done)
		for ctx.Err() == nil {
			fs := cl.PollFetches(ctx)
			m.mu.Lock()
			m.records = append(m.records, fs.Records()...)
			m.mu.Unlock()
		}
	}()
	t.Cleanup(m.close)
	return m
}

// close stops polling and closes the client (a dynamic member leaves the
// group). Safe to call twice.
func (m *kgoMember) close() {
	m.stop()
	<-m.done
	m.cl.Close()
}

// crash cuts the member's connections: no LeaveGroup, no more heartbeats;
// the broker must notice through the session timeout.
func (m *kgoMember) crash(own *ownership) {
	own.kill(m.name)
	m.dialer.cutAll()
	m.stop()
	<-m.done
}

func (m *kgoMember) consumed() []*kgo.Record {
	m.mu.Lock()
	defer m.mu.Unlock()
	return append([]*kgo.Record(nil), m.records...)
}

// generation is the member's group generation (classic) or member epoch.
func (m *kgoMember) generation() int32 { _, g := m.cl.GroupMetadata(); return g }

// waitSameGeneration waits until all members report one generation (a
// finished classic rebalance) newer than after, and returns it.
func waitSameGeneration(t *testing.T, after int32, ms ...*kgoMember) int32 {
	t.Helper()
	deadline := time.Now().Add(groupWait)
	for {
		g, same := ms[0].generation(), true
		for _, m := range ms[1:] {
			same = same && m.generation() == g
		}
		if same && g > after {
			return g
		}
		if time.Now().After(deadline) {
			t.Fatalf("members never agreed on a generation after %d", after)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

var kgoGroupCases = []struct {
	name    string
	kip848  bool
	balance []kgo.GroupOpt
}{
	{"range", false, []kgo.GroupOpt{kgo.Balancers(kgo.RangeBalancer())}},
	{"roundrobin", false, []kgo.GroupOpt{kgo.Balancers(kgo.RoundRobinBalancer())}},
	{"cooperative-sticky", false, []kgo.GroupOpt{kgo.Balancers(kgo.CooperativeStickyBalancer())}},
	{"kip848-uniform", true, []kgo.GroupOpt{kgo.Balancers(kgo.StickyBalancer()), kgo.ServerSideBalancer()}},
	{"kip848-range", true, []kgo.GroupOpt{kgo.Balancers(kgo.RangeBalancer()), kgo.ServerSideBalancer()}},
}

func groupOpts(gos []kgo.GroupOpt, more ...kgo.Opt) []kgo.Opt {
	out := make([]kgo.Opt, 0, len(gos)+len(more))
	for _, o := range gos {
		out = append(out, o)
	}
	return append(out, more...)
}

// TestGroupKgoMembership: members join, leave and crash; every partition is
// owned by exactly one member throughout, and each change rebalances
// (classic: with a new generation every live member agrees on).
func TestGroupKgoMembership(t *testing.T) {
	for _, tc := range kgoGroupCases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			b := startTestBroker(t, "", groupProps())
			addr := b.Addr().String()
			createTopic(t, b, "t", 6, nil)
			own := newOwnership()
			opts := groupOpts(tc.balance, kgo.SessionTimeout(3*time.Second))
			a := startKgoMember(t, addr, "g", "t", "a", own, opts...)
			own.waitCovered(t, "one member", 6, "a")
			var gen int32
			if !tc.kip848 {
				gen = waitSameGeneration(t, 0, a)
			}
			m2 := startKgoMember(t, addr, "g", "t", "b", own, opts...)
			m3 := startKgoMember(t, addr, "g", "t", "c", own, opts...)
			own.waitCovered(t, "three members", 6, "a", "b", "c")
			if !tc.kip848 {
				gen = waitSameGeneration(t, gen, a, m2, m3)
				d, err := kadm.NewClient(a.cl).DescribeConsumerGroups(context.Background(), "g")
				if err != nil || !errors.Is(d["g"].Err, kerr.GroupIDNotFound) {
					t.Fatalf("ConsumerGroupDescribe of a classic group: %+v %v, want GROUP_ID_NOT_FOUND", d["g"], err)
				}
			} else {
				d, err := kadm.NewClient(a.cl).DescribeConsumerGroups(context.Background(), "g")
				if err != nil || d["g"].Err != nil || len(d["g"].Members) != 3 {
					t.Fatalf("ConsumerGroupDescribe: %+v %v", d, err)
				}
			}
			m3.close() // leaves the group
			own.waitCovered(t, "after a member left", 6, "a", "b")
			if !tc.kip848 {
				gen = waitSameGeneration(t, gen, a, m2)
			}
			crashed := time.Now()
			m2.crash(own) // no LeaveGroup: the session timeout must expire
			own.waitCovered(t, "after a member crashed", 6, "a")
			if !tc.kip848 {
				waitSameGeneration(t, gen, a)
			}
			// Classic: the member's 3s session; KIP-848: the broker's
			// group.consumer.session.timeout.ms (6s in groupProps).
			t.Logf("crash noticed and rebalanced in %v", time.Since(crashed).Round(time.Millisecond))
			own.check(t)
		})
	}
}

// TestGroupKIP848Advertised: ApiVersions advertises ConsumerGroupHeartbeat
// and ConsumerGroupDescribe v0-1 (franz-go uses KIP-848 only when
// ConsumerGroupHeartbeat v1 is advertised).
func TestGroupKIP848Advertised(t *testing.T) {
	b := startTestBroker(t, "", nil)
	cl := newKgo(t, b)
	resp, err := kmsg.NewPtrApiVersionsRequest().RequestWith(context.Background(), cl)
	if err != nil {
		t.Fatal(err)
	}
	want := map[int16]bool{68: true, 69: true}
	for _, k := range resp.ApiKeys {
		if want[k.ApiKey] && k.MinVersion == 0 && k.MaxVersion == 1 {
			delete(want, k.ApiKey)
		}
	}
	if len(want) > 0 {
		t.Fatalf("ApiVersions lacks keys %v at v0-1: %+v", want, resp.ApiKeys)
	}
}

// TestGroupKIP848TopicChanges: the server-side assignor learns of topics
// created and grown after the group formed (members subscribe to an
// existing topic and to one created later) (the adapter passes topic
// changes to the coordinator before the next heartbeat).
func TestGroupKIP848TopicChanges(t *testing.T) {
	t.Parallel()
	b := startTestBroker(t, "", groupProps())
	addr := b.Addr().String()
	createTopic(t, b, "other", 1, nil)
	own := newOwnership()
	opts := []kgo.Opt{kgo.Balancers(kgo.RangeBalancer()), kgo.ServerSideBalancer(), kgo.MetadataMinAge(250 * time.Millisecond),
		kgo.MetadataMaxAge(time.Second), kgo.ConsumeTopics("other", "late")}
	a := startKgoMember(t, addr, "g", "late", "a", own, opts...)
	startKgoMember(t, addr, "g", "late", "c", own, opts...)
	deadline := time.Now().Add(groupWait)
	for {
		d, err := kadm.NewClient(a.cl).DescribeConsumerGroups(context.Background(), "g")
		if err == nil && d["g"].Err == nil && len(d["g"].Members) == 2 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("members never joined: %+v %v", d, err)
		}
		time.Sleep(100 * time.Millisecond)
	}
	createTopic(t, b, "late", 2, nil)
	own.waitCovered(t, "topic created after the group", 2, "a", "c")
	if err := b.Node().CreatePartitions("late", 6, nil, false); err != nil {
		t.Fatal(err)
	}
	own.waitCovered(t, "partitions added", 6, "a", "c")
	own.check(t)
}

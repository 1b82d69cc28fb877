package group

import (
	"context"
	"encoding/binary"
	"io"
	"net"
	"sort"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kgo"
	"github.com/twmb/franz-go/pkg/kmsg"
)

// fakeBroker is a minimal single-node Kafka for driving the coordinator
// with a real client (franz-go) over loopback: ApiVersions, Metadata,
// FindCoordinator, ListOffsets, empty Fetches, and every group API through
// a Runner. It exists to check wire-level expectations of real clients, not
// to be a broker.
type fakeBroker struct {
	t      *testing.T
	ln     net.Listener
	run    *Runner
	kip848 bool
	topic  TopicInfo
	nextID atomic.Uint64
	mu     struct {
		sync.Mutex
		waiting map[uint64]chan kmsg.Response
	}
	wg sync.WaitGroup
}

func startFakeBroker(t *testing.T, kip848 bool) *fakeBroker {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	b := &fakeBroker{t: t, ln: ln, kip848: kip848, topic: TopicInfo{Name: "t", ID: [16]byte{7, 7}, Partitions: 6}}
	b.mu.waiting = map[uint64]chan kmsg.Response{}
	c, err := New(Options{NumPartitions: 1, InitialRebalanceDelay: 100 * time.Millisecond, ConsumerHeartbeatInterval: 300 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	b.run = StartRunner(c, RunnerConfig{
		Respond: func(id uint64, msg kmsg.Response) {
			b.mu.Lock()
			ch := b.mu.waiting[id]
			delete(b.mu.waiting, id)
			b.mu.Unlock()
			ch <- msg
		},
		Append: func(p int32, tok uint64, _ []Record) {
			go b.run.Submit(AppendDone{Partition: p, Token: tok})
		},
	})
	b.run.Submit(TopicsChanged{Topics: []TopicInfo{b.topic}})
	b.run.Submit(LoadBegin{Partition: 0})
	b.run.Submit(LoadComplete{Partition: 0})
	b.wg.Add(1)
	go func() {
		defer b.wg.Done()
		for {
			conn, err := ln.Accept()
			if err != nil {
				return
			}
			b.wg.Add(1)
			go func() { defer b.wg.Done(); b.serve(conn) }()
		}
	}()
	t.Cleanup(b.close)
	return b
}

func (b *fakeBroker) close() {
	b.ln.Close()
	b.run.Close()
	b.wg.Wait()
}

func (b *fakeBroker) addr() string { return b.ln.Addr().String() }

func (b *fakeBroker) serve(conn net.Conn) {
	defer conn.Close()
	order := make(chan chan []byte, 128)
	done := make(chan struct{})
	go func() {
		defer close(done)
		for ch := range order {
			frame := <-ch
			if frame == nil {
				conn.Close()
				return
			}
			if _, err := conn.Write(frame); err != nil {
				return
			}
		}
	}()
	defer func() { close(order); <-done }()
	for {
		var size [4]byte
		if _, err := io.ReadFull(conn, size[:]); err != nil {
			return
		}
		frame := make([]byte, binary.BigEndian.Uint32(size[:]))
		if _, err := io.ReadFull(conn, frame); err != nil {
			return
		}
		ch := make(chan []byte, 1)
		order <- ch
		go func() { ch <- b.handle(frame) }()
	}
}

// handle returns the size-prefixed response frame, or nil to close.
func (b *fakeBroker) handle(frame []byte) []byte {
	if len(frame) < 10 {
		return nil
	}
	key, ver := int16(binary.BigEndian.Uint16(frame)), int16(binary.BigEndian.Uint16(frame[2:]))
	corr := frame[4:8]
	n := int(int16(binary.BigEndian.Uint16(frame[8:])))
	rest := frame[10:]
	if n > 0 {
		rest = rest[n:]
	}
	req := kmsg.RequestForKey(key)
	if req == nil {
		return nil
	}
	req.SetVersion(ver)
	if req.IsFlexible() {
		cnt, m := binary.Uvarint(rest)
		rest = rest[m:]
		for i := uint64(0); i < cnt; i++ {
			_, m1 := binary.Uvarint(rest)
			sz, m2 := binary.Uvarint(rest[m1:])
			rest = rest[m1+m2+int(sz):]
		}
	}
	if err := req.ReadFrom(rest); err != nil {
		return nil
	}
	resp := b.respond(req)
	if resp == nil {
		return nil
	}
	out := append([]byte{0, 0, 0, 0}, corr...)
	if resp.IsFlexible() && key != 18 {
		out = append(out, 0)
	}
	out = resp.AppendTo(out)
	binary.BigEndian.PutUint32(out, uint32(len(out)-4))
	return out
}

var fakeVersions = map[int16][2]int16{
	0: {0, 0}, 1: {4, 12}, 2: {0, 7}, 3: {0, 12}, 8: {0, 9}, 9: {0, 9}, 10: {0, 4}, 11: {0, 9},
	12: {0, 4}, 13: {0, 5}, 14: {0, 5}, 15: {0, 5}, 16: {0, 5}, 18: {0, 3}, 23: {0, 4}, 42: {0, 2}, 47: {0, 0},
}

func (b *fakeBroker) respond(req kmsg.Request) kmsg.Response {
	host, portS, _ := net.SplitHostPort(b.addr())
	port, _ := strconv.Atoi(portS)
	switch r := req.(type) {
	case *kmsg.ApiVersionsRequest:
		resp := kmsg.NewPtrApiVersionsResponse()
		resp.SetVersion(min(r.Version, 3))
		keys := map[int16][2]int16{}
		for k, v := range fakeVersions {
			keys[k] = v
		}
		if b.kip848 {
			keys[68], keys[69] = [2]int16{0, 1}, [2]int16{0, 1}
		}
		ks := make([]int, 0, len(keys))
		for k := range keys {
			ks = append(ks, int(k))
		}
		sort.Ints(ks)
		for _, k := range ks {
			resp.ApiKeys = append(resp.ApiKeys, kmsg.ApiVersionsResponseApiKey{ApiKey: int16(k), MinVersion: keys[int16(k)][0], MaxVersion: keys[int16(k)][1]})
		}
		return resp
	case *kmsg.MetadataRequest:
		resp := kmsg.NewPtrMetadataResponse()
		resp.SetVersion(r.Version)
		resp.Brokers = []kmsg.MetadataResponseBroker{{NodeID: 0, Host: host, Port: int32(port)}}
		resp.ClusterID = ptr("fake")
		t := kmsg.NewMetadataResponseTopic()
		t.Topic, t.TopicID = ptr(b.topic.Name), b.topic.ID
		for p := int32(0); p < b.topic.Partitions; p++ {
			mp := kmsg.NewMetadataResponseTopicPartition()
			mp.Partition, mp.Leader, mp.Replicas, mp.ISR = p, 0, []int32{0}, []int32{0}
			t.Partitions = append(t.Partitions, mp)
		}
		resp.Topics = []kmsg.MetadataResponseTopic{t}
		return resp
	case *kmsg.FindCoordinatorRequest:
		resp := kmsg.NewPtrFindCoordinatorResponse()
		resp.SetVersion(r.Version)
		resp.NodeID, resp.Host, resp.Port = 0, host, int32(port)
		keys := r.CoordinatorKeys
		if r.Version < 4 {
			keys = []string{r.CoordinatorKey}
		}
		for _, k := range keys {
			resp.Coordinators = append(resp.Coordinators, kmsg.FindCoordinatorResponseCoordinator{Key: k, NodeID: 0, Host: host, Port: int32(port)})
		}
		return resp
	case *kmsg.ListOffsetsRequest:
		resp := kmsg.NewPtrListOffsetsResponse()
		resp.SetVersion(r.Version)
		for _, t := range r.Topics {
			rt := kmsg.ListOffsetsResponseTopic{Topic: t.Topic}
			for _, p := range t.Partitions {
				rp := kmsg.NewListOffsetsResponseTopicPartition()
				rp.Partition, rp.Offset, rp.LeaderEpoch = p.Partition, 0, 0
				rt.Partitions = append(rt.Partitions, rp)
			}
			resp.Topics = append(resp.Topics, rt)
		}
		return resp
	case *kmsg.OffsetForLeaderEpochRequest:
		resp := kmsg.NewPtrOffsetForLeaderEpochResponse()
		resp.SetVersion(r.Version)
		for _, t := range r.Topics {
			rt := kmsg.OffsetForLeaderEpochResponseTopic{Topic: t.Topic}
			for _, p := range t.Partitions {
				rt.Partitions = append(rt.Partitions, kmsg.OffsetForLeaderEpochResponseTopicPartition{Partition: p.Partition, LeaderEpoch: 0, EndOffset: 0})
			}
			resp.Topics = append(resp.Topics, rt)
		}
		return resp
	case *kmsg.FetchRequest:
		time.Sleep(min(time.Duration(r.MaxWaitMillis)*time.Millisecond, 100*time.Millisecond))
		resp := kmsg.NewPtrFetchResponse()
		resp.SetVersion(r.Version)
		for _, t := range r.Topics {
			rt := kmsg.FetchResponseTopic{Topic: t.Topic, TopicID: t.TopicID}
			for _, p := range t.Partitions {
				rp := kmsg.NewFetchResponseTopicPartition()
				rp.Partition = p.Partition
				rt.Partitions = append(rt.Partitions, rp)
			}
			resp.Topics = append(resp.Topics, rt)
		}
		return resp
	}
	// Group APIs: through the coordinator.
	id := b.nextID.Add(1)
	ch := make(chan kmsg.Response, 1)
	b.mu.Lock()
	b.mu.waiting[id] = ch
	b.mu.Unlock()
	if !b.run.Submit(Request{ID: id, ClientID: "kgo", ClientHost: "/127.0.0.1", Msg: req}) {
		return nil
	}
	select {
	case resp := <-ch:
		return resp
	case <-time.After(2 * time.Minute):
		return nil
	}
}

// member is a franz-go group consumer whose assignment is tracked through
// its callbacks.
type e2eMember struct {
	cl    *kgo.Client
	mu    sync.Mutex
	owned map[int32]bool
	stop  context.CancelFunc
	done  chan struct{}
}

func newE2EMember(t *testing.T, b *fakeBroker, opts ...kgo.Opt) *e2eMember {
	m := &e2eMember{owned: map[int32]bool{}, done: make(chan struct{})}
	update := func(add bool) func(context.Context, *kgo.Client, map[string][]int32) {
		return func(_ context.Context, _ *kgo.Client, ps map[string][]int32) {
			m.mu.Lock()
			defer m.mu.Unlock()
			for _, p := range ps["t"] {
				if add {
					m.owned[p] = true
				} else {
					delete(m.owned, p)
				}
			}
		}
	}
	opts = append([]kgo.Opt{
		kgo.SeedBrokers(b.addr()), kgo.ConsumerGroup("g"), kgo.ConsumeTopics("t"),
		kgo.HeartbeatInterval(300 * time.Millisecond), kgo.FetchMaxWait(100 * time.Millisecond),
		kgo.OnPartitionsAssigned(update(true)), kgo.OnPartitionsRevoked(update(false)), kgo.OnPartitionsLost(update(false)),
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
			cl.PollFetches(ctx)
		}
	}()
	return m
}

func (m *e2eMember) close() {
	m.stop()
	<-m.done
	m.cl.Close()
}

func (m *e2eMember) snapshot() map[int32]bool {
	m.mu.Lock()
	defer m.mu.Unlock()
	out := map[int32]bool{}
	for p := range m.owned {
		out[p] = true
	}
	return out
}

// waitCovered waits until the members own every partition exactly once,
// each owning at least one.
func waitCovered(t *testing.T, what string, ms ...*e2eMember) {
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
			var got []map[int32]bool
			for _, m := range ms {
				got = append(got, m.snapshot())
			}
			t.Fatalf("%s: partitions never covered exactly once: %v", what, got)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func TestFranzGoGroups(t *testing.T) {
	if testing.Short() {
		t.Skip("real client over loopback")
	}
	cases := []struct {
		name   string
		kip848 bool
		opts   []kgo.Opt
	}{
		{"range", false, []kgo.Opt{kgo.Balancers(kgo.RangeBalancer())}},
		{"cooperative-sticky", false, []kgo.Opt{kgo.Balancers(kgo.CooperativeStickyBalancer())}},
		{"kip848-uniform", true, []kgo.Opt{kgo.Balancers(kgo.CooperativeStickyBalancer()), kgo.ServerSideBalancer()}},
		{"kip848-range", true, []kgo.Opt{kgo.Balancers(kgo.RangeBalancer()), kgo.ServerSideBalancer()}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			b := startFakeBroker(t, tc.kip848)
			a := newE2EMember(t, b, tc.opts...)
			waitCovered(t, "one member", a)
			m2 := newE2EMember(t, b, tc.opts...)
			m3 := newE2EMember(t, b, tc.opts...)
			waitCovered(t, "three members", a, m2, m3)
			// A member commits; a new client of the group reads it back.
			if err := a.cl.CommitMarkedOffsets(context.Background()); err != nil {
				t.Fatal(err)
			}
			var p int32 = -1
			for q := range a.snapshot() {
				p = q
			}
			done := make(chan error, 1)
			a.cl.CommitOffsetsSync(context.Background(), map[string]map[int32]kgo.EpochOffset{"t": {p: {Epoch: -1, Offset: 42}}},
				func(_ *kgo.Client, _ *kmsg.OffsetCommitRequest, resp *kmsg.OffsetCommitResponse, err error) {
					if err == nil {
						err = kerr.ErrorForCode(resp.Topics[0].Partitions[0].ErrorCode)
					}
					done <- err
				})
			if err := <-done; err != nil {
				t.Fatalf("commit: %v", err)
			}
			if m := b.run.Metrics(); m.Groups != 1 || (m.ConsumerGroups == 1) != tc.kip848 || m.Members != 3 {
				t.Fatalf("coordinator sees %+v", m)
			}
			// Leaving (Close sends LeaveGroup / epoch -1) rebalances the rest.
			m3.close()
			waitCovered(t, "after a member left", a, m2)
			adm, err := kgo.NewClient(kgo.SeedBrokers(b.addr()))
			if err != nil {
				t.Fatal(err)
			}
			defer adm.Close()
			offs, err := kadm.NewClient(adm).FetchOffsets(context.Background(), "g")
			if err != nil {
				t.Fatal(err)
			}
			if o, ok := offs.Lookup("t", p); !ok || o.At != 42 {
				t.Fatalf("fetched offset %+v %v", o, ok)
			}
			a.close()
			m2.close()
		})
	}
}

// TestFranzGoStaticRestart: a static member (group.instance.id) restarts and
// takes its place back without a rebalance.
func TestFranzGoStaticRestart(t *testing.T) {
	if testing.Short() {
		t.Skip("real client over loopback")
	}
	b := startFakeBroker(t, false)
	opts := func(id string) []kgo.Opt {
		return []kgo.Opt{kgo.Balancers(kgo.RangeBalancer()), kgo.InstanceID(id), kgo.SessionTimeout(10 * time.Second)}
	}
	a := newE2EMember(t, b, opts("s1")...)
	c := newE2EMember(t, b, opts("s2")...)
	waitCovered(t, "two static members", a, c)
	before := c.snapshot()
	rebalances := b.run.Metrics().Rebalances
	c.close() // a static member does not leave the group on close
	c2 := newE2EMember(t, b, opts("s2")...)
	waitCovered(t, "after the restart", a, c2)
	if got := c2.snapshot(); len(got) != len(before) {
		t.Fatalf("restarted member owns %v, had %v", got, before)
	}
	if n := b.run.Metrics().Rebalances; n != rebalances {
		t.Fatalf("static restart caused %d rebalance(s)", n-rebalances)
	}
	a.close()
	c2.close()
}

package cluster

import (
	"context"
	"fmt"
	"hash/fnv"
	"log/slog"
	"net"
	"strconv"
	"sync"
	"time"

	"github.com/twmb/franz-go/pkg/kmsg"

	"sluice/cluster/internal/controller"
	"sluice/cluster/internal/peer"
	rsm "sluice/cluster/internal/replica"
	"sluice/engine"
)

// fetcherConfig are the replica.fetch.* settings.
type fetcherConfig struct {
	Fetchers         int           // num.replica.fetchers (1)
	MaxBytes         int32         // replica.fetch.max.bytes, per partition (1 MiB)
	ResponseMaxBytes int32         // replica.fetch.response.max.bytes (10 MiB)
	MinBytes         int32         // replica.fetch.min.bytes (1)
	MaxWait          time.Duration // replica.fetch.wait.max.ms (500 ms)
	Backoff          time.Duration // replica.fetch.backoff.ms (1 s)
}

// fetchers run the replica fetchers of this broker (Kafka's
// ReplicaFetcherManager): for every leader this broker follows
// partitions from, num.replica.fetchers goroutines (partitions spread over
// them by hash), each sending Fetch requests as a replica over its own
// connection to the leader's inter-broker listener and feeding the answers
// to the partitions' state machines.
type fetchers struct {
	self     int32
	listener string
	cfg      fetcherConfig
	logger   *slog.Logger
	dialer   func(ctx context.Context, addr string) (net.Conn, error)
	epoch    func() int64       // this broker's epoch (ReplicaState)
	quotas   *replicationQuotas // nil: nothing throttled

	mu     sync.Mutex
	byKey  map[fetcherKey]*fetcher
	assign map[engine.TopicPartition]fetcherKey
}

// fetcherKey names one fetcher: a leader (at an address) and an index.
type fetcherKey struct {
	leader int32
	addr   string
	index  int
}

type fetcher struct {
	f      *fetchers
	key    fetcherKey
	ctx    context.Context
	cancel context.CancelFunc
	done   chan struct{}
	wake   chan struct{}

	mu    sync.Mutex
	parts map[engine.TopicPartition]*Replica
	// backoff holds partitions that got a retriable error until the time.
	backoff map[engine.TopicPartition]time.Time
	// caughtUp holds partitions whose last fetch reached the leader's high
	// watermark (Kafka's PartitionFetchState.isReplicaInSync): the
	// follower throttle leaves them alone.
	caughtUp map[engine.TopicPartition]bool
}

func newFetchers(self int32, listener string, cfg fetcherConfig, epoch func() int64, logger *slog.Logger) *fetchers {
	if cfg.Fetchers <= 0 {
		cfg.Fetchers = 1
	}
	return &fetchers{self: self, listener: listener, cfg: cfg, epoch: epoch, logger: logger.With("component", "replica-fetcher"),
		byKey: map[fetcherKey]*fetcher{}, assign: map[engine.TopicPartition]fetcherKey{}}
}

// follow makes r fetch from leader (moving it off its previous fetcher).
func (fs *fetchers) follow(r *Replica, leader controller.Broker) {
	e, ok := endpoint(leader, fs.listener)
	if !ok && len(leader.Endpoints) > 0 {
		e = leader.Endpoints[0]
	}
	h := fnv.New32a()
	h.Write([]byte(r.tp.Topic))
	key := fetcherKey{leader: leader.ID, addr: net.JoinHostPort(e.Host, strconv.Itoa(int(e.Port))),
		index: int((h.Sum32() + uint32(r.tp.Partition)) % uint32(fs.cfg.Fetchers))}
	fs.mu.Lock()
	defer fs.mu.Unlock()
	if old, ok := fs.assign[r.tp]; ok {
		if old == key {
			fs.byKey[key].poke()
			return
		}
		fs.removeLocked(r.tp, old)
	}
	f := fs.byKey[key]
	if f == nil {
		f = fs.start(key)
		fs.byKey[key] = f
	}
	f.mu.Lock()
	f.parts[r.tp] = r
	delete(f.backoff, r.tp)
	delete(f.caughtUp, r.tp)
	f.mu.Unlock()
	fs.assign[r.tp] = key
	f.poke()
}

// unfollow stops fetching tp.
func (fs *fetchers) unfollow(tp engine.TopicPartition) {
	fs.mu.Lock()
	defer fs.mu.Unlock()
	if key, ok := fs.assign[tp]; ok {
		fs.removeLocked(tp, key)
	}
}

// REQUIRES: fs.mu held.
func (fs *fetchers) removeLocked(tp engine.TopicPartition, key fetcherKey) {
	delete(fs.assign, tp)
	f := fs.byKey[key]
	if f == nil {
		return
	}
	f.mu.Lock()
	delete(f.parts, tp)
	delete(f.caughtUp, tp)
	empty := len(f.parts) == 0
	f.mu.Unlock()
	if empty {
		delete(fs.byKey, key)
		go f.stop() // not under fs.mu: the fetcher may be applying a response
	}
}

func (fs *fetchers) close() {
	fs.mu.Lock()
	all := fs.byKey
	fs.byKey = map[fetcherKey]*fetcher{}
	fs.assign = map[engine.TopicPartition]fetcherKey{}
	fs.mu.Unlock()
	for _, f := range all {
		f.stop()
	}
}

func (fs *fetchers) start(key fetcherKey) *fetcher {
	ctx, cancel := context.WithCancel(context.Background())
	f := &fetcher{f: fs, key: key, ctx: ctx, cancel: cancel, done: make(chan struct{}), wake: make(chan struct{}, 1),
		parts: map[engine.TopicPartition]*Replica{}, backoff: map[engine.TopicPartition]time.Time{},
		caughtUp: map[engine.TopicPartition]bool{}}
	go f.run()
	return f
}

func (f *fetcher) poke() {
	select {
	case f.wake <- struct{}{}:
	default:
	}
}

func (f *fetcher) stop() {
	f.cancel()
	<-f.done
}

// pendingFetch is one partition of a Fetch in flight.
type pendingFetch struct {
	r   *Replica
	req rsm.FetchRequest
}

func (f *fetcher) run() {
	defer close(f.done)
	var conn *peer.Conn
	defer func() {
		if conn != nil {
			conn.Close()
		}
	}()
	log := f.f.logger.With("leader", f.key.leader, "fetcher", f.key.index)
	for f.ctx.Err() == nil {
		batch := f.collect()
		if len(batch) == 0 {
			select {
			case <-f.wake:
			case <-time.After(f.f.cfg.Backoff):
			case <-f.ctx.Done():
				return
			}
			continue
		}
		if conn == nil {
			ctx, cancel := context.WithTimeout(f.ctx, 10*time.Second)
			c, err := peer.Dial(ctx, f.key.addr, peer.Options{ClientID: fmt.Sprintf("broker-%d-fetcher-%d", f.f.self, f.key.index),
				Dialer: f.f.dialer, MaxResponseBytes: f.f.cfg.ResponseMaxBytes + 1<<20})
			cancel()
			if err != nil {
				log.Warn("cannot connect to the leader; retrying", "addr", f.key.addr, "err", err)
				f.pause(f.f.cfg.Backoff)
				continue
			}
			conn = c
		}
		if err := f.fetch(conn, batch); err != nil {
			if f.ctx.Err() != nil {
				return
			}
			log.Warn("replica fetch failed; reconnecting", "err", err)
			conn.Close()
			conn = nil
			f.pause(f.f.cfg.Backoff)
		}
	}
}

func (f *fetcher) pause(d time.Duration) {
	select {
	case <-time.After(d):
	case <-f.ctx.Done():
	}
}

// collect asks each partition what to fetch now. While the follower
// throttle is exceeded, throttled partitions that have not caught up are
// left out (Kafka's shouldFollowerThrottle); with nothing left the fetcher
// waits replica.fetch.backoff.ms, as Kafka's does.
func (f *fetcher) collect() []pendingFetch {
	f.mu.Lock()
	defer f.mu.Unlock()
	now := time.Now()
	exceeded := -1 // -1: not asked yet
	var out []pendingFetch
	for tp, r := range f.parts {
		if until, ok := f.backoff[tp]; ok {
			if now.Before(until) {
				continue
			}
			delete(f.backoff, tp)
		}
		if q := f.f.quotas; q != nil && r.throttles.follower.Load() && !f.caughtUp[tp] {
			if exceeded < 0 {
				exceeded = 0
				if q.follower.Exceeded(q.now()) {
					exceeded = 1
				}
			}
			if exceeded == 1 {
				continue
			}
		}
		r.mu.Lock()
		req, ok := r.mu.sm.NextFetch()
		stopped := r.mu.stopped
		r.mu.Unlock()
		if ok && !stopped && req.Leader == f.key.leader {
			out = append(out, pendingFetch{r: r, req: req})
		}
	}
	return out
}

// fetch sends one Fetch for the batch and applies the answers.
func (f *fetcher) fetch(conn *peer.Conn, batch []pendingFetch) error {
	cfg := f.f.cfg
	req := kmsg.NewPtrFetchRequest()
	req.ReplicaID = f.f.self
	req.ReplicaState.ID, req.ReplicaState.Epoch = f.f.self, f.f.epoch()
	req.MaxWaitMillis, req.MinBytes, req.MaxBytes = int32(cfg.MaxWait/time.Millisecond), cfg.MinBytes, cfg.ResponseMaxBytes
	req.SessionID, req.SessionEpoch = 0, -1
	byTopic := map[string]int{}
	index := map[engine.TopicPartition]pendingFetch{}
	for _, pf := range batch {
		i := topicSlot(&req.Topics, byTopic, pf.r.tp.Topic, func() kmsg.FetchRequestTopic {
			t := kmsg.NewFetchRequestTopic()
			t.Topic, t.TopicID = pf.r.tp.Topic, pf.r.topicID
			return t
		})
		p := kmsg.NewFetchRequestTopicPartition()
		p.Partition, p.CurrentLeaderEpoch, p.FetchOffset = pf.r.tp.Partition, pf.req.CurrentLeaderEpoch, pf.req.FetchOffset
		p.LastFetchedEpoch, p.LogStartOffset, p.PartitionMaxBytes = pf.req.LastFetchedEpoch, pf.req.LogStartOffset, cfg.MaxBytes
		req.Topics[i].Partitions = append(req.Topics[i].Partitions, p)
		index[pf.r.tp] = pf
	}
	ctx, cancel := context.WithTimeout(f.ctx, cfg.MaxWait+30*time.Second)
	defer cancel()
	raw, err := conn.Request(ctx, req)
	if err != nil {
		return err
	}
	resp := raw.(*kmsg.FetchResponse)
	if resp.ErrorCode != 0 {
		return fmt.Errorf("fetch answered error %d", resp.ErrorCode)
	}
	ids := map[[16]byte]string{}
	for _, pf := range batch {
		ids[pf.r.topicID] = pf.r.tp.Topic
	}
	for _, t := range resp.Topics {
		topic := t.Topic
		if topic == "" {
			topic = ids[t.TopicID]
		}
		for _, p := range t.Partitions {
			pf, ok := index[engine.TopicPartition{Topic: topic, Partition: p.Partition}]
			if !ok {
				continue
			}
			ev := rsm.FetchResponse{Request: pf.req, Err: rsm.Code(p.ErrorCode), HighWatermark: p.HighWatermark,
				LogStartOffset: p.LogStartOffset, Records: p.RecordBatches,
				Diverging: rsm.EpochEndOffset{Epoch: p.DivergingEpoch.Epoch, EndOffset: p.DivergingEpoch.EndOffset}}
			f.handle(conn, pf.r, pf.r.step(ev))
			f.recordThrottled(pf.r, p.ErrorCode, p.HighWatermark, int64(len(p.RecordBatches)))
		}
	}
	return nil
}

// recordThrottled charges a throttled partition's fetched bytes to the
// follower throttle (in sync or not, as Kafka does) and notes whether the
// partition caught up with the leader's high watermark.
func (f *fetcher) recordThrottled(r *Replica, code int16, hw, bytes int64) {
	q := f.f.quotas
	if q == nil {
		return
	}
	if r.throttles.follower.Load() {
		q.follower.Record(q.now(), bytes)
	}
	f.mu.Lock()
	if _, ok := f.parts[r.tp]; ok {
		f.caughtUp[r.tp] = code == 0 && r.LogEndOffset() >= hw
	}
	f.mu.Unlock()
}

// handle carries out what a partition asks of its fetcher.
func (f *fetcher) handle(conn *peer.Conn, r *Replica, acts []rsm.Action) {
	for _, a := range acts {
		switch a := a.(type) {
		case rsm.Backoff:
			f.mu.Lock()
			f.backoff[r.tp] = time.Now().Add(f.f.cfg.Backoff)
			f.mu.Unlock()
		case rsm.ListLeaderOffsets:
			f.handle(conn, r, r.step(f.leaderOffsets(conn, r, a)))
		}
	}
}

// leaderOffsets asks the leader for its log start and end (ListOffsets
// earliest and latest, as a replica).
func (f *fetcher) leaderOffsets(conn *peer.Conn, r *Replica, a rsm.ListLeaderOffsets) rsm.LeaderOffsets {
	out := rsm.LeaderOffsets{LeaderEpoch: a.LeaderEpoch, Err: rsm.RequestTimedOut}
	var offs [2]int64
	for i, ts := range []int64{-2, -1} {
		req := kmsg.NewPtrListOffsetsRequest()
		req.ReplicaID = f.f.self
		t := kmsg.NewListOffsetsRequestTopic()
		t.Topic = r.tp.Topic
		p := kmsg.NewListOffsetsRequestTopicPartition()
		p.Partition, p.CurrentLeaderEpoch, p.Timestamp, p.MaxNumOffsets = r.tp.Partition, a.LeaderEpoch, ts, 1
		t.Partitions = append(t.Partitions, p)
		req.Topics = append(req.Topics, t)
		ctx, cancel := context.WithTimeout(f.ctx, 30*time.Second)
		raw, err := conn.Request(ctx, req)
		cancel()
		if err != nil {
			return out
		}
		resp := raw.(*kmsg.ListOffsetsResponse)
		if len(resp.Topics) != 1 || len(resp.Topics[0].Partitions) != 1 {
			return out
		}
		rp := resp.Topics[0].Partitions[0]
		if rp.ErrorCode != 0 {
			out.Err = rsm.Code(rp.ErrorCode)
			return out
		}
		offs[i] = rp.Offset
	}
	out.Err, out.LogStartOffset, out.LogEndOffset = rsm.None, offs[0], offs[1]
	return out
}

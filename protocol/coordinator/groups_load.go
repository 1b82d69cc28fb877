package coordinator

// Loading __consumer_offsets into the group coordinator, on the Groups'
// loader goroutine, so that no request worker ever waits on a load:
//
//   - FindCoordinator never blocks. While __consumer_offsets does not
//     exist it asks the loader to create it and answers
//     COORDINATOR_NOT_AVAILABLE (Kafka's auto-creation of internal topics;
//     in a cluster the creation fails, and the answer stays, while fewer
//     brokers are alive than offsets.topic.replication.factor). Once it
//     exists it answers the leader of the group's partition as the
//     metadata knows it (COORDINATOR_NOT_AVAILABLE while it has none, or
//     the leader is not a live broker), at once: requests for a group
//     whose partition is still loading get COORDINATOR_LOAD_IN_PROGRESS
//     from the coordinator, and NOT_COORDINATOR where the partition is
//     not hosted (not led here), as in Kafka.
//   - The loader hosts the partitions this broker leads (groups_host.go)
//     and feeds each as LoadBegin / LoadRecords (one per read of
//     offsets.load.buffer.size bytes, or one batch if larger) /
//     LoadComplete; a partition a FindCoordinator asked about goes first.
//     It reads up to the log end as Kafka's GroupMetadataManager does: a new leader's high
//     watermark can lag commits that were acknowledged under the previous
//     leader, and as leader its log end is what the followers converge to.
//   - A load that fails (the log cannot be read, a batch does not decode)
//     is logged at ERROR and the partition is unloaded, so its groups
//     answer NOT_COORDINATOR (Kafka's coordinator runtime marks the
//     partition FAILED, which answers the same). Kafka loads it again at the
//     next leader election; the loader also retries after a backoff (1 s
//     doubling to 1 min), and sooner (at most every 5 s) when a client
//     asks FindCoordinator for one of its groups.
//     LoadStatus counts the hosted partitions by state for the metrics.

import (
	"fmt"
	"sort"
	"sync"
	"time"

	"sluice/cluster"
	"sluice/engine"
	"sluice/engine/record"
	"sluice/protocol/internal/group"
	"sluice/protocol/kerr"
)

const (
	loadRetryMin      = time.Second
	loadRetryMax      = time.Minute
	loadRetryOnDemand = 5 * time.Second // a FindCoordinator retries a failed load no more often
)

type loadState int8

const (
	loadPending loadState = iota
	loadDone
	loadFailed
)

type partLoad struct {
	epoch    int32 // leader epoch the partition is hosted at
	state    loadState
	attempts int       // failed attempts in a row
	last     time.Time // last attempt
	retryAt  time.Time // failed: next attempt
}

// loader is the Groups' loading state; its goroutine is the only one that
// submits Load* events.
type loader struct {
	kick chan struct{}
	stop chan struct{}
	wg   sync.WaitGroup

	mu struct {
		sync.Mutex
		create bool                // FindCoordinator asked for __consumer_offsets
		parts  map[int32]*partLoad // hosted partitions (led by this broker)
		wanted map[int32]bool      // asked about by FindCoordinator: loaded first
	}
}

// LoadStatus counts the hosted __consumer_offsets partitions by load state: loading
// (not loaded yet, or being loaded), loaded, failed (waiting to retry).
type LoadStatus struct {
	Loading, Loaded, Failed int
}

func (g *Groups) startLoader() {
	l := &g.load
	l.kick = make(chan struct{}, 1)
	l.stop = make(chan struct{})
	l.mu.parts = map[int32]*partLoad{}
	l.mu.wanted = map[int32]bool{}
	l.wg.Add(1)
	go g.loadLoop()
	l.poke()
}

func (g *Groups) stopLoader() {
	close(g.load.stop)
	g.load.wg.Wait()
}

func (l *loader) poke() {
	select {
	case l.kick <- struct{}{}:
	default:
	}
}

// LoadStatus reports the partitions' load states.
func (g *Groups) LoadStatus() LoadStatus {
	l := &g.load
	l.mu.Lock()
	defer l.mu.Unlock()
	var s LoadStatus
	for _, p := range l.mu.parts {
		switch p.state {
		case loadDone:
			s.Loaded++
		case loadFailed:
			s.Failed++
		default:
			s.Loading++
		}
	}
	return s
}

// CoordinatorFor answers FindCoordinator for one key: the leader of the
// key's __consumer_offsets partition (when it is this broker, the
// partition is then loaded first, or retried if its load failed);
// COORDINATOR_NOT_AVAILABLE while the partition has no live leader. When
// the topic does not exist the loader is asked to create it, and the
// answer waits (up to offsetsCreateWait) for the partition's leader.
func (g *Groups) CoordinatorFor(keyType int8, key string) (cluster.BrokerInfo, *kerr.Error) {
	switch keyType {
	case 0:
	case 1: // transactions are not supported (see 22_init_producer_id.go)
		return cluster.BrokerInfo{}, kerr.TransactionalIDAuthFailed
	default:
		return cluster.BrokerInfo{}, kerr.InvalidRequest
	}
	l := &g.load
	p := group.PartitionFor(key, g.node.Config().OffsetsTopicNumPartitions)
	leader := g.offsetsLeader(p)
	if leader == -2 {
		l.mu.Lock()
		l.mu.create = true
		l.mu.Unlock()
		l.poke()
		leader = g.awaitOffsetsLeader(p, offsetsCreateWait)
	}
	if leader < 0 {
		return cluster.BrokerInfo{}, kerr.CoordinatorNotAvailable
	}
	b, ok := g.coordinatorBroker(leader)
	if !ok {
		return cluster.BrokerInfo{}, kerr.CoordinatorNotAvailable
	}
	if leader != g.host.NodeID() {
		return b, nil
	}
	now := time.Now()
	l.mu.Lock()
	poke := false
	switch pl := l.mu.parts[p]; {
	case pl == nil || pl.state == loadPending:
		l.mu.wanted[p] = true
		poke = pl == nil
	case pl.state == loadFailed && now.Sub(pl.last) >= loadRetryOnDemand && pl.retryAt.After(now):
		pl.retryAt = now
		l.mu.wanted[p] = true
		poke = true
	}
	l.mu.Unlock()
	if poke {
		l.poke()
	}
	return b, nil
}

// offsetsCreateWait bounds how long FindCoordinator waits for the
// __consumer_offsets it asked the loader to create: long enough for a
// single node or a healthy cluster, so that the first FindCoordinator
// finds a coordinator; short enough not to hold a worker while the
// metadata store is unreachable.
const offsetsCreateWait = 2 * time.Second

// offsetsLeader is the leader of __consumer_offsets partition p: -2 when
// the topic does not exist, -1 when p has no leader.
func (g *Groups) offsetsLeader(p int32) int32 {
	t, ok := g.host.Topic(offsetsTopic)
	if !ok {
		return -2
	}
	for _, pi := range t.Partitions {
		if pi.Partition == p {
			return pi.Leader
		}
	}
	return -1
}

// awaitOffsetsLeader waits up to limit for partition p of a
// __consumer_offsets being created to have a leader.
func (g *Groups) awaitOffsetsLeader(p int32, limit time.Duration) int32 {
	timer := time.NewTimer(limit)
	defer timer.Stop()
	for {
		changed := g.host.LeadershipChanged()
		if leader := g.offsetsLeader(p); leader >= 0 {
			return leader
		}
		select {
		case <-changed:
		case <-timer.C:
			return g.offsetsLeader(p)
		case <-g.load.stop:
			return -1
		}
	}
}

func (g *Groups) loadLoop() {
	l := &g.load
	defer l.wg.Done()
	timer := time.NewTimer(time.Hour)
	defer timer.Stop()
	changed := g.host.LeadershipChanged()
	for {
		select {
		case <-l.stop:
			return
		case <-l.kick:
		case <-timer.C:
		case <-changed:
		}
		// Taken before the round: a change during it runs another.
		changed = g.host.LeadershipChanged()
		next := g.loadRound(changed)
		if resync := time.Now().Add(leadershipResync); next.IsZero() || next.After(resync) {
			next = resync
		}
		timer.Stop()
		if !next.IsZero() {
			timer.Reset(max(time.Until(next), time.Millisecond))
		}
	}
}

// loadRound creates __consumer_offsets if asked to, follows its
// leadership (unloading what this broker no longer leads), then loads
// every hosted partition due (pending, or failed with its retry time
// passed), wanted ones first, until changed is closed. It returns when the
// next failed partition is due (zero: none).
func (g *Groups) loadRound(changed <-chan struct{}) time.Time {
	l := &g.load
	t, ok := g.host.Topic(offsetsTopic)
	if !ok {
		l.mu.Lock()
		create := l.mu.create
		l.mu.create = false
		l.mu.Unlock()
		if create {
			var err error
			if t, err = g.host.EnsureInternalTopic(offsetsTopic); err != nil {
				// FindCoordinator keeps answering COORDINATOR_NOT_AVAILABLE
				// and asks again.
				g.log.Warn("creating __consumer_offsets", "err", err)
			} else {
				ok = true
			}
		}
	}
	led := map[int32]int32{}
	if ok {
		led = g.hostedPartitions(t)
	}
	g.follow(led)
	for {
		select {
		case <-l.stop:
			return time.Time{}
		case <-changed: // the loop runs the next round at once
			return time.Time{}
		default:
		}
		p, next, ok := l.nextDue(time.Now())
		if !ok {
			return next
		}
		g.SyncTopics() // the KIP-848 groups' load compares their topics with these
		g.loadPartition(p)
	}
}

// nextDue picks the next partition to load and marks it loading; when none
// is due it returns the earliest retry time.
func (l *loader) nextDue(now time.Time) (int32, time.Time, bool) {
	l.mu.Lock()
	defer l.mu.Unlock()
	var due []int32
	var next time.Time
	for p, pl := range l.mu.parts {
		switch {
		case pl.state == loadPending, pl.state == loadFailed && !pl.retryAt.After(now):
			due = append(due, p)
		case pl.state == loadFailed && (next.IsZero() || pl.retryAt.Before(next)):
			next = pl.retryAt
		}
	}
	if len(due) == 0 {
		return 0, next, false
	}
	sort.Slice(due, func(i, j int) bool {
		wi, wj := l.mu.wanted[due[i]], l.mu.wanted[due[j]]
		if wi != wj {
			return wi
		}
		return due[i] < due[j]
	})
	p := due[0]
	delete(l.mu.wanted, p)
	l.mu.parts[p].last = now
	return p, time.Time{}, true
}

// loadPartition feeds one partition to the coordinator; on failure the
// partition is unloaded and scheduled for a retry.
func (g *Groups) loadPartition(p int32) {
	l := &g.load
	g.runner.Submit(group.LoadBegin{Partition: p})
	n, err := g.readPartition(p, func(recs []group.Record) {
		g.runner.Submit(group.LoadRecords{Partition: p, Records: recs})
	})
	if err == nil {
		g.runner.Submit(group.LoadComplete{Partition: p})
	} else {
		g.runner.Submit(group.Unload{Partition: p})
	}
	l.mu.Lock()
	pl := l.mu.parts[p]
	attempts := pl.attempts
	if err == nil {
		pl.state, pl.attempts = loadDone, 0
	} else {
		pl.attempts++
		pl.state, pl.retryAt = loadFailed, pl.last.Add(retryBackoff(pl.attempts))
		attempts = pl.attempts
	}
	l.mu.Unlock()
	switch {
	case err != nil:
		g.log.Error("loading __consumer_offsets partition failed: its groups answer NOT_COORDINATOR until a retry succeeds",
			"partition", p, "err", err, "attempt", attempts, "retry_in", retryBackoff(attempts))
	case attempts > 0:
		g.log.Info("loaded __consumer_offsets partition after failures", "partition", p, "records", n, "failed_attempts", attempts)
	}
}

// retryBackoff is the wait before the next load after attempts failures.
func retryBackoff(attempts int) time.Duration {
	return min(loadRetryMin<<min(attempts-1, 16), loadRetryMax)
}

// readPartition reads the partition's records from its log start up to its
// high watermark and hands them to feed, one read (offsets.load.buffer.size
// bytes, or one whole batch) at a time.
// It returns how many records it fed.
func (g *Groups) readPartition(partition int32, feed func([]group.Record)) (int, error) {
	l, _, err := g.host.Log(engine.TopicPartition{Topic: offsetsTopic, Partition: partition})
	if err != nil {
		return 0, err
	}
	var (
		v     record.Validator
		buf   []byte
		total int
	)
	hw := l.LogEndOffset() // see the file comment
	for off := l.LogStartOffset(); off < hw; {
		rr, err := l.Read(off, g.node.Config().OffsetsLoadBufferSize, engine.ReadOptions{MaxOffset: hw, MinOneBatch: true})
		if err != nil {
			return total, err
		}
		buf, err = rr.AppendTo(buf[:0])
		rr.Release()
		if err != nil {
			return total, err
		}
		if len(buf) == 0 {
			break
		}
		var recs []group.Record
		for rest := buf; len(rest) > 0; {
			var batch []byte
			if batch, rest, err = record.NextBatch(rest); err != nil {
				return total, fmt.Errorf("offset %d: %w", off, err)
			}
			h, err := record.ParseHeader(batch)
			if err != nil {
				return total, fmt.Errorf("offset %d: %w", off, err)
			}
			if h.IsControl() {
				off = h.LastOffset() + 1
				continue
			}
			err = v.ForEachRecord(batch, func(r *record.Record) error {
				rec := group.Record{Key: append([]byte(nil), r.Key...)}
				if r.Value != nil {
					rec.Value = append([]byte{}, r.Value...)
				}
				recs = append(recs, rec)
				return nil
			})
			if err != nil {
				return total, fmt.Errorf("batch at offset %d: %w", h.BaseOffset, err)
			}
			off = h.LastOffset() + 1
		}
		if len(recs) > 0 {
			feed(recs)
			total += len(recs)
		}
	}
	return total, nil
}

package coordinator

// Groups is the adapter between the group APIs and the group coordinator
// (protocol/internal/group), which is a pure state machine run by a
// group.Runner on its own goroutine. The adapter:
//
//   - hands it the group requests: Submit returns a Wait whose Done is
//     closed when the coordinator's Respond for that request id arrives
//     (the handler parks on it, holding no worker);
//   - carries out Append actions: each becomes one batch appended to its
//     __consumer_offsets partition (acks=all semantics) by one appender
//     goroutine, in action order, then AppendDone is submitted;
//   - loads __consumer_offsets on its loader goroutine (groups_load.go):
//     creates the topic when FindCoordinator first asks, reads every
//     partition this broker leads from its log start to its high
//     watermark (log end in ZooKeeper mode) and feeds it as LoadBegin /
//     LoadRecords / LoadComplete; a failed load is reported, unloaded
//     (NOT_COORDINATOR) and retried; a partition whose leadership moves
//     away is unloaded (groups_host.go);
//   - gives the coordinator the topics (TopicsChanged) before loading and
//     whenever they changed before a KIP-848 request (SyncTopics,
//     groups_topics.go), and matches its KIP-848 regexes on the resolver
//     goroutine (groups_regex.go).

import (
	"context"
	"log/slog"
	"net"
	"sync"
	"sync/atomic"
	"time"

	"github.com/twmb/franz-go/pkg/kmsg"

	"sluice/cluster"
	"sluice/engine"
	"sluice/engine/record"
	"sluice/protocol/internal/group"
	"sluice/protocol/kerr"
)

// offsetsTopic is Kafka's group metadata topic.
const offsetsTopic = "__consumer_offsets"

// Groups adapts the group coordinator; StartGroups creates it.
type Groups struct {
	node   *cluster.Node
	host   offsetsHost // node, or a test's fake leadership
	log    *slog.Logger
	runner *group.Runner
	nextID atomic.Uint64

	mu struct {
		sync.Mutex
		waiting map[uint64]*Wait
		closed  bool
		appends []queuedAppend // queued for the appender, in action order
	}
	appendCond *sync.Cond
	appenderWG sync.WaitGroup

	// topicsMu guards the topics last given to the coordinator
	// (groups_topics.go).
	topicsMu   sync.Mutex
	lastTopics []group.TopicInfo
	topicsSent bool

	load    loader   // groups_load.go
	resolve resolver // groups_regex.go
}

// queuedAppend is an Append with the leader epoch its partition was
// hosted at when the coordinator issued it (-1: not hosted).
type queuedAppend struct {
	group.Append
	epoch int32
}

// Wait is a group request handed to the coordinator by Submit.
type Wait struct {
	g    *Groups
	id   uint64
	done chan struct{}
	resp kmsg.Response
}

// Done is closed when the coordinator has answered.
func (w *Wait) Done() <-chan struct{} { return w.done }

// Answer is the coordinator's answer once Done is closed. Before that
// (the connection closed, the broker shuts down or the handler gave up
// waiting) it returns false and the request is forgotten: a later answer
// is dropped.
func (w *Wait) Answer() (kmsg.Response, bool) {
	select {
	case <-w.done:
		return w.resp, true
	default:
		w.g.forget(w.id)
		return nil, false
	}
}

// StartGroups starts the coordinator's runner, the appender and the
// loader. If __consumer_offsets exists the loader starts loading it at once.
func StartGroups(node *cluster.Node, logger *slog.Logger) (*Groups, error) {
	return startGroups(node, node, logger)
}

// startGroups is StartGroups with the leadership of __consumer_offsets
// read from host.
func startGroups(node *cluster.Node, host offsetsHost, logger *slog.Logger) (*Groups, error) {
	cfg := node.Config()
	c, err := group.New(group.Options{
		NumPartitions:                 cfg.OffsetsTopicNumPartitions,
		MinSessionTimeout:             cfg.GroupMinSessionTimeout,
		MaxSessionTimeout:             cfg.GroupMaxSessionTimeout,
		InitialRebalanceDelay:         initialDelay(cfg.GroupInitialRebalanceDelay),
		MaxSize:                       int(cfg.GroupMaxSize),
		OffsetsRetention:              cfg.OffsetsRetention,
		OffsetsRetentionCheckInterval: cfg.OffsetsRetentionCheckInterval,
		ConsumerSessionTimeout:        cfg.GroupConsumerSessionTimeout,
		ConsumerHeartbeatInterval:     cfg.GroupConsumerHeartbeat,
	})
	if err != nil {
		return nil, err
	}
	g := &Groups{node: node, host: host, log: logger.With("component", "group-coordinator")}
	g.mu.waiting = map[uint64]*Wait{}
	g.appendCond = sync.NewCond(&g.mu.Mutex)
	g.runner = group.StartRunner(c, group.RunnerConfig{Respond: g.respond, Append: g.enqueueAppend, Resolve: g.enqueueResolve})
	g.startResolver()
	g.appenderWG.Add(1)
	go g.appender()
	g.SyncTopics() // before the first LoadBegin, as the coordinator asks
	g.startLoader()
	return g, nil
}

// initialDelay maps group.initial.rebalance.delay.ms to the coordinator's
// convention (0 there means the default; Kafka's 0 is "no delay").
func initialDelay(d time.Duration) time.Duration {
	if d == 0 {
		return -1
	}
	return d
}

// Close stops the loader, the runner (answering nothing more), the regex
// resolver and the appender.
func (g *Groups) Close() {
	g.stopLoader()
	g.runner.Close()
	g.stopResolver()
	g.mu.Lock()
	g.mu.closed = true
	g.mu.Unlock()
	g.appendCond.Broadcast()
	g.appenderWG.Wait()
}

// Submit hands a group request to the coordinator; the caller waits on
// the returned Wait. remote is the client's address (DescribeGroups
// reports its host). It returns false once the coordinator is closed.
func (g *Groups) Submit(clientID string, remote net.Addr, req kmsg.Request) (*Wait, bool) {
	id := g.nextID.Add(1)
	w := &Wait{g: g, id: id, done: make(chan struct{})}
	g.mu.Lock()
	g.mu.waiting[id] = w
	g.mu.Unlock()
	host := ""
	if ta, ok := remote.(*net.TCPAddr); ok {
		host = "/" + ta.IP.String()
	}
	if !g.runner.Submit(group.Request{ID: id, ClientID: clientID, ClientHost: host, Msg: req}) {
		g.forget(id)
		return nil, false
	}
	return w, true
}

func (g *Groups) forget(id uint64) {
	g.mu.Lock()
	delete(g.mu.waiting, id)
	g.mu.Unlock()
}

// respond is the runner's Respond callback.
func (g *Groups) respond(id uint64, msg kmsg.Response) {
	g.mu.Lock()
	w := g.mu.waiting[id]
	delete(g.mu.waiting, id)
	g.mu.Unlock()
	if w != nil {
		w.resp = msg
		close(w.done)
	}
}

// enqueueAppend is the runner's Append callback (must not block).
func (g *Groups) enqueueAppend(partition int32, token uint64, recs []group.Record) {
	epoch, ok := g.load.hostedEpoch(partition)
	if !ok {
		epoch = -1
	}
	g.mu.Lock()
	g.mu.appends = append(g.mu.appends, queuedAppend{group.Append{Partition: partition, Token: token, Records: recs}, epoch})
	g.mu.Unlock()
	g.appendCond.Signal()
}

// dropAppends removes the appends queued for partition p (it is being
// unloaded, which answers their requests NOT_COORDINATOR).
func (g *Groups) dropAppends(p int32) {
	g.mu.Lock()
	defer g.mu.Unlock()
	kept := g.mu.appends[:0]
	for _, a := range g.mu.appends {
		if a.Partition != p {
			kept = append(kept, a)
		}
	}
	clear(g.mu.appends[len(kept):])
	g.mu.appends = kept
}

// appender writes the coordinator's batches in order.
func (g *Groups) appender() {
	defer g.appenderWG.Done()
	for {
		g.mu.Lock()
		for len(g.mu.appends) == 0 && !g.mu.closed {
			g.appendCond.Wait()
		}
		if len(g.mu.appends) == 0 {
			g.mu.Unlock()
			return
		}
		a := g.mu.appends[0]
		g.mu.appends = g.mu.appends[1:]
		g.mu.Unlock()
		code := kerr.NotCoordinator.Code
		if e, ok := g.load.hostedEpoch(a.Partition); ok && e == a.epoch {
			// (Leadership can still move during the append: the log then
			// refuses it, or the partition is reloaded under the new epoch.)
			code = g.appendOne(a.Append)
		}
		g.runner.Submit(group.AppendDone{Partition: a.Partition, Token: a.Token, ErrorCode: code})
	}
}

func (g *Groups) appendOne(a group.Append) int16 {
	bl := record.NewBuilder(record.BuilderOptions{ProducerID: -1, ProducerEpoch: -1, BaseSequence: -1})
	now := time.Now().UnixMilli()
	for _, r := range a.Records {
		bl.Add(r.Key, r.Value, now)
	}
	_, err := g.host.AppendCoordinator(context.Background(), engine.TopicPartition{Topic: offsetsTopic, Partition: a.Partition}, bl.Build())
	if err != nil {
		g.log.Warn("appending to __consumer_offsets", "partition", a.Partition, "err", err)
		if code := kerr.Code(err); code != kerr.UnknownServerError.Code {
			return code
		}
		return kerr.NotCoordinator.Code
	}
	return 0
}

// TopicsDeleted tells the coordinator that topics were deleted (their
// committed offsets are removed).
func (g *Groups) TopicsDeleted(topics []string) {
	g.runner.Submit(group.TopicsDeleted{Topics: topics})
}

package cluster

import (
	"context"
	"fmt"
	"log/slog"
	"net"
	"strconv"
	"sync"
	"time"

	"github.com/twmb/franz-go/pkg/kmsg"

	"sluice/cluster/internal/controller"
	"sluice/cluster/internal/peer"
)

// channels deliver the controller's requests to brokers (Kafka's
// ControllerChannelManager): one queue and one goroutine per live broker,
// so requests to a broker arrive in the order the controller sent them.
// Requests to this broker are handed over in-process; to others they go
// over the inter-broker listener, retried (reconnecting with backoff)
// until delivered or until the broker leaves the live set, when its queue
// is dropped.
type channels struct {
	self     int32
	ctrlID   int32
	listener string // inter-broker listener name
	local    localBroker
	onResult func(controller.Event) // StopReplica outcomes, back to the controller
	logger   *slog.Logger
	dialer   func(ctx context.Context, addr string) (net.Conn, error)

	mu    sync.Mutex
	chans map[int32]*brokerChannel
}

// localBroker is this broker's side of the controller's requests.
type localBroker interface {
	applyLeaderAndIsr(ctrl int32, r *controller.LeaderAndIsrRequest) (int16, map[controller.TP]int16)
	applyUpdateMetadata(ctrl int32, r *controller.UpdateMetadataRequest) int16
	applyStopReplica(ctrl int32, r *controller.StopReplicaRequest) (int16, map[controller.TP]int16)
}

type brokerChannel struct {
	c      *channels
	broker controller.Broker
	ctx    context.Context
	cancel context.CancelFunc
	done   chan struct{}

	mu    sync.Mutex
	queue []any
	wake  chan struct{}
}

func newChannels(self int32, listener string, local localBroker, onResult func(controller.Event), logger *slog.Logger) *channels {
	return &channels{self: self, ctrlID: self, listener: listener, local: local, onResult: onResult, logger: logger,
		chans: map[int32]*brokerChannel{}}
}

// setBrokers opens channels to new live brokers and closes those of
// brokers gone (or restarted: their queue belonged to the old process).
func (c *channels) setBrokers(live map[int32]controller.Broker) {
	c.mu.Lock()
	defer c.mu.Unlock()
	for id, ch := range c.chans {
		if b, ok := live[id]; !ok || b.Epoch != ch.broker.Epoch {
			ch.stop()
			delete(c.chans, id)
		}
	}
	for id, b := range live {
		if c.chans[id] == nil {
			c.chans[id] = c.open(b)
		}
	}
}

func (c *channels) open(b controller.Broker) *brokerChannel {
	ctx, cancel := context.WithCancel(context.Background())
	ch := &brokerChannel{c: c, broker: b, ctx: ctx, cancel: cancel, done: make(chan struct{}), wake: make(chan struct{}, 1)}
	go ch.run()
	return ch
}

// send queues a request for broker id. A request to a broker without a
// channel is dropped (it is not live); a dropped StopReplica is reported
// as failed.
func (c *channels) send(id int32, req any) {
	c.mu.Lock()
	ch := c.chans[id]
	c.mu.Unlock()
	if ch == nil {
		c.dropped(id, req)
		return
	}
	ch.mu.Lock()
	ch.queue = append(ch.queue, req)
	ch.mu.Unlock()
	select {
	case ch.wake <- struct{}{}:
	default:
	}
}

func (c *channels) dropped(id int32, req any) {
	if _, ok := req.(*controller.StopReplicaRequest); ok {
		c.onResult(controller.StopReplicaResult{Broker: id, Failed: true})
	}
}

// close stops every channel (the controller resigned or the broker stops).
func (c *channels) close() {
	c.mu.Lock()
	defer c.mu.Unlock()
	for id, ch := range c.chans {
		ch.stop()
		delete(c.chans, id)
	}
}

func (ch *brokerChannel) stop() {
	ch.cancel()
	<-ch.done
	ch.mu.Lock()
	q := ch.queue
	ch.queue = nil
	ch.mu.Unlock()
	for _, req := range q {
		ch.c.dropped(ch.broker.ID, req)
	}
}

func (ch *brokerChannel) run() {
	defer close(ch.done)
	var conn *peer.Conn
	defer func() {
		if conn != nil {
			conn.Close()
		}
	}()
	backoff := 50 * time.Millisecond
	for {
		ch.mu.Lock()
		var req any
		if len(ch.queue) > 0 {
			req = ch.queue[0]
		}
		ch.mu.Unlock()
		if req == nil {
			select {
			case <-ch.wake:
				continue
			case <-ch.ctx.Done():
				return
			}
		}
		var err error
		if ch.broker.ID == ch.c.self {
			ch.deliverLocal(req)
		} else {
			if conn == nil {
				conn, err = ch.dial()
			}
			if err == nil {
				err = ch.deliverRemote(conn, req)
				if err != nil {
					conn.Close()
					conn = nil
				}
			}
		}
		if err != nil {
			if ch.ctx.Err() != nil {
				return
			}
			ch.c.logger.Warn("cannot send controller request to broker; retrying", "broker", ch.broker.ID,
				"request", fmt.Sprintf("%T", req), "err", err)
			select {
			case <-time.After(backoff):
			case <-ch.ctx.Done():
				return
			}
			backoff = min(2*backoff, 2*time.Second)
			continue
		}
		backoff = 50 * time.Millisecond
		ch.mu.Lock()
		if len(ch.queue) > 0 {
			ch.queue = ch.queue[1:]
		}
		ch.mu.Unlock()
	}
}

func (ch *brokerChannel) dial() (*peer.Conn, error) {
	e, ok := endpoint(ch.broker, ch.c.listener)
	if !ok {
		return nil, fmt.Errorf("broker %d has no %s listener", ch.broker.ID, ch.c.listener)
	}
	ctx, cancel := context.WithTimeout(ch.ctx, 10*time.Second)
	defer cancel()
	return peer.Dial(ctx, net.JoinHostPort(e.Host, strconv.Itoa(int(e.Port))), peer.Options{
		ClientID: "controller-" + strconv.Itoa(int(ch.c.self)), MinVersions: minInterBrokerVersions, Dialer: ch.c.dialer})
}

func (ch *brokerChannel) deliverLocal(req any) {
	ctrl, l := ch.c.ctrlID, ch.c.local
	switch r := req.(type) {
	case *controller.LeaderAndIsrRequest:
		code, errs := l.applyLeaderAndIsr(ctrl, r)
		ch.storageErrors(r, code, errs)
	case *controller.UpdateMetadataRequest:
		l.applyUpdateMetadata(ctrl, r)
	case *controller.StopReplicaRequest:
		code, errs := l.applyStopReplica(ctrl, r)
		ev := controller.StopReplicaResult{Broker: ch.broker.ID, Errors: map[controller.TP]int16{}}
		for _, p := range r.Partitions {
			ev.Errors[p.TP] = code
			if c, ok := errs[p.TP]; ok {
				ev.Errors[p.TP] = c
			}
		}
		ch.c.onResult(ev)
	}
}

func (ch *brokerChannel) deliverRemote(conn *peer.Conn, req any) error {
	ctx, cancel := context.WithTimeout(ch.ctx, 30*time.Second)
	defer cancel()
	ctrl := ch.c.ctrlID
	var wire kmsg.Request
	switch r := req.(type) {
	case *controller.LeaderAndIsrRequest:
		wire = leaderAndIsrToWire(ctrl, r, ch.c.listener)
	case *controller.UpdateMetadataRequest:
		wire = updateMetadataToWire(ctrl, r)
	case *controller.StopReplicaRequest:
		wire = stopReplicaToWire(ctrl, r)
	default:
		return nil
	}
	resp, err := conn.Request(ctx, wire)
	if err != nil {
		return err
	}
	var code int16
	switch r := resp.(type) {
	case *kmsg.LeaderAndISRResponse:
		code = r.ErrorCode
		lreq := req.(*controller.LeaderAndIsrRequest)
		errs := leaderAndIsrErrors(lreq, r)
		for _, tp := range sortedTPKeys(errs) {
			ch.c.logger.Warn("broker refused leadership of a partition", "broker", ch.broker.ID, "topic", tp.Topic,
				"partition", tp.Partition, "error_code", errs[tp])
		}
		ch.storageErrors(lreq, code, errs)
	case *kmsg.UpdateMetadataResponse:
		code = r.ErrorCode
	case *kmsg.StopReplicaResponse:
		code = r.ErrorCode
		ch.c.onResult(stopReplicaResult(ch.broker.ID, r))
	}
	if code != 0 {
		ch.c.logger.Warn("broker refused a controller request", "broker", ch.broker.ID, "request", fmt.Sprintf("%T", req),
			"error_code", code)
	}
	return nil
}

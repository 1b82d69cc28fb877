package protocol

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"log/slog"
	"runtime/debug"
	"sync"
	"sync/atomic"
	"time"

	"sluice/netio"
	"sluice/protocol/handlers"
	"sluice/protocol/internal/wire"
)

// HandlerOptions configures a Handler. The zero value means the defaults.
type HandlerOptions struct {
	// IOThreads is num.io.threads (8): the worker goroutines that run
	// requests which touch the disk or take long.
	IOThreads int
	Logger    *slog.Logger
}

// Handler implements netio.Handler: on the event loop it parses each
// request's header and queues the body on its connection; a worker checks
// and decodes the body (wire.Decode: never on the loop), runs the handler,
// one request per connection at a time (as Kafka does), and encodes the
// answer.
type Handler struct {
	env  *handlers.Env
	apis [128]*handlers.API
	pool *workerPool
	log  *slog.Logger // component request: the per-request debug log
	// srvLog (component server) says why a connection closed or a
	// handler failed, where operators look first.
	srvLog *slog.Logger
	ctx    context.Context // cancelled by BeginShutdown: parked polls answer
	cancel context.CancelFunc
	parked sync.WaitGroup
	// parkedFetches counts fetch long polls waiting now (purgatory size).
	parkedFetches atomic.Int64
}

var _ netio.Handler = (*Handler)(nil)

// ParkedFetches is the number of fetch long polls waiting now (the Fetch
// purgatory's size).
func (h *Handler) ParkedFetches() int { return int(h.parkedFetches.Load()) }

// NewHandler serves env.APIs (when empty: handlers.Table(), without the
// group APIs if env.Groups is nil).
func NewHandler(env *handlers.Env, o HandlerOptions) *Handler {
	if o.IOThreads <= 0 {
		o.IOThreads = 8
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	if env.Logger == nil {
		env.Logger = o.Logger
	}
	if env.Now == nil {
		env.Now = time.Now
	}
	if env.Rec == nil {
		env.Rec = handlers.NopRecorder
	}
	if len(env.APIs) == 0 {
		for _, a := range handlers.Table() {
			if !a.Group || env.Groups != nil {
				env.APIs = append(env.APIs, a)
			}
		}
	}
	h := &Handler{env: env, pool: newWorkerPool(o.IOThreads), log: o.Logger.With("component", "request"),
		srvLog: o.Logger.With("component", "server")}
	for i := range env.APIs {
		a := &env.APIs[i]
		if a.Key >= 0 && int(a.Key) < len(h.apis) {
			h.apis[a.Key] = a
		}
	}
	h.ctx, h.cancel = context.WithCancel(context.Background())
	return h
}

// BeginShutdown answers every parked long poll now, so that in-flight
// requests finish while the network layer drains.
func (h *Handler) BeginShutdown() { h.cancel() }

// Close stops the worker pool after the queued requests ran.
func (h *Handler) Close() {
	h.cancel()
	h.parked.Wait()
	h.pool.Stop()
}

// connState is the protocol's per-connection state (netio user data).
type connState struct {
	nc     *netio.Conn
	ctx    context.Context
	cancel context.CancelFunc
	mu     struct {
		sync.Mutex
		queue []*pending // requests waiting for their turn
		busy  bool       // a request of this connection is being processed
		// refused: a request could not be decoded and the connection is
		// closing; requests after it are dropped unanswered, as Kafka
		// (which reads one request at a time) never reads them.
		refused bool
	}
}

// pending is one request, decoded by the worker that runs it.
type pending struct {
	call     handlers.Call
	api      *handlers.API
	nreq     *netio.Request
	flexible bool
	start    time.Time // arrival, for the request latency metric
	size     int       // frame size
	// body is the request body the decoded request aliases: a slice of
	// frame, of *pooled, or a private copy (group requests, whose memory
	// outlives the request).
	body   []byte
	pooled *[]byte // bufPool copy of the body, put back by releaseBody
	frame  []byte  // frame taken from netio, released by releaseBody
}

func (h *Handler) OnOpen(c *netio.Conn) {
	cs := &connState{nc: c}
	cs.ctx, cs.cancel = context.WithCancel(h.ctx)
	c.SetUserData(cs)
	h.env.Rec.ConnOpened()
}

func (h *Handler) OnClose(c *netio.Conn) {
	if cs, ok := c.UserData().(*connState); ok {
		cs.cancel()
	}
	h.env.Rec.ConnClosed()
}

// Serve runs on the event loop for every frame.
func (h *Handler) Serve(c *netio.Conn, frame []byte, nreq *netio.Request) {
	cs, ok := c.UserData().(*connState)
	if !ok { // OnOpen not seen: cannot happen with netio
		nreq.Respond(netio.Response{CloseAfter: true})
		return
	}
	hdr, body, api, err := h.parse(frame)
	switch {
	case errors.Is(err, errApiVersionsUnsupported): // KIP-511
		h.respond(&pending{nreq: nreq, api: api, start: time.Now(), size: len(frame), call: handlers.Call{
			Key: 18, Version: hdr.Version, CorrelationID: hdr.CorrelationID, ClientID: string(hdr.ClientID), Remote: c.RemoteAddr()}},
			handlers.Reply{Resp: handlers.UnsupportedApiVersions(h.env)})
		return
	case err != nil:
		h.refuse(c, nreq, err)
		return
	}
	p := &pending{
		api: api, nreq: nreq, flexible: hdr.Flexible, start: time.Now(), size: len(frame),
		call: handlers.Call{
			Key: hdr.Key, Version: hdr.Version, CorrelationID: hdr.CorrelationID,
			ClientID: string(hdr.ClientID), ConnID: c.ID(), Remote: c.RemoteAddr(), Ctx: cs.ctx,
		},
	}
	h.keepBody(p, body, nreq)
	cs.mu.Lock()
	if cs.mu.refused {
		cs.mu.Unlock()
		p.releaseBody()
		nreq.Respond(netio.Response{CloseAfter: true})
		return
	}
	cs.mu.queue = append(cs.mu.queue, p)
	start := !cs.mu.busy
	cs.mu.busy = true
	cs.mu.Unlock()
	if start {
		h.pool.Submit(func() { h.drain(cs) })
	}
}

// keepBody makes p own body beyond Serve: it takes the frame from netio
// when it was assembled in a buffer of its own (no copy), else copies the
// body into a pooled buffer.
func (h *Handler) keepBody(p *pending, body []byte, nreq *netio.Request) {
	if f, ok := nreq.TakeFrame(); ok {
		p.frame, p.body = f, body // body is a slice of f
		return
	}
	p.pooled = getBuf(len(body))
	copy(*p.pooled, body)
	p.body = *p.pooled
}

// releaseBody gives back the memory p.body lives in; the decoded request
// must not be used afterwards.
func (p *pending) releaseBody() {
	if p.pooled != nil {
		putBuf(p.pooled)
		p.pooled = nil
	}
	if p.frame != nil {
		netio.ReleaseFrame(p.frame)
		p.frame = nil
	}
	p.body = nil
}

// decode checks and decodes p's body (wire.Decode: exact schema walk,
// decoded memory capped at a small multiple of the body) on a worker.
// Group requests are decoded from a private copy of the body, made once
// the body passed the walk: the coordinator keeps their byte fields.
func (h *Handler) decode(p *pending) error {
	if p.api.Group {
		if _, err := wire.Check(p.call.Key, p.call.Version, p.body, wire.DecodeLimit(len(p.body))); err != nil {
			return fmt.Errorf("%w: %s v%d: %v", errMalformed, p.api.Name, p.call.Version, err)
		}
		private := append([]byte(nil), p.body...)
		p.releaseBody()
		p.body = private
	}
	req, err := wire.Decode(p.call.Key, p.call.Version, p.body)
	if err != nil {
		return fmt.Errorf("%w: %s v%d: %v", errMalformed, p.api.Name, p.call.Version, err)
	}
	p.call.Req = req
	return nil
}

// parse decodes a frame's header and finds its API. A request that cannot
// be served returns an error saying why (errApiVersionsUnsupported: answer
// per KIP-511; anything else: close the connection).
func (h *Handler) parse(frame []byte) (wire.Header, []byte, *handlers.API, error) {
	hdr, body, err := wire.ParseHeader(frame)
	if err != nil {
		return hdr, nil, nil, err
	}
	var api *handlers.API
	if hdr.Known && hdr.Key >= 0 && int(hdr.Key) < len(h.apis) {
		api = h.apis[hdr.Key]
	}
	switch {
	case api == nil:
		return hdr, nil, nil, fmt.Errorf("%w: key %d version %d", errUnknownAPI, hdr.Key, hdr.Version)
	case hdr.Version >= api.MinVersion && hdr.Version <= api.MaxVersion:
		return hdr, body, api, nil
	case hdr.Key == 18:
		return hdr, nil, api, errApiVersionsUnsupported
	default:
		return hdr, nil, nil, fmt.Errorf("%w: %s v%d (serving v%d-%d)", errUnsupportedVersion, api.Name, hdr.Version, api.MinVersion, api.MaxVersion)
	}
}

// refuse closes the connection after the answers already due (Kafka closes
// the connection on requests it cannot parse or does not serve).
func (h *Handler) refuse(c *netio.Conn, nreq *netio.Request, err error) {
	h.srvLog.Info("closing connection", "conn", c.ID(), "remote", c.RemoteAddr(), "reason", err)
	nreq.Respond(netio.Response{CloseAfter: true})
}

// drain processes the connection's queued requests one at a time, on a
// worker. It returns when the queue is empty or a request parked.
func (h *Handler) drain(cs *connState) {
	for {
		cs.mu.Lock()
		if len(cs.mu.queue) == 0 {
			cs.mu.busy = false
			cs.mu.queue = nil
			cs.mu.Unlock()
			return
		}
		p := cs.mu.queue[0]
		cs.mu.queue[0] = nil
		cs.mu.queue = cs.mu.queue[1:]
		cs.mu.Unlock()
		if err := h.decode(p); err != nil {
			h.srvLog.Info("closing connection", "conn", p.call.ConnID, "remote", p.call.Remote, "reason", err)
			cs.mu.Lock()
			cs.mu.refused = true
			rest := cs.mu.queue
			cs.mu.queue = nil
			cs.mu.Unlock()
			for _, q := range append([]*pending{p}, rest...) {
				q.releaseBody()
				q.nreq.Respond(netio.Response{CloseAfter: true})
			}
			continue
		}
		r := h.run(p)
		if r.Park != nil {
			h.park(cs, p, r.Park)
			return
		}
		h.respond(p, r)
	}
}

// park waits for a long poll off the workers; the connection stays busy.
func (h *Handler) park(cs *connState, p *pending, pk *handlers.Park) {
	h.parked.Add(1)
	go func() {
		defer h.parked.Done()
		fetch := p.call.Key == 1
		if fetch {
			h.parkedFetches.Add(1)
		}
		timedOut := waitAny(cs.ctx, pk.Wake, pk.Deadline)
		if fetch {
			h.parkedFetches.Add(-1)
		}
		h.pool.Submit(func() {
			r := h.safe(p, func() handlers.Reply { return pk.Resume(timedOut) })
			if r.Park != nil && cs.ctx.Err() == nil {
				h.park(cs, p, r.Park)
				return
			}
			if r.Park != nil { // shutting down: answer with what there is
				r = h.safe(p, func() handlers.Reply { return r.Park.Resume(true) })
				if r.Park != nil {
					r = handlers.Reply{Close: true}
				}
			}
			h.respond(p, r)
			h.drain(cs)
		})
	}()
}

func (h *Handler) run(p *pending) handlers.Reply {
	return h.safe(p, func() handlers.Reply { return p.api.Handle(h.env, &p.call) })
}

// safe turns a handler panic (a bug) into a logged, closed connection.
func (h *Handler) safe(p *pending, fn func() handlers.Reply) (r handlers.Reply) {
	defer func() {
		if v := recover(); v != nil {
			h.srvLog.Error("handler panic", "api", p.api.Name, "version", p.call.Version, "panic", v, "stack", string(debug.Stack()))
			r = handlers.Reply{Close: true}
		}
	}()
	return fn()
}

// respond encodes r and hands it to netio.
func (h *Handler) respond(p *pending, r handlers.Reply) {
	p.releaseBody()
	if p.api != nil {
		h.observe(p, &r)
	}
	switch {
	case r.Close:
		p.nreq.Respond(netio.Response{CloseAfter: true, Done: r.Done})
	case r.NoResponse:
		p.nreq.Respond(netio.Response{NoResponse: true, Done: r.Done})
	case r.Resp != nil:
		b := getBuf(0)
		out := wire.AppendResponseHeader(*b, p.call.Key, p.flexible, p.call.CorrelationID, 0)
		out = r.Resp.AppendTo(out)
		binary.BigEndian.PutUint32(out, uint32(len(out)-4))
		*b = out
		done := r.Done
		p.nreq.Respond(netio.Response{Chunks: []netio.Chunk{{Mem: out}}, Done: func() {
			putBuf(b)
			if done != nil {
				done()
			}
		}})
	default:
		chunks := make([]netio.Chunk, 0, len(r.Body)+1)
		hdr := wire.AppendResponseHeader(make([]byte, 0, 9), p.call.Key, p.flexible, p.call.CorrelationID, int(r.BodyLen))
		chunks = append(chunks, netio.Chunk{Mem: hdr})
		chunks = append(chunks, r.Body...)
		p.nreq.Respond(netio.Response{Chunks: chunks, Done: r.Done})
	}
}

// waitAny blocks until one of chans is closed (false), the deadline
// passes or ctx ends (true).
func waitAny(ctx context.Context, chans []<-chan struct{}, deadline time.Time) bool {
	t := time.NewTimer(time.Until(deadline))
	defer t.Stop()
	switch len(chans) {
	case 0:
		select {
		case <-t.C:
		case <-ctx.Done():
		}
		return true
	case 1:
		select {
		case <-chans[0]:
			return false
		case <-t.C:
		case <-ctx.Done():
		}
		return true
	}
	return waitMany(ctx, chans, t.C)
}

package netio

import (
	"context"
	"fmt"
	"log/slog"
	"net"
	"sync"
	"sync/atomic"
	"time"

	"github.com/panjf2000/gnet/v2"

	"sluice/netio/internal/wpoll"
)

// Handler is the protocol layer's side of a Server.
type Handler interface {
	// OnOpen runs on the event loop when a connection is accepted.
	OnOpen(c *Conn)
	// OnClose runs on the event loop once the connection is closed, after
	// the Done of every response that was already handed to Respond.
	OnClose(c *Conn)
	// Serve runs on the event loop for each complete frame (without its
	// 4-byte length), in arrival order. frame is valid only during the
	// call, unless req.TakeFrame hands its ownership to the handler. The
	// handler must call req.Respond exactly once, from any
	// goroutine, at any later time (or inline). It must not block.
	Serve(c *Conn, frame []byte, req *Request)
}

// Server accepts connections, runs them on gnet event loops, frames
// requests and writes responses. See the package doc.
type Server struct {
	cfg    Config
	h      Handler
	log    *slog.Logger
	budget *Budget // nil: exempt (Config.Budget)

	nextID   atomic.Uint64
	inflight atomic.Int64 // request slots not finished, all connections
	draining atomic.Bool  // Shutdown began: no new connections or frames
	stats    stats
	wpoll    *wpoll.Poller
	cli      *gnet.Client // the event loops (no listener of their own)
	acc      atomic.Pointer[acceptor]
	// lockOSThread pins each loop to an OS thread (benchmarks read the
	// loop's thread CPU clock).
	lockOSThread bool
	// muteBroken is set (and logged once) when connections are refused
	// because they cannot be muted (mute.go).
	muteBroken      atomic.Pointer[error]
	muteUnavailable sync.Once
	shutDone        chan struct{} // closed when Shutdown finished

	mu struct {
		sync.Mutex
		started bool
		stopped bool
		addr    net.Addr
		conns   map[uint64]*Conn
	}
}

// NewServer validates cfg (after defaults) and returns a Server that is not
// yet listening. Host names in Config.MaxConnsPerIPOverrides are resolved
// here.
func NewServer(cfg Config, h Handler) (*Server, error) {
	cfg = cfg.EnsureDefaults()
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	if h == nil {
		return nil, fmt.Errorf("%w: nil Handler", ErrInvalidConfig)
	}
	s := &Server{cfg: cfg, h: h, log: cfg.Logger, budget: cfg.Budget, shutDone: make(chan struct{})}
	s.mu.conns = make(map[uint64]*Conn)
	acc, err := newAcceptor(s, cfg)
	if err != nil {
		return nil, err
	}
	s.acc.Store(acc)
	return s, nil
}

// Start listens on cfg.Addr, starts the event loops and the accept
// goroutine, and returns once the listener is bound.
func (s *Server) Start() error {
	s.mu.Lock()
	if s.mu.stopped {
		s.mu.Unlock()
		return ErrServerClosed
	}
	if s.mu.started {
		s.mu.Unlock()
		return ErrServerStarted
	}
	s.mu.started = true
	s.mu.Unlock()

	fail := func(err error) error {
		s.mu.Lock()
		s.mu.stopped = true
		s.mu.Unlock()
		close(s.shutDone) // a later Shutdown has nothing to do
		return err
	}
	ln, err := net.Listen("tcp", s.cfg.Addr)
	if err != nil {
		return fail(fmt.Errorf("netio: listen %s: %w", s.cfg.Addr, err))
	}
	acc := s.acc.Load()
	acc.ln = ln.(*net.TCPListener)
	wp, err := wpoll.New(s.onWritable)
	if err != nil {
		_ = ln.Close()
		return fail(err)
	}
	s.wpoll = wp
	cli, err := gnet.NewClient(&events{s: s},
		gnet.WithMulticore(true),
		gnet.WithNumEventLoop(s.cfg.Loops),
		gnet.WithTicker(true),
		gnet.WithTCPNoDelay(gnet.TCPNoDelay),
		gnet.WithLogger(gnetLogger{s.log}),
		gnet.WithLockOSThread(s.lockOSThread),
	)
	if err == nil {
		err = cli.Start()
	}
	if err != nil {
		_ = ln.Close()
		s.wpoll.Close()
		return fail(fmt.Errorf("netio: starting event loops: %w", err))
	}
	s.cli = cli
	s.mu.Lock()
	s.mu.addr = ln.Addr()
	s.mu.Unlock()
	go acc.run()
	s.log.Info("listening", "addr", ln.Addr().String(), "loops", s.cfg.Loops, "max_connections", acc.maxConns)
	return nil
}

// Addr is the bound listener address (nil before Start).
func (s *Server) Addr() net.Addr {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.mu.addr
}

// Stats returns the counters.
func (s *Server) Stats() Stats {
	st := s.stats.snapshot()
	if s.budget != nil {
		st.BudgetWaits = s.budget.Waits()
	}
	return st
}

// Shutdown closes the listener and stops serving new frames, waits (at
// most until ctx is done) for every request already served to be answered
// and written, then closes all connections and stops the event loops.
func (s *Server) Shutdown(ctx context.Context) error {
	s.mu.Lock()
	if !s.mu.started {
		s.mu.Unlock()
		return ErrNotStarted
	}
	already := s.mu.stopped
	s.mu.stopped = true
	s.mu.Unlock()
	if already {
		<-s.shutDone
		return nil
	}
	defer close(s.shutDone)
	s.draining.Store(true)
	// The accept goroutine must be gone before the loops stop: an
	// enrolment waits for its loop.
	s.acc.Load().close()
	tick := time.NewTicker(5 * time.Millisecond)
	defer tick.Stop()
	var drainErr error
	for s.inflight.Load() > 0 && drainErr == nil {
		select {
		case <-ctx.Done():
			drainErr = ctx.Err()
			s.log.Warn("shutdown: responses still in flight", "count", s.inflight.Load())
		case <-tick.C:
		}
	}
	// Stop returns after every loop closed its connections (OnClose for
	// each).
	if err := s.cli.Stop(); err != nil {
		s.log.Debug("stopping event loops", "err", err)
	}
	s.wpoll.Close()
	s.log.Info("stopped", "addr", s.Addr().String())
	return drainErr
}

// finishRequest accounts one slot as finished.
func (s *Server) finishRequest(c *Conn) {
	c.inflight.Add(-1)
	s.inflight.Add(-1)
}

// onWritable runs on the side poller's goroutine.
func (s *Server) onWritable(id uint64) {
	s.mu.Lock()
	c := s.mu.conns[id]
	s.mu.Unlock()
	if c != nil {
		_ = c.gc.EventLoop().Execute(context.Background(), c.writableTask)
	}
}

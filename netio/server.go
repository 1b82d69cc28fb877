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
	"golang.org/x/sys/unix"

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

// Server accepts connections on gnet event loops, frames requests and
// writes responses. See the package doc.
type Server struct {
	cfg Config
	h   Handler
	log *slog.Logger

	nextID   atomic.Uint64
	inflight atomic.Int64 // request slots not finished, all connections
	draining atomic.Bool  // Shutdown began: no new connections or frames
	stats    stats
	wpoll    *wpoll.Poller
	// lockOSThread pins each loop to an OS thread (benchmarks read the
	// loop's thread CPU clock).
	lockOSThread bool

	booted  chan struct{} // closed by OnBoot
	runDone chan struct{} // closed when gnet.Run returned
	runErr  error         // set before runDone closes

	mu struct {
		sync.Mutex
		started bool
		stopped bool
		eng     gnet.Engine
		addr    net.Addr
		conns   map[uint64]*Conn
	}
}

// NewServer validates cfg (after defaults) and returns a Server that is not
// yet listening.
func NewServer(cfg Config, h Handler) (*Server, error) {
	cfg = cfg.EnsureDefaults()
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	if h == nil {
		return nil, fmt.Errorf("%w: nil Handler", ErrInvalidConfig)
	}
	s := &Server{
		cfg:     cfg,
		h:       h,
		log:     cfg.Logger,
		booted:  make(chan struct{}),
		runDone: make(chan struct{}),
	}
	s.mu.conns = make(map[uint64]*Conn)
	return s, nil
}

// Start listens on cfg.Addr and returns once the listener is bound.
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

	wp, err := wpoll.New(s.onWritable)
	if err != nil {
		return err
	}
	s.wpoll = wp
	go func() {
		defer close(s.runDone)
		s.runErr = gnet.Run(&events{s: s}, "tcp://"+s.cfg.Addr,
			gnet.WithMulticore(true),
			gnet.WithNumEventLoop(s.cfg.Loops),
			gnet.WithTicker(true),
			gnet.WithTCPNoDelay(gnet.TCPNoDelay),
			gnet.WithReuseAddr(true),
			gnet.WithLogger(gnetLogger{s.log}),
			gnet.WithLockOSThread(s.lockOSThread),
		)
	}()
	select {
	case <-s.booted:
		s.log.Info("listening", "addr", s.Addr().String(), "loops", s.cfg.Loops)
		return nil
	case <-s.runDone:
		s.wpoll.Close()
		s.mu.Lock()
		s.mu.stopped = true
		s.mu.Unlock()
		return fmt.Errorf("netio: listen %s: %w", s.cfg.Addr, s.runErr)
	}
}

// Addr is the bound listener address (nil before Start).
func (s *Server) Addr() net.Addr {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.mu.addr
}

// Stats returns the counters.
func (s *Server) Stats() Stats { return s.stats.snapshot() }

// Shutdown stops accepting connections and serving new frames, waits (at
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
	eng := s.mu.eng
	s.mu.Unlock()
	if already {
		<-s.runDone
		return nil
	}
	s.draining.Store(true)
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
	// gnet's Stop returns once shutdown is signalled; Run returns after
	// every loop closed its connections (OnClose for each).
	_ = eng.Stop(context.Background())
	<-s.runDone
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

// listenerAddr reads the bound address from a dup of the listener socket.
func listenerAddr(eng gnet.Engine) (net.Addr, error) {
	fd, err := eng.Dup()
	if err != nil {
		return nil, err
	}
	defer unix.Close(fd)
	sa, err := unix.Getsockname(fd)
	if err != nil {
		return nil, err
	}
	switch a := sa.(type) {
	case *unix.SockaddrInet4:
		return &net.TCPAddr{IP: net.IP(a.Addr[:]).To16(), Port: a.Port}, nil
	case *unix.SockaddrInet6:
		return &net.TCPAddr{IP: net.IP(a.Addr[:]), Port: a.Port}, nil
	}
	return nil, fmt.Errorf("netio: unexpected listener address %T", sa)
}

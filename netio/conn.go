package netio

import (
	"context"
	"net"
	"sync"
	"sync/atomic"
	"time"

	"github.com/panjf2000/gnet/v2"
)

// Conn is one client connection. Its exported methods are safe from any
// goroutine; everything else is owned by its event loop unless noted.
type Conn struct {
	s      *Server
	gc     gnet.Conn
	id     uint64
	remote net.Addr
	ip     string // normalised remote IP, counted against max.connections.per.ip

	userData   atomic.Pointer[userDataBox]
	lastActive atomic.Int64 // unix nanos of the last read or write progress
	inflight   atomic.Int32 // slots not yet finished
	unanswered atomic.Int32 // slots not yet answered (Respond)
	idleClosed atomic.Bool  // the idle timeout asked gnet to close it
	// paused: OnTraffic stopped framing at one of the connection's own
	// bounds; the next slot to be answered or to finish (on the loop or
	// in a direct write) resumes it.
	paused atomic.Bool
	// queued: frame bytes of requests served and not yet answered
	// (MaxQueuedBytes). unsent: memory-chunk bytes of responses answered
	// and not yet written (MaxUnsentBytes).
	queued atomic.Int64
	unsent atomic.Int64
	// budget is the connection's place in the Server's Budget, guarded
	// by Budget.mu.
	budget budgetWait

	mu struct {
		sync.Mutex
		queue      []*Request // slots not yet handed to the writer, in request order
		serving    bool       // the loop is inside OnTraffic and pumps afterwards
		pumpQueued bool       // a pump task is queued on the loop
		closed     bool       // OnClose ran: Respond finishes slots itself
		// loopWriting: the loop owns the socket's write side (slots taken
		// into out, waiting in the side poller, or closing); Respond
		// then never writes itself (direct.go).
		loopWriting bool
		// directWriting: a Respond is writing its response (direct.go).
		directWriting bool
	}
	// wmu is held by a Respond writing directly and taken by OnClose, so
	// that gnet closes the socket only after such a write ended.
	// Order: wmu before mu.
	wmu sync.Mutex

	// Event-loop only.
	out        []*Request // ready slots being written; out[0] is at the cursor
	ci         int        // cursor: chunk index within out[0]
	coff       int64      // cursor: bytes of that chunk already written
	iov        [][]byte   // writev scratch
	copyBuf    *[]byte    // copying fallback buffer (pooled), nil when idle
	copyPend   []byte     // read from file, not yet written (next bytes at the cursor)
	armed      bool       // waiting in the side poller for writability
	wpolled    bool       // the socket is registered in the side poller (removed in OnClose)
	closing    bool       // close requested (CloseAfter, bad frame, write error)
	closed     bool       // OnClose ran
	noSendfile bool       // sendfile refused once on this connection: copy from now on
	leftover   int        // inbound bytes already counted in Stats.BytesIn
	asm        []byte     // body of a large frame being assembled (assemble.go)
	asmLen     int        // its size; 0 when none is in progress
	asmCharge  int64      // bytes charged (queued, Budget) for the frame being assembled
	charge     int64      // bytes charged for the frame nextFrame just returned
	epfd       int        // the gnet loop's epoll instance (mute.go)
	muted      bool       // not read: registered for EPOLLRDHUP only (mute.go)

	pumpTask     gnet.RunnableFunc
	writableTask gnet.RunnableFunc
}

type userDataBox struct{ v any }

func newConn(s *Server, gc gnet.Conn, id uint64, ip string) *Conn {
	c := &Conn{s: s, gc: gc, id: id, remote: gc.RemoteAddr(), ip: ip, epfd: -1}
	c.pumpTask = func(context.Context) error {
		c.mu.Lock()
		c.mu.pumpQueued = false
		c.mu.Unlock()
		c.pump()
		return nil
	}
	c.writableTask = func(context.Context) error {
		c.armed = false
		c.pump()
		return nil
	}
	c.touch()
	return c
}

// ID is unique per Server for its lifetime.
func (c *Conn) ID() uint64 { return c.id }

// RemoteAddr is the client's address.
func (c *Conn) RemoteAddr() net.Addr { return c.remote }

// SetUserData attaches a value of the handler's choosing.
func (c *Conn) SetUserData(v any) { c.userData.Store(&userDataBox{v}) }

// UserData returns what SetUserData stored, or nil.
func (c *Conn) UserData() any {
	if b := c.userData.Load(); b != nil {
		return b.v
	}
	return nil
}

// Close closes the connection at once; responses not yet written are
// dropped (their Done still runs). Use Response.CloseAfter to close after a
// response instead.
func (c *Conn) Close() { _ = c.gc.Close() }

func (c *Conn) touch() { c.lastActive.Store(time.Now().UnixNano()) }

// schedulePump queues a pump on the connection's event loop. If the engine
// is already stopping the task is dropped: OnClose will finish the slots.
func (c *Conn) schedulePump() {
	if err := c.gc.EventLoop().Execute(context.Background(), c.pumpTask); err != nil {
		c.mu.Lock()
		c.mu.pumpQueued = false
		c.mu.Unlock()
	}
}

// takeReadyLocked moves the ready prefix of the queue to the writer.
// REQUIRES: c.mu held, on the event loop.
func (c *Conn) takeReadyLocked() {
	i := 0
	for i < len(c.mu.queue) && c.mu.queue[i].state == slotReady {
		i++
	}
	if i == 0 {
		return
	}
	if len(c.out) == 0 {
		// A direct write may have sent the head's first bytes.
		c.ci, c.coff = 0, int64(c.mu.queue[0].sent)
	}
	c.mu.loopWriting = true
	c.out = append(c.out, c.mu.queue[:i]...)
	clear(c.mu.queue[:i])
	c.mu.queue = c.mu.queue[i:]
	if len(c.mu.queue) == 0 {
		c.mu.queue = nil // let the backing array go
	}
}

// closeSoon stops all writing and asks gnet to close the connection; OnClose
// follows on this loop.
func (c *Conn) closeSoon() {
	if c.closing {
		return
	}
	c.setClosing()
	_ = c.gc.Close()
}

// setClosing stops all writing: the loop keeps the write side until OnClose.
func (c *Conn) setClosing() {
	c.closing = true
	c.mu.Lock()
	c.mu.loopWriting = true
	c.mu.Unlock()
}

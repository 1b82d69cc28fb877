package netio

import (
	"encoding/binary"
	"net"
	"sync"
	"testing"
	"time"
)

// holdHandler keeps every request unanswered until release, then answers
// each with its first 8 bytes (connection-local sequence numbers).
type holdHandler struct {
	toyHandler
	mu struct {
		sync.Mutex
		held     []*Request
		bodies   [][]byte
		released bool
	}
}

func newHoldHandler() *holdHandler {
	h := &holdHandler{}
	h.serve = func(c *Conn, frame []byte, req *Request) {
		head := append([]byte(nil), frame[:8]...)
		h.mu.Lock()
		if h.mu.released {
			h.mu.Unlock()
			req.Respond(Response{Chunks: framed(Chunk{Mem: head})})
			return
		}
		h.mu.held = append(h.mu.held, req)
		h.mu.bodies = append(h.mu.bodies, head)
		h.mu.Unlock()
	}
	return h
}

func (h *holdHandler) served() int {
	h.mu.Lock()
	defer h.mu.Unlock()
	return len(h.mu.held)
}

// release answers what is held and everything after.
func (h *holdHandler) release() {
	h.mu.Lock()
	held, bodies := h.mu.held, h.mu.bodies
	h.mu.held, h.mu.bodies, h.mu.released = nil, nil, true
	h.mu.Unlock()
	for i, r := range held {
		r.Respond(Response{Chunks: framed(Chunk{Mem: bodies[i]})})
	}
}

// sendSeq writes n frames of size bytes carrying 0..n-1 in their first 8
// bytes, from a goroutine (writes block once the server stops reading).
func sendSeq(t *testing.T, c net.Conn, n, size int) {
	t.Helper()
	go func() {
		_ = c.SetWriteDeadline(time.Now().Add(30 * time.Second))
		body := make([]byte, size)
		for i := range n {
			binary.BigEndian.PutUint64(body, uint64(i))
			if writeFrame(c, body) != nil {
				return
			}
		}
	}()
}

// readSeq expects n responses carrying 0..n-1.
func readSeq(t *testing.T, c net.Conn, n int) {
	t.Helper()
	for i := range n {
		_ = c.SetReadDeadline(time.Now().Add(10 * time.Second))
		got, err := readFrame(c)
		if err != nil {
			t.Fatalf("response %d of %d: %v", i, n, err)
		}
		if seq := binary.BigEndian.Uint64(got); seq != uint64(i) {
			t.Fatalf("response %d carries %d", i, seq)
		}
	}
}

// The Budget bounds the request bytes that the servers sharing it hold:
// frames past it wait (their connections muted) until answers release
// bytes; a server without a budget (a control-plane listener) is not held
// up; everything is answered in order once released, and the budget ends
// empty.
func TestBudgetBoundsQueuedRequestBytes(t *testing.T) {
	const (
		budgetBytes = 1 << 20
		frameSize   = 300 << 10 // assembled (>= 32 KiB) and small enough to pass in part
		perConn     = 10
		conns       = 4
	)
	b := NewBudget(budgetBytes)
	ha := newHoldHandler()
	cfg := Config{Budget: b, MaxInflight: 1000, MaxQueuedBytes: 1 << 30}
	a := startServer(t, cfg, ha)
	hb := newHoldHandler()
	bsrv := startServer(t, cfg, hb)
	control := startServer(t, Config{}, echoHandler()) // exempt

	var clients []net.Conn
	for range conns {
		c := dial(t, a)
		clients = append(clients, c)
		sendSeq(t, c, perConn, frameSize)
	}
	waitFor(t, 10*time.Second, "budget exhausted", func() bool { return b.Used() >= budgetBytes && b.Waiting() >= 1 })
	time.Sleep(200 * time.Millisecond) // nothing more gets in
	if served, used := ha.served(), b.Used(); served > budgetBytes/frameSize+1 || used > budgetBytes+frameSize {
		t.Fatalf("served %d frames, %d bytes charged; budget %d", served, used, budgetBytes)
	}
	if st := a.Stats(); st.MutedConns < 1 || st.QueuedBytes != b.Used() {
		t.Fatalf("stats %+v, budget used %d", st, b.Used())
	}

	// Another server sharing the budget waits too; an exempt one does not.
	cb := dial(t, bsrv)
	sendSeq(t, cb, 1, 64)
	cc := dial(t, control)
	roundTrip(t, cc, []byte("control plane"))
	time.Sleep(100 * time.Millisecond)
	if hb.served() != 0 {
		t.Fatal("a server sharing the exhausted budget served a frame")
	}

	ha.release()
	hb.release()
	for _, c := range clients {
		readSeq(t, c, perConn)
	}
	readSeq(t, cb, 1)
	waitFor(t, 5*time.Second, "budget empty", func() bool { return b.Used() == 0 && b.Waiting() == 0 })
	if b.Waits() < 1 {
		t.Fatal("no connection ever waited")
	}
	waitFor(t, 5*time.Second, "unmuted", func() bool { return a.Stats().MutedConns == 0 })
}

// A connection waiting for the budget, or cut off half-way through a
// frame, gives back what it holds when it closes.
func TestBudgetGivenBackOnClose(t *testing.T) {
	b := NewBudget(1 << 20)
	h := newHoldHandler()
	s := startServer(t, Config{Budget: b, MaxQueuedBytes: 1 << 30}, h)

	hog := dial(t, s)
	sendSeq(t, hog, 4, 300<<10) // 1200 KiB held
	waitFor(t, 5*time.Second, "budget exhausted", func() bool { return b.Used() >= 1<<20 })

	waiter := dial(t, s)
	sendSeq(t, waiter, 1, 64)
	waitFor(t, 5*time.Second, "waiter queued", func() bool { return b.Waiting() == 1 })
	waiter.Close()
	waitFor(t, 5*time.Second, "waiter gone", func() bool { return b.Waiting() == 0 })

	// A frame announced at 512 KiB of which only 100 KiB arrive.
	h.release() // the hog's frames are answered: budget back to 0
	waitFor(t, 5*time.Second, "hog answered", func() bool { return b.Used() == 0 })
	partial := dial(t, s)
	msg := binary.BigEndian.AppendUint32(nil, 512<<10)
	if _, err := partial.Write(append(msg, make([]byte, 100<<10)...)); err != nil {
		t.Fatal(err)
	}
	waitFor(t, 5*time.Second, "partial frame charged", func() bool { return b.Used() == 512<<10 })
	partial.Close()
	waitFor(t, 5*time.Second, "partial frame released", func() bool { return b.Used() == 0 })
	if st := s.Stats(); st.QueuedBytes != 0 {
		t.Fatalf("QueuedBytes %d after everything closed or answered", st.QueuedBytes)
	}
}

// MaxQueuedBytes bounds one connection's unanswered request bytes.
func TestMaxQueuedBytesPerConn(t *testing.T) {
	h := newHoldHandler()
	s := startServer(t, Config{MaxQueuedBytes: 1 << 20}, h)
	c := dial(t, s)
	sendSeq(t, c, 20, 300<<10)
	waitFor(t, 5*time.Second, "muted", func() bool { return s.Stats().MutedConns == 1 })
	time.Sleep(100 * time.Millisecond)
	if n := h.served(); n != 4 { // 0, 300, 600, 900 KiB < 1 MiB admit; 1200 does not
		t.Fatalf("served %d frames of 300 KiB with MaxQueuedBytes 1 MiB", n)
	}
	h.release()
	readSeq(t, c, 20)
}

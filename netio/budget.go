package netio

import (
	"slices"
	"sync"
	"sync/atomic"
)

// Budget bounds the request bytes that the Servers sharing it hold at once
// (Kafka's queued.max.request.bytes): a frame is charged its size from the
// moment its length prefix is read until the handler answers it
// (Request.Respond). A connection may start a frame while the total is below
// the bound; the frame is charged in full at once, even when it is still
// arriving, so the total can exceed the bound by at most one frame (Kafka's
// memory pool is non-strict in the same way), and a frame once started is
// never stopped half-way (two half-read frames waiting for each other's
// budget would wait forever).
//
// When the bound is reached, a connection about to start a frame waits in a
// FIFO queue, muted: it reads nothing more from its socket. Released bytes
// are granted to the head of the queue in order, on the waiter's behalf, and
// the waiter's event loop is woken to serve the frame it was holding back.
// Arrivals queue behind waiters, so a steady stream of small frames cannot
// starve a large one.
//
// A Server without a Budget (Config.Budget nil) never waits: a control-plane
// or inter-broker listener must not queue behind client traffic (KIP-291).
type Budget struct {
	max   int64
	waits atomic.Int64 // times a connection had to wait
	mu    struct {
		sync.Mutex
		used    int64
		waiters []*Conn // FIFO of connections waiting to start a frame
	}
}

// budgetWait is a connection's place in its Budget. Guarded by Budget.mu.
type budgetWait struct {
	waiting bool  // in Budget.mu.waiters
	want    int64 // the size of the frame it holds back
	granted int64 // charged on its behalf, to be used by its next frame
}

// NewBudget returns a Budget of maxBytes. maxBytes <= 0 means no bound
// (Kafka's -1): it returns nil, which Config.Budget takes as "exempt".
func NewBudget(maxBytes int64) *Budget {
	if maxBytes <= 0 {
		return nil
	}
	return &Budget{max: maxBytes}
}

// Max is the bound in bytes.
func (b *Budget) Max() int64 { return b.max }

// Used is the number of bytes charged now.
func (b *Budget) Used() int64 {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.mu.used
}

// Waiting is the number of connections waiting for the budget now.
func (b *Budget) Waiting() int {
	b.mu.Lock()
	defer b.mu.Unlock()
	return len(b.mu.waiters)
}

// Waits counts the times a connection had to wait.
func (b *Budget) Waits() int64 { return b.waits.Load() }

// admit charges n bytes for the frame c is about to start and reports
// whether it may start. If not, c is queued (once) and woken when its turn
// comes; the frame must stay where it is until then.
// Event loop of c only.
func (b *Budget) admit(c *Conn, n int64) bool {
	b.mu.Lock()
	defer b.mu.Unlock()
	w := &c.budget
	switch {
	case w.granted > 0:
		// Woken with a grant for this frame (its size cannot have changed:
		// the length prefix stayed in the inbound buffer).
		b.mu.used += n - w.granted
		w.granted = 0
		return true
	case w.waiting:
		return false
	case len(b.mu.waiters) == 0 && b.mu.used < b.max:
		b.mu.used += n
		return true
	}
	w.waiting, w.want = true, n
	b.mu.waiters = append(b.mu.waiters, c)
	b.waits.Add(1)
	return false
}

// release gives back n charged bytes and wakes the waiters it lets in.
// Any goroutine.
func (b *Budget) release(n int64) {
	if n <= 0 {
		return
	}
	b.mu.Lock()
	b.mu.used -= n
	wake := b.grantLocked()
	b.mu.Unlock()
	wakeAll(wake)
}

// forget takes c out of the queue and returns what was granted to it: c
// closed, or it will not start a frame soon (muted for its own bounds).
func (b *Budget) forget(c *Conn) {
	b.mu.Lock()
	w := &c.budget
	if w.waiting {
		if i := slices.Index(b.mu.waiters, c); i >= 0 {
			b.mu.waiters = slices.Delete(b.mu.waiters, i, i+1)
		}
		w.waiting = false
	}
	b.mu.used -= w.granted
	w.granted = 0
	wake := b.grantLocked()
	b.mu.Unlock()
	wakeAll(wake)
}

// grantLocked charges the head waiters' frames while the budget is below
// its bound and returns them to be woken.
// REQUIRES: b.mu held.
func (b *Budget) grantLocked() []*Conn {
	var wake []*Conn
	for len(b.mu.waiters) > 0 && b.mu.used < b.max {
		c := b.mu.waiters[0]
		b.mu.waiters[0] = nil
		b.mu.waiters = b.mu.waiters[1:]
		w := &c.budget
		w.waiting = false
		w.granted = w.want
		b.mu.used += w.want
		wake = append(wake, c)
	}
	if len(b.mu.waiters) == 0 {
		b.mu.waiters = nil // let the backing array go
	}
	return wake
}

// wakeAll runs OnTraffic of each connection on its loop. A connection that
// closed meanwhile returned its grant in OnClose (forget).
func wakeAll(cs []*Conn) {
	for _, c := range cs {
		_ = c.gc.Wake(nil)
	}
}

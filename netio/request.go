package netio

import "sync/atomic"

// slotState is the life cycle of a response slot. Transitions happen under
// Conn.mu: pending -> ready (Respond) -> finished (written, or the
// connection closed); pending -> finished when Respond comes after close.
type slotState uint8

const (
	slotPending slotState = iota
	slotReady
	slotFinished
)

// Request is the response slot of one frame. Serve receives it; the handler
// answers with Respond exactly once, from any goroutine, at any time.
type Request struct {
	c *Conn
	// owned is the frame's assembly buffer, set by the event loop for the
	// duration of Serve when the frame was assembled (assemble.go); nil
	// otherwise and once TakeFrame took it. Event loop only.
	owned []byte
	// Guarded by c.mu.
	state  slotState
	resp   Response
	sent   int   // bytes a direct write sent before handing the rest to the loop
	unsent int64 // memory-chunk bytes counted in Conn.unsent until finished
	// charge is the frame's bytes counted in Conn.queued and the Budget,
	// set before Serve, given back by the first Respond.
	charge atomic.Int64
}

// Conn is the connection the request arrived on.
func (r *Request) Conn() *Conn { return r.c }

// TakeFrame hands ownership of the frame Serve is serving to the caller,
// when netio assembled it in a pooled buffer of its own: it returns the same
// bytes as Serve's frame argument and true, and the frame then stays valid
// (netio never touches it again) until the caller passes it to ReleaseFrame
// exactly once. It returns nil, false when the frame lives in gnet's inbound
// buffer (the caller must copy what it keeps) or was taken already. Call it
// only during Serve, on the event loop.
func (r *Request) TakeFrame() ([]byte, bool) {
	f := r.owned
	r.owned = nil
	return f, f != nil
}

// Respond fills the slot. Responses leave the connection in request order, so
// this one is written once every earlier request has been answered and
// written. If the connection is already closed, resp.Done runs at once on
// the calling goroutine. A second Respond on the same Request is a handler
// bug: it is logged and its Done is called, nothing is written.
func (r *Request) Respond(resp Response) {
	c := r.c
	// Count the answer as unsent, then give back the request's charge
	// (its frame is no longer held; a second Respond finds nothing): the
	// connection may be read again, the Budget may let a waiter in.
	unsent := resp.memSize()
	c.unsent.Add(unsent)
	if charge := r.charge.Swap(0); charge > 0 { // frames are at least 1 byte: the first Respond
		c.touch() // before unanswered drops: the idle check must not see a stale time
		c.unanswered.Add(-1)
		c.releaseCharge(charge)
	}
	c.mu.Lock()
	switch {
	case r.state != slotPending:
		c.mu.Unlock()
		c.unsent.Add(-unsent)
		c.s.log.Error("Respond called twice for one request", "conn", c.id)
		callDone(resp.Done)
		return
	case c.mu.closed:
		r.state = slotFinished
		c.mu.Unlock()
		c.unsent.Add(-unsent)
		c.s.finishRequest(c)
		callDone(resp.Done)
		return
	}
	r.resp = resp
	r.unsent = unsent
	if c.tryDirectLocked(r) {
		return // c.mu released, response written or handed to the loop
	}
	r.state = slotReady
	// Only the head of the unwritten queue can make progress; while the loop
	// is serving frames it pumps afterwards anyway; one queued pump is enough.
	schedule := len(c.mu.queue) > 0 && c.mu.queue[0] == r && !c.mu.serving && !c.mu.pumpQueued
	if schedule {
		c.mu.pumpQueued = true
	}
	c.mu.Unlock()
	if schedule {
		c.schedulePump()
	}
}

func callDone(done func()) {
	if done != nil {
		done()
	}
}

// releaseCharge gives back a frame's charge: the connection may be below
// MaxQueuedBytes again, and the Budget may let a waiter in.
// Any goroutine, no lock held.
func (c *Conn) releaseCharge(n int64) {
	if n <= 0 {
		return
	}
	c.queued.Add(-n)
	c.s.stats.queuedBytes.Add(-n)
	if b := c.s.budget; b != nil {
		b.release(n)
	}
	c.resumeFraming()
}

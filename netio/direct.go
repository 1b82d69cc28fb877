package netio

import "golang.org/x/sys/unix"

// Direct writes. A response answered on another goroutine normally reaches
// the socket through the event loop: Respond queues a pump task (an eventfd
// write that wakes the loop), and the loop wakes up and writes. When the
// loop holds nothing of the connection's to write and the response is the
// next one due, Respond writes it itself instead: one write(2) on the
// responder's goroutine in place of a wake-up and a pass of the loop
// (about 30 µs of CPU per response on the test VM). A short write hands
// the rest to the loop, which carries on from Request.sent.
//
// Only a response of one memory chunk that does not close the connection
// is written directly, only at the head of the queue, and only while the
// loop owns nothing of the write side (mu.loopWriting: no slots taken, not
// waiting for writability, not closing), has no pump queued and is not
// inside OnTraffic (which pumps when it ends). wmu keeps the socket open
// during such a write: gnet closes the descriptor after OnClose, and
// OnClose takes wmu after setting mu.closed.

// tryDirectLocked writes r's response on the calling goroutine when the
// rules above allow it. It returns false, with c.mu still held, when they
// do not; true (c.mu released) when the response was written or, after a
// short write, handed to the loop.
// REQUIRES: c.mu held; r pending with r.resp set.
func (c *Conn) tryDirectLocked(r *Request) bool {
	resp := r.resp
	if c.mu.loopWriting || c.mu.directWriting || c.mu.serving || c.mu.pumpQueued || c.mu.closed ||
		len(c.mu.queue) == 0 || c.mu.queue[0] != r ||
		len(resp.Chunks) != 1 || resp.Chunks[0].File != nil || resp.CloseAfter || resp.NoResponse {
		return false
	}
	// wmu comes before mu; TryLock never waits, so taking it here is safe.
	if !c.wmu.TryLock() {
		return false
	}
	c.mu.directWriting = true
	c.mu.Unlock()

	b := resp.Chunks[0].Mem
	n, err := unix.Write(c.gc.Fd(), b)
	if n < 0 || err != nil && n <= 0 {
		n = 0 // the loop meets the error again and closes, or retries
	}
	c.s.stats.directWrites.Add(1)
	if n > 0 {
		c.touch()
		c.s.stats.bytesOut.Add(int64(n))
	}

	c.mu.Lock()
	c.mu.directWriting = false
	if n < len(b) && !c.mu.closed {
		r.sent = n
		r.state = slotReady
		schedule := !c.mu.serving && !c.mu.pumpQueued
		if schedule {
			c.mu.pumpQueued = true
		}
		c.mu.Unlock()
		c.wmu.Unlock()
		if schedule {
			c.schedulePump()
		}
		return true
	}
	// Written, or the connection closed meanwhile (OnClose left the
	// pending slot to us): finish it.
	r.state = slotFinished
	c.mu.queue[0] = nil
	c.mu.queue = c.mu.queue[1:]
	if len(c.mu.queue) == 0 {
		c.mu.queue = nil
	}
	schedule := !c.mu.closed && len(c.mu.queue) > 0 && c.mu.queue[0].state == slotReady &&
		!c.mu.serving && !c.mu.pumpQueued
	if schedule {
		c.mu.pumpQueued = true
	}
	c.mu.Unlock()
	c.wmu.Unlock()
	c.touch() // before inflight drops: the idle check must not see a stale time
	c.unsent.Add(-r.unsent)
	c.s.finishRequest(c)
	callDone(resp.Done)
	c.resumeFraming()
	if schedule {
		c.schedulePump()
	}
	return true
}

// releaseWriteSide lets Respond write directly again once the loop holds
// nothing to write. Event loop only (deferred by pump).
func (c *Conn) releaseWriteSide() {
	if len(c.out) > 0 || c.armed || c.closing || c.closed || len(c.copyPend) > 0 {
		return
	}
	c.mu.Lock()
	c.mu.loopWriting = false
	c.mu.Unlock()
}

// resumeFraming wakes OnTraffic when it stopped framing at one of the
// connection's bounds (frames wait in gnet's inbound buffer, the connection
// is muted; Wake runs OnTraffic again, which unmutes it if it may read).
// Any goroutine, after a slot was answered or finished.
func (c *Conn) resumeFraming() {
	if c.paused.CompareAndSwap(true, false) {
		_ = c.gc.Wake(nil)
	}
}

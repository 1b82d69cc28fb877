package netio

import (
	"time"

	"github.com/panjf2000/gnet/v2"
)

// frameHeaderSize is the length prefix: a big-endian int32 counting the
// bytes that follow it.
const frameHeaderSize = 4

// events adapts gnet's callbacks to the Server. Every method but OnTick runs
// on an event loop.
type events struct {
	gnet.BuiltinEventEngine
	s *Server
}

func (e *events) OnOpen(gc gnet.Conn) ([]byte, gnet.Action) {
	s := e.s
	pc, _ := gc.Context().(*pendingConn)
	if pc == nil {
		return nil, gnet.Close // not enrolled by the acceptor: cannot happen
	}
	pc.opened.Store(true) // from here on OnClose releases its count
	if s.draining.Load() {
		return nil, gnet.Close
	}
	c := newConn(s, gc, s.nextID.Add(1), pc.ip)
	if err := c.initMute(); err != nil {
		s.muteUnavailable.Do(func() {
			s.muteBroken.Store(&err)
			s.log.Error("refusing connections: netio cannot bound their reads", "err", err)
		})
		return nil, gnet.Close
	}
	gc.SetContext(c)
	s.mu.Lock()
	s.mu.conns[c.id] = c
	s.mu.Unlock()
	s.stats.activeConns.Add(1)
	s.stats.acceptedConns.Add(1)
	s.h.OnOpen(c)
	return nil, gnet.None
}

func (e *events) OnClose(gc gnet.Conn, err error) gnet.Action {
	s := e.s
	c, ok := gc.Context().(*Conn)
	if !ok {
		if pc, ok := gc.Context().(*pendingConn); ok { // refused in OnOpen
			s.acc.Load().release(pc.ip)
		}
		return gnet.None
	}
	gc.SetContext(nil)
	c.closed, c.closing = true, true
	c.mu.Lock()
	c.mu.closed = true
	c.mu.Unlock()
	c.wmu.Lock() // wait out a direct write: gnet closes the fd after OnClose
	c.wmu.Unlock()
	c.releaseAssembly()
	if c.asmCharge > 0 { // a frame cut short: nobody will answer it
		c.releaseCharge(c.asmCharge)
		c.asmCharge = 0
	}
	if s.budget != nil {
		s.budget.forget(c)
	}
	if c.muted {
		c.muted = false
		s.stats.mutedConns.Add(-1)
	}
	if c.wpolled {
		s.wpoll.Remove(gc.Fd())
		c.wpolled = false
	}
	c.releaseCopyBuf()

	// Finish every slot that was answered; unanswered ones are finished by
	// their Respond, which sees mu.closed.
	var done []func()
	c.mu.Lock()
	c.mu.closed = true
	for _, r := range c.out {
		r.state = slotFinished
		done = append(done, r.resp.Done)
	}
	var still []*Request
	for _, r := range c.mu.queue {
		if r.state == slotReady {
			r.state = slotFinished
			done = append(done, r.resp.Done)
		} else {
			still = append(still, r)
		}
	}
	c.mu.queue = still
	c.mu.Unlock()
	for range done {
		s.finishRequest(c)
	}
	c.out = nil
	for _, d := range done {
		callDone(d)
	}

	s.mu.Lock()
	delete(s.mu.conns, c.id)
	s.mu.Unlock()
	s.stats.activeConns.Add(-1)
	s.acc.Load().release(c.ip)
	if err != nil {
		s.log.Debug("connection closed", "conn", c.id, "remote", c.remote, "err", err)
	}
	s.h.OnClose(c)
	return gnet.None
}

// OnTraffic cuts complete frames off the inbound buffer and serves them.
// A length prefix out of range closes the connection before its body is
// waited for. A connection at one of its bounds, or waiting for the
// Budget, or on a server shutting down, is muted when OnTraffic returns;
// one that may read on is unmuted (mute.go).
func (e *events) OnTraffic(gc gnet.Conn) gnet.Action {
	s := e.s
	c, ok := gc.Context().(*Conn)
	if !ok {
		return gnet.Close
	}
	buffered := gc.InboundBuffered()
	s.stats.bytesIn.Add(int64(buffered - c.leftover))
	c.touch()
	if c.closing {
		_, _ = gc.Discard(buffered)
		c.leftover = 0
		return gnet.Close
	}

	action := gnet.None
	blocked := false
	c.mu.Lock()
	c.mu.serving = true
	c.mu.Unlock()
	for {
		if s.draining.Load() {
			blocked = true
			break
		}
		// Between frames, check the connection's own bounds. A frame
		// being assembled was admitted and charged: it is read to its end.
		if c.asmLen == 0 && c.overBounds() {
			c.pump() // write what is answered already (inline responses)
			if c.closing {
				break
			}
			if c.overBounds() {
				// A slot answered or finished wakes us (resumeFraming).
				// Set, then look again: one finished in between may not
				// have seen the flag.
				c.paused.Store(true)
				if c.overBounds() || !c.paused.CompareAndSwap(true, false) {
					if s.budget != nil {
						s.budget.forget(c) // hold no place or grant while muted for our own bounds
					}
					blocked = true
					break
				}
			}
		}
		frame, assembled, bad, wait, size := c.nextFrame(gc, s.cfg.MaxFrameBytes)
		if bad {
			s.stats.badFrames.Add(1)
			s.log.Warn("closing connection: invalid frame size", "conn", c.id, "remote", c.remote,
				"size", size, "max", s.cfg.MaxFrameBytes, "err", ErrFrameSize)
			c.setClosing()
			action = gnet.Close
			break
		}
		if wait {
			blocked = true // the Budget wakes us with a grant
			break
		}
		if frame == nil {
			break
		}
		r := &Request{c: c}
		r.charge.Store(c.charge)
		c.charge = 0
		if assembled {
			r.owned = frame
		}
		c.mu.Lock()
		c.mu.queue = append(c.mu.queue, r)
		c.mu.Unlock()
		c.inflight.Add(1)
		c.unanswered.Add(1)
		s.inflight.Add(1)
		s.stats.frames.Add(1)
		s.h.Serve(c, frame, r)
		if assembled {
			if r.owned == nil { // taken by the handler
				c.disownAssembly()
			} else {
				r.owned = nil
				c.releaseAssembly()
			}
		}
		if c.closing {
			break
		}
	}
	c.mu.Lock()
	c.mu.serving = false
	c.mu.Unlock()
	if action == gnet.Close {
		_, _ = gc.Discard(gc.InboundBuffered())
		c.leftover = 0
		return action
	}
	c.leftover = gc.InboundBuffered()
	c.setMuted(blocked)
	c.pump()
	return gnet.None
}

// overBounds reports whether the connection holds as many requests,
// request bytes or unsent response bytes as it may.
func (c *Conn) overBounds() bool {
	cfg := &c.s.cfg
	return int(c.inflight.Load()) >= cfg.MaxInflight || c.queued.Load() >= cfg.MaxQueuedBytes ||
		c.unsent.Load() >= cfg.MaxUnsentBytes
}

// OnTick runs on gnet's ticker goroutine: it closes idle connections, those
// without read or write progress for IdleTimeout and with no request the
// handler has yet to answer (answered ones stuck behind a client that does
// not read do not keep a connection open, as in Kafka).
func (e *events) OnTick() (time.Duration, gnet.Action) {
	s := e.s
	idle := s.cfg.IdleTimeout
	if idle <= 0 {
		return time.Second, gnet.None
	}
	deadline := time.Now().Add(-idle).UnixNano()
	var victims []*Conn
	s.mu.Lock()
	for _, c := range s.mu.conns {
		if c.unanswered.Load() == 0 && c.lastActive.Load() < deadline && !c.idleClosed.Load() {
			victims = append(victims, c)
		}
	}
	s.mu.Unlock()
	for _, c := range victims {
		c.idleClosed.Store(true)
		s.stats.idleClosed.Add(1)
		s.log.Info("closing idle connection", "conn", c.id, "remote", c.remote, "idle", idle)
		c.Close()
	}
	return min(max(idle/4, 5*time.Millisecond), time.Second), gnet.None
}

package netio

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"runtime"
	"sync"

	"golang.org/x/sys/unix"
)

const (
	// pumpBudget bounds the bytes one pump writes before yielding the loop
	// to other connections (it requeues itself).
	pumpBudget = 4 << 20
	// iovMax is Linux's UIO_MAXIOV.
	iovMax = 1024
	// copyBufSize is the read size of the copying fallback.
	copyBufSize = 256 << 10
	// sendfileMax bounds one sendfile(2) call (the budget is the real bound).
	sendfileMax = 1 << 30
)

var copyBufPool = sync.Pool{New: func() any { b := make([]byte, copyBufSize); return &b }}

// pump writes ready responses in order until the queue is empty, the socket
// is full (EAGAIN: arm the side poller) or the budget is spent (requeue).
// Event loop only.
func (c *Conn) pump() {
	if c.closed || c.closing || c.armed {
		return
	}
	if c.gc.OutboundBuffered() > 0 {
		// Invariant: netio never writes through gnet, so its buffer is empty.
		c.s.log.Error("gnet outbound buffer not empty, closing", "conn", c.id)
		c.closeSoon()
		return
	}
	c.mu.Lock()
	c.takeReadyLocked()
	c.mu.Unlock()

	defer c.releaseWriteSide()
	fd := c.gc.Fd()
	budget := int64(pumpBudget)
	for len(c.out) > 0 {
		r := c.out[0]
		if r.resp.NoResponse || c.ci >= len(r.resp.Chunks) {
			c.finishHead()
			if c.closing {
				return
			}
			continue
		}
		ch := &r.resp.Chunks[c.ci]
		if ch.size()-c.coff <= 0 {
			c.ci, c.coff = c.ci+1, 0
			continue
		}
		if budget <= 0 {
			c.mu.Lock()
			queued := c.mu.pumpQueued
			c.mu.pumpQueued = true
			c.mu.Unlock()
			if !queued {
				c.schedulePump()
			}
			return
		}
		var n int64
		var err error
		if ch.File == nil {
			n, err = c.writeMem(fd, budget)
		} else {
			n, err = c.writeFile(fd, ch, budget)
		}
		budget -= n
		if n > 0 {
			c.touch()
		}
		switch {
		case err == nil:
		case errors.Is(err, unix.EAGAIN):
			c.arm()
			return
		default:
			level := slog.LevelInfo
			if errors.Is(err, unix.EPIPE) || errors.Is(err, unix.ECONNRESET) {
				level = slog.LevelDebug // the client went away
			}
			c.s.log.Log(context.Background(), level, "closing connection after write error",
				"conn", c.id, "remote", c.remote, "err", err)
			c.closeSoon()
			return
		}
	}
}

// writeMem gathers consecutive memory chunks from the cursor on (across
// ready responses, stopping at a file chunk, at the end of a CloseAfter
// response, at iovMax or the budget) and writes them with one writev.
func (c *Conn) writeMem(fd int, budget int64) (int64, error) {
	iov := c.iov[:0]
	var total int64
	ci, coff := c.ci, c.coff
gather:
	for _, r := range c.out {
		if !r.resp.NoResponse {
			for ; ci < len(r.resp.Chunks); ci, coff = ci+1, 0 {
				ch := &r.resp.Chunks[ci]
				if ch.File != nil {
					break gather
				}
				b := ch.Mem[coff:]
				if len(b) == 0 {
					continue
				}
				if rest := budget - total; int64(len(b)) > rest {
					b = b[:rest]
				}
				iov = append(iov, b)
				total += int64(len(b))
				if len(iov) == iovMax || total >= budget {
					break gather
				}
			}
		}
		if r.resp.CloseAfter {
			break
		}
		ci, coff = 0, 0
	}
	var n int
	var err error
	if len(iov) == 1 {
		n, err = unix.Write(fd, iov[0])
	} else {
		n, err = unix.Writev(fd, iov)
	}
	clear(iov)
	c.iov = iov[:0]
	if n > 0 {
		c.s.stats.bytesOut.Add(int64(n))
		c.advance(int64(n))
	} else {
		n = 0
	}
	if err == nil && int64(n) < total {
		err = unix.EAGAIN // short write on a non-blocking socket: it is full
	}
	return int64(n), ignoreEINTR(err)
}

// writeFile sends the file chunk at the cursor with sendfile(2), or copies
// it when sendfile is refused.
func (c *Conn) writeFile(fd int, ch *Chunk, budget int64) (int64, error) {
	if c.noSendfile || len(c.copyPend) > 0 {
		return c.copyFile(fd, ch, budget)
	}
	ffd := ch.File.Fd()
	if ffd == ^uintptr(0) {
		return c.copyFile(fd, ch, budget)
	}
	off := ch.Off + c.coff
	cnt := min(ch.Len-c.coff, budget, sendfileMax)
	n, err := unix.Sendfile(fd, int(ffd), &off, int(cnt))
	runtime.KeepAlive(ch.File)
	if n > 0 {
		c.s.stats.bytesOut.Add(int64(n))
		c.s.stats.sendfileBytes.Add(int64(n))
		c.advance(int64(n))
	} else {
		n = 0
	}
	switch {
	case err == nil && n == 0:
		return 0, ErrShortFile
	case err == nil:
		if int64(n) < cnt {
			// Short: either the socket is full or the file ended; the next
			// call tells which (EAGAIN or 0).
			return int64(n), nil
		}
		return int64(n), nil
	case n == 0 && sendfileUnsupported(err):
		c.noSendfile = true
		c.s.log.Debug("sendfile unsupported, copying", "conn", c.id, "err", err)
		return 0, nil
	}
	return int64(n), ignoreEINTR(err)
}

func sendfileUnsupported(err error) bool {
	return errors.Is(err, unix.EINVAL) || errors.Is(err, unix.ENOSYS) ||
		errors.Is(err, unix.EOPNOTSUPP) || errors.Is(err, unix.ESPIPE) ||
		errors.Is(err, unix.EBADF)
}

// copyFile is the fallback: read the range into a buffer (pages are warm:
// Prefetch ran off the loop) and write it.
func (c *Conn) copyFile(fd int, ch *Chunk, budget int64) (int64, error) {
	if len(c.copyPend) == 0 {
		if c.copyBuf == nil {
			c.copyBuf = copyBufPool.Get().(*[]byte)
		}
		buf := *c.copyBuf
		want := min(ch.Len-c.coff, int64(len(buf)), budget)
		m, err := ch.File.ReadAt(buf[:want], ch.Off+c.coff)
		if int64(m) < want {
			if err == nil || errors.Is(err, io.EOF) {
				err = ErrShortFile
			}
			return 0, err
		}
		c.copyPend = buf[:m]
	}
	n, err := unix.Write(fd, c.copyPend)
	if n > 0 {
		c.copyPend = c.copyPend[n:]
		c.s.stats.bytesOut.Add(int64(n))
		c.s.stats.copiedBytes.Add(int64(n))
		c.advance(int64(n))
	} else {
		n = 0
	}
	if len(c.copyPend) == 0 {
		c.releaseCopyBuf()
	} else if err == nil {
		err = unix.EAGAIN
	}
	return int64(n), ignoreEINTR(err)
}

func (c *Conn) releaseCopyBuf() {
	c.copyPend = nil
	if c.copyBuf != nil {
		copyBufPool.Put(c.copyBuf)
		c.copyBuf = nil
	}
}

// advance moves the cursor n bytes forward, finishing responses it passes.
func (c *Conn) advance(n int64) {
	for n > 0 && len(c.out) > 0 {
		r := c.out[0]
		if r.resp.NoResponse || c.ci >= len(r.resp.Chunks) {
			c.finishHead()
			continue
		}
		rem := r.resp.Chunks[c.ci].size() - c.coff
		if n < rem {
			c.coff += n
			return
		}
		n -= rem
		c.ci, c.coff = c.ci+1, 0
	}
}

// finishHead retires out[0]: its bytes are all written.
func (c *Conn) finishHead() {
	r := c.out[0]
	c.out[0] = nil
	c.out = c.out[1:]
	if len(c.out) == 0 {
		c.out = nil
	}
	c.ci, c.coff = 0, 0
	c.touch() // before inflight drops: the idle check must not see a stale time
	c.mu.Lock()
	r.state = slotFinished
	c.mu.Unlock()
	c.unsent.Add(-r.unsent)
	c.s.finishRequest(c)
	callDone(r.resp.Done)
	if r.resp.CloseAfter {
		c.closeSoon()
	}
	r.resp = Response{}
	c.resumeFraming()
}

// arm registers the socket with the side poller; its report queues
// writableTask on this loop. The registration is removed in OnClose, before
// gnet closes the descriptor, so the poller never sees a reused one.
func (c *Conn) arm() {
	if err := c.s.wpoll.Arm(c.gc.Fd(), c.id); err != nil {
		c.s.log.Error("arming write poller failed, closing", "conn", c.id, "err", err)
		c.closeSoon()
		return
	}
	c.wpolled = true
	c.armed = true
	c.s.stats.writeStalls.Add(1)
}

func ignoreEINTR(err error) error {
	if errors.Is(err, unix.EINTR) {
		return nil
	}
	return err
}

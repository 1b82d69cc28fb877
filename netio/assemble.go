package netio

import (
	"math/bits"
	"sync"

	"github.com/panjf2000/gnet/v2"
	"golang.org/x/sys/unix"
)

// Frames whose body has not fully arrived and that are at least assembleMin
// bytes are assembled in a buffer of the connection's own instead of being
// left in gnet's inbound ring: gnet would copy every byte into its ring, then
// again into a fresh buffer in Next. The bytes gnet already read are copied
// once from its read buffer; the rest of the frame is read from the socket
// straight into the assembly buffer (readDirect), so most of a large frame
// is copied only by the kernel, in a few large reads instead of one gnet
// read (64 KiB) and one loop wake-up each. The buffer is pooled. It starts
// at the frame's size up to assembleUpfront (so the usual produce request,
// at most max.request.size = 1 MiB, is never moved to a larger buffer
// half-way), and past that grows with the bytes that actually arrived
// (never to the announced size at once), so a client cannot reserve more
// than assembleUpfront per connection by announcing large frames. (Kafka
// allocates the announced size at once.) On a Server with a Budget the
// buffer is taken at the frame's full size at once: the Budget already
// charged that size and bounds the total, so growing would only add
// garbage.
const (
	assembleMin     = 32 << 10
	minPoolClass    = 16 // 64 KiB
	maxPoolClass    = 26 // 64 MiB
	assembleUpfront = 1 << 20
)

// assemblyPools[k] holds buffers with capacity >= 1<<(k+minPoolClass).
var assemblyPools [maxPoolClass - minPoolClass + 1]sync.Pool

// getAssembly returns an empty buffer with capacity >= n.
func getAssembly(n int) []byte {
	k := max(bits.Len(uint(n-1)), minPoolClass) // ceil(log2(n))
	if k <= maxPoolClass {
		if b, ok := assemblyPools[k-minPoolClass].Get().(*[]byte); ok {
			return (*b)[:0]
		}
		return make([]byte, 0, 1<<k)
	}
	return make([]byte, 0, n)
}

// putAssembly recycles b into the class its capacity guarantees. Buffers
// above the largest class are left to the garbage collector: pooled, they
// would be pinned in a smaller class while every frame of their size
// allocates anew.
func putAssembly(b []byte) {
	k := bits.Len(uint(cap(b))) - 1 // floor(log2(cap))
	if k < minPoolClass || cap(b) > 1<<maxPoolClass {
		return
	}
	b = b[:0]
	assemblyPools[k-minPoolClass].Put(&b)
}

// ReleaseFrame recycles a frame taken with Request.TakeFrame. The caller
// must not use frame (or anything aliasing it) afterwards; frames that did
// not come from TakeFrame must not be passed.
func ReleaseFrame(frame []byte) {
	if frame != nil {
		putAssembly(frame)
	}
}

// appendAssembly appends p to the frame being assembled, growing the buffer
// geometrically but never beyond the frame's size.
// Event loop only.
func (c *Conn) appendAssembly(p []byte) {
	if need := len(c.asm) + len(p); need > cap(c.asm) {
		c.growAssembly(need)
	}
	c.asm = append(c.asm, p...)
}

// growAssembly moves the frame being assembled to a buffer with capacity
// for at least need bytes: twice the current one, at least assembleUpfront,
// never more than the frame's size.
// Event loop only.
func (c *Conn) growAssembly(need int) {
	target := min(max(2*cap(c.asm), need, assembleUpfront), c.asmLen)
	nb := append(getAssembly(target), c.asm...)
	if c.asm != nil {
		putAssembly(c.asm)
	}
	c.asm = nb
}

// readDirect reads the rest of the frame being assembled from the socket
// straight into c.asm, growing it only when the bytes already read fill it.
// It stops when the frame is complete, when a read returns less than asked
// (the socket is drained for now: the level-triggered loop calls OnTraffic
// again when more arrives), or at EOF or an error, which it leaves to gnet:
// its next read of the still-readable socket sees the same condition and
// closes the connection. Call it only once gnet's inbound buffer is empty,
// so bytes stay in order. It returns the bytes read.
// Event loop only.
func (c *Conn) readDirect(gc gnet.Conn) int {
	fd, total := gc.Fd(), 0
	for len(c.asm) < c.asmLen {
		if len(c.asm) == cap(c.asm) {
			c.growAssembly(len(c.asm) + 1)
		}
		want := min(cap(c.asm), c.asmLen) - len(c.asm)
		n, err := unix.Read(fd, c.asm[len(c.asm):len(c.asm)+want])
		if err != nil || n <= 0 {
			break
		}
		c.asm = c.asm[:len(c.asm)+n]
		total += n
		if n < want {
			break
		}
	}
	return total
}

// releaseAssembly returns the assembly buffer after its frame was served
// (or the connection closed).
// Event loop only.
func (c *Conn) releaseAssembly() {
	if c.asm != nil {
		putAssembly(c.asm)
	}
	c.asm, c.asmLen = nil, 0
}

// disownAssembly forgets the assembly buffer after its frame was taken by
// the handler (Request.TakeFrame): the handler releases it.
// Event loop only.
func (c *Conn) disownAssembly() { c.asm, c.asmLen = nil, 0 }

// nextFrame cuts the next complete frame. It returns the frame (valid until
// the next call; assembled reports that it lives in c.asm and must be
// released after Serve; c.charge holds what it was charged), or nil when
// more bytes are needed, or bad with the offending size when the length
// prefix is out of range, or wait when the Budget holds the frame back
// (its bytes stay in the inbound buffer until the Budget wakes the
// connection).
// Event loop only.
func (c *Conn) nextFrame(gc gnet.Conn, maxSize int32) (frame []byte, assembled, bad, wait bool, size int32) {
	if c.asmLen > 0 {
		if take := min(c.asmLen-len(c.asm), gc.InboundBuffered()); take > 0 {
			b, err := gc.Next(take)
			if err != nil {
				return nil, false, false, false, 0
			}
			c.appendAssembly(b)
		}
		if len(c.asm) < c.asmLen && gc.InboundBuffered() == 0 {
			c.s.stats.bytesIn.Add(int64(c.readDirect(gc)))
		}
		if len(c.asm) < c.asmLen {
			return nil, false, false, false, 0
		}
		c.charge, c.asmCharge = c.asmCharge, 0
		return c.asm, true, false, false, int32(c.asmLen)
	}
	hdr, err := gc.Peek(frameHeaderSize)
	if err != nil {
		return nil, false, false, false, 0
	}
	size = int32(uint32(hdr[0])<<24 | uint32(hdr[1])<<16 | uint32(hdr[2])<<8 | uint32(hdr[3]))
	if size <= 0 || size > maxSize {
		return nil, false, true, false, size
	}
	avail := gc.InboundBuffered() - frameHeaderSize
	if avail < int(size) && size < assembleMin {
		return nil, false, false, false, 0 // small: let gnet keep the partial frame
	}
	if !c.admit(int64(size)) {
		return nil, false, false, true, size
	}
	if avail >= int(size) {
		_, _ = gc.Discard(frameHeaderSize)
		frame, err = gc.Next(int(size))
		if err != nil { // cannot happen: the bytes are buffered
			c.releaseCharge(int64(size))
			return nil, false, false, false, 0
		}
		c.charge = int64(size)
		return frame, false, false, false, size
	}
	_, _ = gc.Discard(frameHeaderSize)
	c.asmLen, c.asmCharge = int(size), int64(size)
	if c.s.budget != nil {
		// The Budget charged the whole frame and bounds what all frames
		// in flight may claim: take the buffer at its full size now
		// rather than grow it, which leaves a second copy of the frame
		// in garbage (a burst of 96 MiB frames peaked at 0.8 GiB RSS
		// growing, 0.4 GiB allocated at once).
		c.asm = getAssembly(int(size))
	}
	if avail > 0 {
		b, err := gc.Next(avail)
		if err != nil {
			return nil, false, false, false, 0
		}
		c.appendAssembly(b)
	}
	c.s.stats.bytesIn.Add(int64(c.readDirect(gc)))
	if len(c.asm) < c.asmLen {
		return nil, false, false, false, 0
	}
	c.charge, c.asmCharge = c.asmCharge, 0
	return c.asm, true, false, false, size
}

// admit charges a frame of n bytes that is about to start, or reports that
// the Budget makes the connection wait for it.
// Event loop only.
func (c *Conn) admit(n int64) bool {
	if b := c.s.budget; b != nil && !b.admit(c, n) {
		return false
	}
	c.queued.Add(n)
	c.s.stats.queuedBytes.Add(n)
	return true
}

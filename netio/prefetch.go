package netio

import (
	"errors"
	"runtime"
	"sync"

	"golang.org/x/sys/unix"
)

const (
	// probeStride is the distance between page-cache probes of a range:
	// Linux reads ahead in windows of at least 128 KiB, so one resident
	// byte per 64 KiB is a good sign the window is resident.
	probeStride = 64 << 10
	// warmChunk is the read size used to pull a missing range into the cache.
	warmChunk = 256 << 10
)

var warmBufPool = sync.Pool{New: func() any { b := make([]byte, warmChunk); return &b }}

// Prefetch makes the file ranges of chunks resident in the page cache so
// that sendfile on the event loop does not wait for the disk (KAFKA-7504).
// Call it off the loop (it may block on disk reads) before Respond.
//
// Each range is probed with preadv2(RWF_NOWAIT) of one byte every
// probeStride (and the last byte); from the first miss on, the rest of the
// range is advised WILLNEED and read. Errors are ignored: a range that
// cannot be read fails later on the write path, which closes the connection.
func Prefetch(chunks []Chunk) {
	for i := range chunks {
		ch := &chunks[i]
		if ch.File == nil || ch.Len <= 0 {
			continue
		}
		prefetchRange(ch)
	}
}

func prefetchRange(ch *Chunk) {
	fd := ch.File.Fd()
	if fd == ^uintptr(0) {
		warmRange(ch, ch.Off)
		return
	}
	var probe [1]byte
	iov := [][]byte{probe[:]}
	end := ch.Off + ch.Len
	for off := ch.Off; ; off += probeStride {
		if off >= end {
			off = end - 1
		}
		n, err := unix.Preadv2(int(fd), iov, off, unix.RWF_NOWAIT)
		switch {
		case err == nil && n == 1:
		case errors.Is(err, unix.EAGAIN):
			runtime.KeepAlive(ch.File)
			warmRange(ch, off-probeStride+1) // from just after the last resident probe
			return
		case errors.Is(err, unix.ENOSYS), errors.Is(err, unix.EOPNOTSUPP), errors.Is(err, unix.EINVAL):
			// No RWF_NOWAIT here (old kernel or file system): read it all.
			runtime.KeepAlive(ch.File)
			warmRange(ch, ch.Off)
			return
		default:
			runtime.KeepAlive(ch.File)
			return // EOF or an I/O error: leave it to the write path
		}
		if off == end-1 {
			break
		}
	}
	runtime.KeepAlive(ch.File)
}

// warmRange reads [from, Off+Len) of the chunk's file to load it into the
// page cache.
func warmRange(ch *Chunk, from int64) {
	if from < ch.Off {
		from = ch.Off
	}
	end := ch.Off + ch.Len
	if fd := ch.File.Fd(); fd != ^uintptr(0) {
		_ = unix.Fadvise(int(fd), from, end-from, unix.FADV_WILLNEED)
		runtime.KeepAlive(ch.File)
	}
	bp := warmBufPool.Get().(*[]byte)
	defer warmBufPool.Put(bp)
	buf := *bp
	for off := from; off < end; {
		n, err := ch.File.ReadAt(buf[:min(int64(len(buf)), end-off)], off)
		if n <= 0 {
			return // EOF or error: the write path reports it
		}
		_ = err
		off += int64(n)
	}
}

package netio

import (
	"context"
	"encoding/binary"
	"io"
	"runtime"
	"sync/atomic"
	"syscall"
	"testing"

	"github.com/panjf2000/gnet/v2"
	"golang.org/x/sys/unix"
)

// loopCPU reads the CPU clock of the OS thread running c's event loop
// (the loop is pinned to it with lockOSThread).
func loopCPU(b *testing.B, c *Conn) int64 {
	ch := make(chan int64, 1)
	err := c.gc.EventLoop().Execute(context.Background(), gnet.RunnableFunc(func(context.Context) error {
		var ts unix.Timespec
		_ = unix.ClockGettime(unix.CLOCK_THREAD_CPUTIME_ID, &ts)
		ch <- ts.Nano()
		return nil
	}))
	if err != nil {
		b.Fatal(err)
	}
	return <-ch
}

// cpuTime is the process's user+system CPU time.
func cpuTime() int64 {
	var ru syscall.Rusage
	_ = syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return ru.Utime.Nano() + ru.Stime.Nano()
}

// BenchmarkFileResponse measures file-range responses over loopback through
// sendfile and through the copying fallback (MB/s; compare the two). Each op
// is one request for an 8 MiB range of a warm file, read fully by the client.
func BenchmarkFileResponse(b *testing.B) {
	const size = 8 << 20
	f, _ := tempFile(b, 32<<20)
	for _, bc := range []struct {
		name string
		file FileLike
	}{{"sendfile", f}, {"copy", noFd{f}}} {
		b.Run(bc.name, func(b *testing.B) {
			var dones atomic.Int64
			h := fileHandler(bc.file, &dones)
			var conn atomic.Pointer[Conn]
			h.onOpen = func(c *Conn) { conn.Store(c) }
			s := startServerPinned(b, Config{Loops: 1}, h, true)
			c := dial(b, s)
			for conn.Load() == nil {
				runtime.Gosched()
			}
			buf := make([]byte, 256<<10)
			b.SetBytes(size)
			b.ReportAllocs()
			b.ResetTimer()
			cpu0, loop0 := cpuTime(), loopCPU(b, conn.Load())
			for i := 0; b.Loop(); i++ {
				off := int64(i%3) * size
				if err := writeFrame(c, rangeFrame(off, size)); err != nil {
					b.Fatal(err)
				}
				var hdr [4]byte
				if _, err := io.ReadFull(c, hdr[:]); err != nil {
					b.Fatal(err)
				}
				left := int64(binary.BigEndian.Uint32(hdr[:]))
				for left > 0 {
					n, err := c.Read(buf[:min(int64(len(buf)), left)])
					if err != nil {
						b.Fatal(err)
					}
					left -= int64(n)
				}
			}
			b.StopTimer()
			// Client and server share the process; the client's share is the
			// same in both runs, so the difference is the server's.
			perGiB := func(ns int64) float64 { return float64(ns) / float64(b.N) / size * (1 << 30) / 1e9 }
			b.ReportMetric(perGiB(cpuTime()-cpu0), "proc-cpu-s/GiB")
			b.ReportMetric(perGiB(loopCPU(b, conn.Load())-loop0), "loop-cpu-s/GiB")
			st := s.Stats()
			b.ReportMetric(float64(st.SendfileBytes)/float64(b.N), "sendfileB/op")
			b.ReportMetric(float64(st.CopiedBytes)/float64(b.N), "copiedB/op")
			b.ReportMetric(float64(st.WriteStalls)/float64(b.N), "stalls/op")
		})
	}
}

package netio

import (
	"bufio"
	"bytes"
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

// BenchmarkEchoPipelined measures the per-request cost of the frame and slot
// machinery: 1 KiB frames written 64 per syscall and read through a 256 KiB
// buffer (so the client's syscalls do not dominate), echoed inline on the
// loop or from another goroutine (as the protocol's workers do).
func BenchmarkEchoPipelined(b *testing.B) {
	const size, batch = 1 << 10, 64
	for _, offLoop := range []bool{false, true} {
		name := "inline"
		if offLoop {
			name = "worker"
		}
		b.Run(name, func(b *testing.B) {
			work := make(chan func(), 1024)
			defer close(work)
			go func() {
				for fn := range work {
					fn()
				}
			}()
			h := &toyHandler{}
			var conn atomic.Pointer[Conn]
			h.onOpen = func(c *Conn) { conn.Store(c) }
			h.serve = func(c *Conn, frame []byte, req *Request) {
				resp := echoResponse(frame)
				if offLoop {
					work <- func() { req.Respond(resp) }
					return
				}
				req.Respond(resp)
			}
			s := startServerPinned(b, Config{Loops: 1}, h, true)
			c := dial(b, s)
			for conn.Load() == nil {
				runtime.Gosched()
			}
			one := binary.BigEndian.AppendUint32(nil, size)
			one = append(one, make([]byte, size)...)
			req := bytes.Repeat(one, batch)
			rd := bufio.NewReaderSize(c, 256<<10)
			resp := make([]byte, 4+size)
			b.SetBytes(size)
			b.ReportAllocs()
			b.ResetTimer()
			loop0 := loopCPU(b, conn.Load())
			errc := make(chan error, 1)
			go func() {
				for left := b.N; left > 0; left -= batch {
					if _, err := c.Write(req[:min(left, batch)*len(one)]); err != nil {
						errc <- err
						return
					}
				}
				errc <- nil
			}()
			for range b.N {
				if _, err := io.ReadFull(rd, resp); err != nil {
					b.Fatal(err)
				}
			}
			if err := <-errc; err != nil {
				b.Fatal(err)
			}
			b.ReportMetric(float64(loopCPU(b, conn.Load())-loop0)/float64(b.N), "loop-cpu-ns/op")
			b.ReportMetric(float64(s.Stats().WriteStalls)/float64(b.N), "stalls/op")
		})
	}
}

// BenchmarkLargeFrames measures the inbound path for frames larger than one
// socket read (1 MiB produce-like requests answered with 4 bytes): what it
// costs the loop to assemble a frame that spans many reads.
func BenchmarkLargeFrames(b *testing.B) {
	const size = 1 << 20
	h := &toyHandler{}
	var conn atomic.Pointer[Conn]
	h.onOpen = func(c *Conn) { conn.Store(c) }
	ack := Response{Chunks: []Chunk{{Mem: []byte{0, 0, 0, 0}}}}
	h.serve = func(c *Conn, frame []byte, req *Request) { req.Respond(ack) }
	s := startServerPinned(b, Config{Loops: 1}, h, true)
	c := dial(b, s)
	for conn.Load() == nil {
		runtime.Gosched()
	}
	req := binary.BigEndian.AppendUint32(nil, size)
	req = append(req, make([]byte, size)...)
	resp := make([]byte, 4)
	b.SetBytes(size)
	b.ReportAllocs()
	b.ResetTimer()
	loop0 := loopCPU(b, conn.Load())
	errc := make(chan error, 1)
	go func() {
		for range b.N {
			if _, err := c.Write(req); err != nil {
				errc <- err
				return
			}
		}
		errc <- nil
	}()
	for range b.N {
		if _, err := io.ReadFull(c, resp); err != nil {
			b.Fatal(err)
		}
	}
	if err := <-errc; err != nil {
		b.Fatal(err)
	}
	b.ReportMetric(float64(loopCPU(b, conn.Load())-loop0)/float64(b.N)/size*(1<<30)/1e9, "loop-cpu-s/GiB")
}

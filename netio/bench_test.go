package netio

import (
	"encoding/binary"
	"io"
	"sync/atomic"
	"syscall"
	"testing"
)

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
			s := startServer(b, Config{Loops: 1}, fileHandler(bc.file, &dones))
			c := dial(b, s)
			buf := make([]byte, 256<<10)
			b.SetBytes(size)
			b.ReportAllocs()
			b.ResetTimer()
			cpu0 := cpuTime()
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
			b.ReportMetric(float64(cpuTime()-cpu0)/float64(b.N)/size*(1<<30)/1e9, "cpu-s/GiB")
			st := s.Stats()
			b.ReportMetric(float64(st.SendfileBytes)/float64(b.N), "sendfileB/op")
			b.ReportMetric(float64(st.CopiedBytes)/float64(b.N), "copiedB/op")
			b.ReportMetric(float64(st.WriteStalls)/float64(b.N), "stalls/op")
		})
	}
}

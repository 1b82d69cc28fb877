package netio

import (
	"os"
	"runtime"
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

// BenchmarkWarmRange warms an evicted 8 MiB range three ways and reports
// the calling thread's CPU time per operation (user+system, getrusage)
// besides the wall time: "read" is warmRange (plain reads through a
// buffer), "readahead+wait" advises the range WILLNEED (what readahead(2)
// does) and then reads one byte per page to wait for it without copying,
// "fadvise+read" is both (warmRange before 2026-11-24).
func BenchmarkWarmRange(b *testing.B) {
	const size = 8 << 20
	f, _ := tempFile(b, size)
	if err := f.Sync(); err != nil {
		b.Fatal(err)
	}
	fd := int(f.Fd())
	ch := Chunk{File: f, Off: 0, Len: size}
	for _, c := range []struct {
		name string
		warm func()
	}{
		{"read", func() { warmRange(&ch, 0) }},
		{"readahead+wait", func() {
			_ = unix.Fadvise(fd, 0, size, unix.FADV_WILLNEED)
			touchPages(fd, size)
		}},
		{"fadvise+read", func() {
			_ = unix.Fadvise(fd, 0, size, unix.FADV_WILLNEED)
			warmRange(&ch, 0)
		}},
	} {
		b.Run(c.name, func(b *testing.B) {
			runtime.LockOSThread()
			defer runtime.UnlockOSThread()
			b.SetBytes(size)
			b.ReportAllocs()
			var cpu time.Duration
			for i := 0; i < b.N; i++ {
				b.StopTimer()
				if err := unix.Fadvise(fd, 0, 0, unix.FADV_DONTNEED); err != nil {
					b.Skip("fadvise:", err)
				}
				b.StartTimer()
				t0 := threadCPU(b)
				c.warm()
				cpu += threadCPU(b) - t0
			}
			b.ReportMetric(float64(cpu.Microseconds())/float64(b.N), "cpu-µs/op")
		})
	}
}

// touchPages reads one byte of every page of fd's first size bytes.
func touchPages(fd int, size int64) {
	var one [1]byte
	for off := int64(0); off < size; off += int64(os.Getpagesize()) {
		if n, err := unix.Pread(fd, one[:], off); n != 1 || err != nil {
			return
		}
	}
}

// threadCPU is the calling thread's user+system time; the caller must be
// locked to its thread (runtime.LockOSThread) for differences to mean
// anything.
func threadCPU(b *testing.B) time.Duration {
	var ru unix.Rusage
	if err := unix.Getrusage(unix.RUSAGE_THREAD, &ru); err != nil {
		b.Skip("getrusage:", err)
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

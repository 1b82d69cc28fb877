package crc32c

import (
	"hash/crc32"
	"strconv"
	"testing"
	"time"
)

// BenchmarkUpdate reports x-stdlib: this package's throughput over
// hash/crc32's on the same buffer in the same run (the baseline runs as
// many times right after, timed apart).
func BenchmarkUpdate(b *testing.B) {
	for _, n := range []int{512, 4 << 10, 16 << 10, 1 << 20} {
		name := strconv.Itoa(n>>10) + "KiB"
		if n < 1<<10 {
			name = strconv.Itoa(n) + "B"
		}
		b.Run(name, func(b *testing.B) {
			buf := make([]byte, n)
			for i := range buf {
				buf[i] = byte(i)
			}
			b.SetBytes(int64(n))
			var sink uint32
			for b.Loop() {
				sink = Update(sink, buf)
			}
			ours := b.Elapsed()
			start := time.Now()
			for range b.N {
				sink = crc32.Update(sink, table, buf)
			}
			b.ReportMetric(float64(time.Since(start))/float64(ours), "x-stdlib")
			_ = sink
		})
	}
}

package record

import (
	"strconv"
	"testing"
)

// BenchmarkWalk measures the record walk alone (no CRC): 16 and 1024
// records of 1 KiB, and a 1 MiB batch of 100-byte records (offset deltas
// past 8191 take three varint bytes).
func BenchmarkWalk(b *testing.B) {
	for _, c := range []struct{ n, size int }{{16, 1024}, {1024, 1024}, {9000, 100}} {
		name := strconv.Itoa(c.n)
		if c.size != 1024 {
			name += "x" + strconv.Itoa(c.size)
		}
		b.Run(name, func(b *testing.B) { benchWalk(b, c.n, c.size) })
	}
}

func benchWalk(b *testing.B, n, size int) {
	batch := buildBatch(b, DefaultBuilderOptions(), keyedRecords(n, size))
	h, _ := ParseHeader(batch)
	o := &ValidateOptions{NowMs: testNow, TimestampBeforeMaxMs: 1 << 40}
	var v Validator
	b.SetBytes(int64(len(batch)))
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if err := v.checkRecords(&h, batch[HeaderSize:], o, nil); err != nil {
			b.Fatal(err)
		}
	}
}

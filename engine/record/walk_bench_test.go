package record

import (
	"strconv"
	"testing"
)

// BenchmarkWalk measures the record walk alone (no CRC), 1 KiB records.
func BenchmarkWalk(b *testing.B) {
	for _, n := range []int{16, 1024} {
		b.Run(strconv.Itoa(n), func(b *testing.B) { benchWalk(b, n) })
	}
}

func benchWalk(b *testing.B, n int) {
	batch := buildBatch(b, DefaultBuilderOptions(), keyedRecords(n, 1024))
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

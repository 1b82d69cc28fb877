package record

import (
	"testing"
	"time"
)

// BenchmarkValidate measures Validate on batches of 1 KiB records and
// reports its cost relative to computing the batch's CRC-32C alone
// ("x-crc", measured in the same loop), the floor for any validation. For
// compressed batches the CRC covers the compressed bytes only.
func BenchmarkValidate(b *testing.B) {
	sizes := []struct {
		name       string
		n, recSize int
	}{{"16KiB", 16, 1024}, {"1MiB", 1024, 1024}, {"1MiBx100B", 10000, 100}}
	for _, c := range []Codec{None, LZ4, Zstd} {
		for _, s := range sizes {
			b.Run(c.String()+"/"+s.name, func(b *testing.B) {
				batch := buildBatch(b, codecOpts(c), keyedRecords(s.n, s.recSize))
				o := &ValidateOptions{NowMs: testNow, MaxMessageBytes: 2 << 20, TimestampBeforeMaxMs: 1 << 40}
				var v Validator
				if _, err := v.Validate(batch, o); err != nil {
					b.Fatal(err)
				}
				b.SetBytes(int64(len(batch)))
				b.ReportAllocs()
				b.ResetTimer()
				// The CRC baseline runs in the same loop, outside the
				// timer, so that both see the same machine load.
				var validate, crc time.Duration
				var sink uint32
				for i := 0; i < b.N; i++ {
					t0 := time.Now()
					if _, err := v.Validate(batch, o); err != nil {
						b.Fatal(err)
					}
					t1 := time.Now()
					b.StopTimer()
					t2 := time.Now()
					sink += computeCRC(batch)
					crc += time.Since(t2)
					b.StartTimer()
					validate += t1.Sub(t0)
				}
				if sink == 1 {
					b.Log("unlikely")
				}
				b.ReportMetric(float64(validate)/float64(crc), "x-crc")
			})
		}
	}
}

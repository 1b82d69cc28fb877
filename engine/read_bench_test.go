package engine

import (
	"testing"

	"sluice/engine/record"
	"sluice/engine/vfs"
)

// BenchmarkReadRange1MiB reads 1 MiB ranges of a 64 MiB log of 4-record
// batches (values of 100 B, 1000 B, 16000 B): what a fetch costs the
// engine, now that every batch header of the range is read and checked.
func BenchmarkReadRange1MiB(b *testing.B) {
	for _, valSize := range []int{100, 1000, 16000} {
		b.Run(itoa(int64(valSize)), func(b *testing.B) {
			dir := b.TempDir()
			e, _ := Open(Options{Dirs: []string{dir}, FS: noSyncFS{vfs.Default}, DisableBackground: true})
			defer e.Close()
			cfg, _ := DefaultTopicConfig().With(map[string]string{"segment.bytes": "1073741824"})
			l, _ := e.CreateLog(tp0, [16]byte{1}, cfg)
			val := make([]byte, valSize)
			for l.Size() < 64<<20 {
				bb := record.NewBuilder(record.DefaultBuilderOptions())
				for i := 0; i < 4; i++ {
					bb.Add(nil, val, 1_700_000_000_000)
				}
				l.Append(bb.Build(), AppendOptions{})
			}
			l.SetHighWatermark(l.LogEndOffset())
			leo := l.LogEndOffset()
			b.SetBytes(1 << 20)
			b.ResetTimer()
			off := int64(0)
			for i := 0; i < b.N; i++ {
				r, err := l.Read(off, 1<<20, ReadOptions{MaxOffset: -1, MinOneBatch: true})
				if err != nil {
					b.Fatal(err)
				}
				off = r.NextOffset
				if off >= leo-100 {
					off = 0
				}
				r.Release()
			}
		})
	}
}

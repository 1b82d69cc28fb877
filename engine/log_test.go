package engine

import (
	"bytes"
	"testing"

	"sluice/engine/record"
)

func TestAppendReadRoundTripEveryCodec(t *testing.T) {
	for _, codec := range []record.Codec{record.None, record.Gzip, record.Snappy, record.LZ4, record.Zstd} {
		t.Run(codec.String(), func(t *testing.T) {
			env := newEnv(t, 1)
			e := env.open()
			l := mustCreate(t, e, tp0, nil)
			var sent [][]byte
			for i := 0; i < 20; i++ {
				b := env.batch(batchSpec{n: 10, valSize: 100, codec: codec})
				r := mustAppend(t, l, b)
				if r.BaseOffset != int64(i*10) || r.LastOffset != int64(i*10+9) {
					t.Fatalf("append %d: offsets %d-%d", i, r.BaseOffset, r.LastOffset)
				}
				sent = append(sent, b)
			}
			var want []byte
			for _, b := range sent {
				want = append(want, b...)
			}
			check := func(l *Log) {
				// Byte for byte what was appended (offsets assigned in place).
				var all []byte
				for off := int64(0); off < l.LogEndOffset(); {
					r, err := l.Read(off, 1<<20, ReadOptions{MaxOffset: -1})
					if err != nil {
						t.Fatal(err)
					}
					n := len(all)
					all, _ = r.AppendTo(all)
					r.Release()
					for rest := all[n:]; len(rest) > 0; rest = rest[parseHdr(t, rest).Size():] {
						off = parseHdr(t, rest).LastOffset() + 1
					}
				}
				if !bytes.Equal(all, want) {
					t.Fatal("read bytes differ from the appended batches")
				}
				got := readAll(t, l, 0)
				if len(got) != 20 {
					t.Fatalf("read %d batches", len(got))
				}
				for i, h := range got {
					if h.BaseOffset != int64(i*10) || h.Codec() != codec || h.NumRecords != 10 {
						t.Fatalf("batch %d: %+v", i, h)
					}
				}
				// Records decode identically.
				r, err := l.Read(50, 1<<20, ReadOptions{MaxOffset: -1})
				if err != nil {
					t.Fatal(err)
				}
				data, _ := r.AppendTo(nil)
				r.Release()
				b, _, _ := record.NextBatch(data)
				var v record.Validator
				n := 0
				if err := v.ForEachRecord(b, func(rec *record.Record) error {
					if len(rec.Value) != 100 {
						t.Errorf("value len %d", len(rec.Value))
					}
					n++
					return nil
				}); err != nil || n != 10 {
					t.Fatalf("records: %d %v", n, err)
				}
			}
			check(l)
			if err := e.Close(); err != nil {
				t.Fatal(err)
			}
			e = env.open()
			defer e.Close()
			l2, ok := e.Log(tp0)
			if !ok {
				t.Fatalf("log missing after reopen: %v", e.RecoveryErrors())
			}
			if l2.LogEndOffset() != 200 || l2.HighWatermark() != 200 {
				t.Fatalf("reopen: leo %d hw %d", l2.LogEndOffset(), l2.HighWatermark())
			}
			check(l2)
		})
	}
}

package segment

import (
	"bytes"
	"errors"
	"testing"

	"sluice/engine/record"
)

// FuzzViewReadRange damages a segment with the fuzzer's bytes (pairs of
// position and value) and reads it from every offset as a fetch does: a
// read returns an error or whole batches, and every batch whose CRC holds
// (what a client accepts) is the original batch at its original place, so
// no damage shows up as a gap or as records at wrong offsets.
func FuzzViewReadRange(f *testing.F) {
	f.Add([]byte{0, 8, 0x7f, 9, 0xff, 10, 0xff, 11, 0})    // a huge length
	f.Add([]byte{0, 7, 1})                                 // base offset + 1
	f.Add([]byte{200, 16, 9})                              // a magic
	f.Add([]byte{100, 0, 0, 1, 0, 2, 0, 3, 0, 4, 0, 5, 0}) // a base offset zeroed
	f.Fuzz(func(t *testing.T, damage []byte) {
		s, batches := build(t, t.TempDir(), 12)
		defer s.Release()
		var orig []byte
		starts := map[int64]int{}
		for i, b := range batches {
			starts[int64(len(orig))] = i
			orig = append(orig, b...)
		}
		data := bytes.Clone(orig)
		for i := 0; i+1 < len(damage); i += 2 {
			// positions spread over the whole file, biased to headers
			p := int(damage[i]) * len(data) / 256
			if i/2%2 == 0 {
				p = int(damage[i]) % 17
				for k := int(damage[i]) % len(batches); k > 0; k-- {
					p += len(batches[k-1])
				}
			}
			data[p%len(data)] = damage[i+1]
		}
		if _, err := s.log.WriteAt(data, 0); err != nil {
			t.Fatal(err)
		}
		v := s.View()
		for target := int64(100); target < s.Next(); target++ {
			pos, n, _, err := v.ReadRange(target, 1<<20, 1<<62, true)
			if err != nil {
				if !errors.Is(err, ErrCorrupt) {
					t.Fatalf("read at %d: %v", target, err)
				}
				continue
			}
			got := data[pos : pos+n]
			for at := pos; len(got) > 0; {
				b, rest, err := record.NextBatch(got)
				if err != nil {
					t.Fatalf("read at %d returned a partial batch at %d", target, at)
				}
				if record.CRCValid(b) {
					i, ok := starts[at]
					if !ok || !bytes.Equal(b[:8], batches[i][:8]) || len(b) != len(batches[i]) {
						t.Fatalf("read at %d: a batch passing its CRC at %d is not the one written there", target, at)
					}
				}
				at += int64(len(b))
				got = rest
			}
		}
	})
}

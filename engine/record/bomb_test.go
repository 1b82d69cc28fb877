package record

import (
	"bytes"
	"errors"
	"io"
	"runtime"
	"strings"
	"testing"
)

// rleBomb is a zstd frame without a content size made of n RLE blocks of
// 128 KiB each (4 bytes of input per block).
func rleBomb(n int) []byte {
	frame := []byte{0x28, 0xb5, 0x2f, 0xfd, 0x00, 0x68}
	for i := n; i > 0; i-- {
		hdr := uint32(128<<10)<<3 | 1<<1
		if i == 1 {
			hdr |= 1
		}
		frame = append(frame, byte(hdr), byte(hdr>>8), byte(hdr>>16), 'x')
	}
	return frame
}

type countingReader struct {
	r io.Reader
	n int
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += n
	return n, err
}

// The streaming decoder stops at the output limit: of a 2 KB frame that
// announces 75 MiB it reads only the blocks needed to pass 1 MiB (the
// decoder reads its input ahead by at most a buffer's worth).
func TestZstdStreamStopsAtLimit(t *testing.T) {
	bomb := rleBomb(600) // 64 MiB
	r, err := newZstdReader(DefaultMaxUncompressed)
	if err != nil {
		t.Fatal(err)
	}
	defer r.d.Close()
	cr := &countingReader{r: bytes.NewReader(bomb)}
	if err := r.d.Reset(cr); err != nil {
		t.Fatal(err)
	}
	out, n, err := readBounded(nil, r.d, 1<<20)
	if !errors.Is(err, errTooBig) || len(out) != 0 || n != 1<<20+1 {
		t.Fatalf("readBounded = %d bytes, n=%d, %v; want errTooBig after 1 MiB + 1", len(out), n, err)
	}
	// 1 MiB is 8 blocks of 32 input bytes; allow the decoder's own input
	// buffering, but far less than the 2 KB frame.
	if cr.n > 1024 {
		t.Fatalf("decoder consumed %d of %d input bytes to produce 1 MiB", cr.n, len(bomb))
	}
	t.Logf("consumed %d of %d input bytes", cr.n, len(bomb))
}

// A request's budget bounds the decompression of all its batches
// together: 100 bombs of 64 MiB each under a 256 MiB budget decode 256 MiB
// (plus at most the one block past the limit of each batch) and every
// batch fails with INVALID_RECORD.
func TestBudgetBoundsRequest(t *testing.T) {
	var v Validator
	budget := NewBudget(256 << 20)
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	for i := 0; i < 100; i++ {
		_, err := v.Validate(bombBatch(rleBomb(600), Zstd), &ValidateOptions{NowMs: testNow, Budget: budget})
		if !errors.Is(err, ErrInvalidRecord) || !strings.Contains(err.Error(), "exceed") {
			t.Fatalf("bomb %d: %v", i, err)
		}
		if i >= 4 && !strings.Contains(err.Error(), "request's limit") {
			t.Fatalf("bomb %d after the budget is spent: %v", i, err)
		}
	}
	runtime.ReadMemStats(&after)
	if spent := budget.Total() - budget.left.Load(); spent > 256<<20+100*2 {
		t.Fatalf("100 bombs decoded %d MiB under a 256 MiB budget", spent>>20)
	}
	// About 1 GiB is what 100 streaming decoders set up and tear down
	// cost; the race detector and a loaded machine add some (1027 MiB
	// seen); the bound is what a missing cap would blow through by far.
	if alloc := after.TotalAlloc - before.TotalAlloc; alloc > 3<<29 {
		t.Fatalf("100 bombs allocated %d MiB", alloc>>20)
	}
	t.Logf("allocated %d MiB for 100 bombs", (after.TotalAlloc-before.TotalAlloc)>>20)
	// A legitimate batch under the same (fresh) budget passes and is charged
	// its decompressed size.
	ok := NewBudget(1 << 20)
	b := buildBatch(t, codecOpts(Zstd), keyedRecords(100, 1000))
	if _, err := v.Validate(b, &ValidateOptions{NowMs: testNow, Budget: ok}); err != nil {
		t.Fatal(err)
	}
	if used := ok.Total() - ok.Left(); used < 100*1000 || used > 200*1000 {
		t.Fatalf("charged %d bytes for 100 records of 1000", used)
	}
}

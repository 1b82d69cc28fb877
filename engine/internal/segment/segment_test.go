package segment

import (
	"bytes"
	"math/rand/v2"
	"os"
	"path/filepath"
	"testing"
	"time"

	"sluice/engine/record"
	"sluice/engine/vfs"
)

func batch(base int64, n int, ts int64) []byte {
	o := record.DefaultBuilderOptions()
	o.BaseOffset = base
	b := record.NewBuilder(o)
	for i := 0; i < n; i++ {
		b.Add(nil, bytes.Repeat([]byte{'x'}, 40), ts+int64(i))
	}
	return b.Build()
}

func build(t testing.TB, dir string, nb int) (*Segment, [][]byte) {
	s, err := Create(vfs.Default, dir, 100, 4096, "", time.Now())
	if err != nil {
		t.Fatal(err)
	}
	var out [][]byte
	off := int64(100)
	for i := 0; i < nb; i++ {
		b := batch(off, 1+i%3, 1000+int64(i)*10)
		h, _ := record.ParseHeader(b)
		if err := s.AppendOne(b, Batch{BaseOffset: off, LastOffset: h.LastOffset(), MaxTimestamp: h.MaxTimestamp}, 150); err != nil {
			t.Fatal(err)
		}
		out = append(out, b)
		off = h.LastOffset() + 1
	}
	return s, out
}

func TestFindReadRangeAndReload(t *testing.T) {
	dir := t.TempDir()
	s, batches := build(t, dir, 20)
	check := func(s *Segment) {
		pos := int64(0)
		for _, b := range batches {
			h, _ := record.ParseHeader(b)
			for off := h.BaseOffset; off <= h.LastOffset(); off++ {
				p, fh, ok, err := s.Find(off)
				if err != nil || !ok || p != pos || fh.BaseOffset != h.BaseOffset {
					t.Fatalf("Find(%d) = %d %v %v, want %d", off, p, ok, err, pos)
				}
			}
			pos += int64(len(b))
		}
		if _, _, ok, _ := s.Find(s.Next()); ok {
			t.Fatal("found past the end")
		}
		// A range never ends inside a batch.
		for mb := int64(1); mb < s.Size(); mb += 37 {
			p, n, _, err := s.ReadRange(100, mb, 1<<62, false)
			if err != nil || p != 0 {
				t.Fatal(err)
			}
			sum := int64(0)
			for _, b := range batches {
				if sum == n {
					break
				}
				sum += int64(len(b))
				if sum > n {
					t.Fatalf("maxBytes %d: range %d ends inside a batch", mb, n)
				}
			}
		}
	}
	check(s)
	if err := s.WriteIndexes(false); err != nil {
		t.Fatal(err)
	}
	s.Release()
	s2, err := Open(vfs.Default, dir, 100, 4096, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s2.Load(1<<62, 150, nil); err != nil {
		t.Fatal(err)
	}
	if s2.Next() != s.Next() || s2.Size() != s.Size() {
		t.Fatalf("reload: next %d size %d", s2.Next(), s2.Size())
	}
	if ts, _ := s2.MaxTimestamp(); ts != 1000+19*10+1 {
		t.Fatalf("max timestamp %d", ts)
	}
	check(s2)
	// A corrupt index is rebuilt by scanning.
	os.WriteFile(filepath.Join(dir, FileName(100, IndexSuffix)), []byte{0, 0, 0, 9, 0, 0, 0, 1, 0, 0, 0, 3, 0, 0, 0, 2}, 0o644)
	s2.Release()
	s3, _ := Open(vfs.Default, dir, 100, 4096, time.Now())
	if _, err := s3.Load(1<<62, 150, nil); err != nil {
		t.Fatal(err)
	}
	check(s3)
	s3.Release()
}

// checkScanned asserts that what Scan kept of data is a prefix of whole,
// CRC-valid batches with increasing offsets, and that the file was cut there.
func checkScanned(t *testing.T, s *Segment, data []byte, path string) {
	t.Helper()
	kept := data[:s.Size()]
	prev := int64(99)
	for len(kept) > 0 {
		b, rest, err := record.NextBatch(kept)
		if err != nil || !record.CRCValid(b) {
			t.Fatalf("kept an invalid batch: %v", err)
		}
		h, _ := record.ParseHeader(b)
		if h.BaseOffset <= prev {
			t.Fatal("kept offsets going backwards")
		}
		prev = h.LastOffset()
		kept = rest
	}
	if st, _ := os.Stat(path); st.Size() != s.Size() {
		t.Fatal("file not truncated to the valid prefix")
	}
}

// Random truncations and byte scribbles of a valid segment (a
// deterministic complement to FuzzScan).
func TestScanRandomCorruption(t *testing.T) {
	s, batches := build(t, t.TempDir(), 6)
	s.Release()
	var all []byte
	for _, b := range batches {
		all = append(all, b...)
	}
	d := t.TempDir()
	path := filepath.Join(d, FileName(100, LogSuffix))
	rng := rand.New(rand.NewPCG(3, 4))
	for i := 0; i < 1500; i++ {
		data := append([]byte(nil), all[:rng.IntN(len(all)+1)]...)
		for k := rng.IntN(4); k > 0 && len(data) > 0; k-- {
			data[rng.IntN(len(data))] = byte(rng.IntN(256))
		}
		os.WriteFile(path, data, 0o644)
		s, err := Open(vfs.Default, d, 100, 4096, time.Now())
		if err != nil {
			t.Fatal(err)
		}
		if _, err := s.Scan(true, 100, 150, nil); err != nil {
			t.Fatal(err)
		}
		checkScanned(t, s, data, path)
		s.Release()
	}
}

// FuzzScan feeds arbitrary bytes as a segment file: Scan never fails on
// content, and what it keeps is a prefix of whole, CRC-valid batches.
func FuzzScan(f *testing.F) {
	dir := f.TempDir()
	s, batches := build(f, dir, 4)
	s.Release()
	var all []byte
	for _, b := range batches {
		all = append(all, b...)
	}
	f.Add(all)
	f.Add(all[:len(all)-3])
	f.Add([]byte{0, 0, 0, 0, 0, 0, 0, 100, 255, 255, 255, 255})
	d := f.TempDir() // one per fuzz worker process; inputs run one at a time
	f.Fuzz(func(t *testing.T, data []byte) {
		os.WriteFile(filepath.Join(d, FileName(100, LogSuffix)), data, 0o644)
		s, err := Open(vfs.Default, d, 100, 4096, time.Now())
		if err != nil {
			t.Fatal(err)
		}
		defer s.Release()
		if _, err := s.Scan(true, 100, 150, nil); err != nil {
			t.Fatal(err)
		}
		checkScanned(t, s, data, filepath.Join(d, FileName(100, LogSuffix)))
	})
}

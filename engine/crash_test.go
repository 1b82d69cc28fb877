package engine

import (
	"bytes"
	"io"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"sluice/engine/vfs"
	"sluice/engine/vfs/errorfs"
)

// crashedLog builds a single-segment log of n batches, fsyncs it, and
// "crashes" (no clean shutdown marker). It returns the dir, the batches as
// stored (offsets assigned) and their end positions in the .log.
func crashedLog(t *testing.T, n int) (dir string, stored [][]byte, ends []int64) {
	env := newEnv(t, 1)
	efs := errorfs.New(vfs.Default)
	env.fs = efs
	e := env.open()
	l := mustCreate(t, e, tp0, map[string]string{"index.interval.bytes": "100", "segment.index.bytes": "4096"})
	pos := int64(0)
	for i := 0; i < n; i++ {
		b := env.batch(batchSpec{n: 1 + i%3, valSize: 3 + i*7%20, pid: 3, seq: int32(l.LogEndOffset())})
		mustAppend(t, l, b) // b now carries its offsets
		stored = append(stored, b)
		pos += int64(len(b))
		ends = append(ends, pos)
	}
	if err := l.Flush(); err != nil {
		t.Fatal(err)
	}
	if err := efs.Crash(nil, nil); err != nil {
		t.Fatal(err)
	}
	return env.dirs[0], stored, ends
}

func copyDir(t *testing.T, src, dst string) {
	t.Helper()
	err := filepath.Walk(src, func(p string, info os.FileInfo, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(src, p)
		target := filepath.Join(dst, rel)
		if info.IsDir() {
			return os.MkdirAll(target, 0o755)
		}
		in, err := os.Open(p)
		if err != nil {
			return err
		}
		defer in.Close()
		out, err := os.Create(target)
		if err != nil {
			return err
		}
		defer out.Close()
		_, err = io.Copy(out, in)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
}

// expectPrefix opens dir and checks that the log holds exactly the first
// want batches of stored, byte for byte.
func expectPrefix(t *testing.T, dir string, stored [][]byte, want int, what string) {
	t.Helper()
	e, err := Open(Options{Dirs: []string{dir}, FS: noSyncFS{vfs.Default}, DisableBackground: true})
	if err != nil {
		t.Fatalf("%s: Open: %v", what, err)
	}
	defer e.Close()
	l, ok := e.Log(tp0)
	if !ok {
		t.Fatalf("%s: log not opened: %v", what, e.RecoveryErrors())
	}
	var wantBytes []byte
	wantLEO := int64(0)
	for _, b := range stored[:want] {
		wantBytes = append(wantBytes, b...)
		wantLEO = parseHdr(t, b).LastOffset() + 1
	}
	if l.LogEndOffset() != wantLEO {
		t.Fatalf("%s: log end %d, want %d (%d batches)", what, l.LogEndOffset(), wantLEO, want)
	}
	var got []byte
	for off := int64(0); off < wantLEO; {
		r, err := l.Read(off, 1<<30, ReadOptions{MaxOffset: -1})
		if err != nil {
			t.Fatalf("%s: %v", what, err)
		}
		n := len(got)
		got, _ = r.AppendTo(got)
		r.Release()
		if len(got) == n {
			break
		}
		for rest := got[n:]; len(rest) > 0; {
			h := parseHdr(t, rest)
			off = h.LastOffset() + 1
			rest = rest[h.Size():]
		}
	}
	if !bytes.Equal(got, wantBytes) {
		t.Fatalf("%s: recovered bytes differ from the prefix of %d batches", what, want)
	}
	// The producer state matches the prefix: the next sequence is accepted.
	if want > 0 {
		next := env0batch(t, wantLEO)
		if _, err := l.Append(next, AppendOptions{}); err != nil {
			t.Fatalf("%s: append after recovery: %v", what, err)
		}
	}
}

func env0batch(t *testing.T, seq int64) []byte {
	env := newEnv(t, 0)
	return env.batch(batchSpec{n: 1, valSize: 5, pid: 3, seq: int32(seq)})
}

func TestRecoveryTruncatedAtEveryByte(t *testing.T) {
	src, stored, ends := crashedLog(t, 12)
	segPath := filepath.Join(src, "orders-0", "00000000000000000000.log")
	from := ends[len(ends)-3] // every byte of the last two batches
	work := t.TempDir()
	for cut := from; cut <= ends[len(ends)-1]; cut++ {
		dst := filepath.Join(work, "x")
		os.RemoveAll(dst)
		copyDir(t, src, dst)
		if err := os.Truncate(filepath.Join(dst, "orders-0", filepath.Base(segPath)), cut); err != nil {
			t.Fatal(err)
		}
		want := 0
		for want < len(ends) && ends[want] <= cut {
			want++
		}
		expectPrefix(t, dst, stored, want, "cut at "+itoa(cut))
	}
}

func TestRecoveryRandomBitFlips(t *testing.T) {
	src, stored, ends := crashedLog(t, 12)
	rng := rand.New(rand.NewPCG(1, 2))
	work := t.TempDir()
	starts := append([]int64{0}, ends[:len(ends)-1]...)
	for i := 0; i < 40; i++ {
		dst := filepath.Join(work, "x")
		os.RemoveAll(dst)
		copyDir(t, src, dst)
		// Flip a bit of the last six batches, outside the 12 bytes of
		// baseOffset/epoch that no checksum covers (bytes 0-7, 12-15).
		k := len(stored) - 1 - rng.IntN(6)
		var off int64
		for {
			off = starts[k] + rng.Int64N(ends[k]-starts[k])
			if rel := off - starts[k]; rel >= 16 || (rel >= 8 && rel < 12) {
				break
			}
		}
		p := filepath.Join(dst, "orders-0", "00000000000000000000.log")
		data, _ := os.ReadFile(p)
		data[off] ^= 1 << rng.IntN(8)
		os.WriteFile(p, data, 0o644)
		expectPrefix(t, dst, stored, k, "bit flip in batch "+itoa(int64(k)))
	}
}

// Random workloads with flushes and crashes that drop, keep or garble the
// unsynced tail: recovery yields the longest valid prefix and never loses
// a synced batch.
func TestSimulatedCrashes(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 7))
	for iter := 0; iter < 25; iter++ {
		env := newEnv(t, 1)
		efs := errorfs.New(vfs.Default)
		env.fs = efs
		e := env.open()
		l := mustCreate(t, e, tp0, map[string]string{"segment.bytes": "3000", "index.interval.bytes": "200"})
		var stored [][]byte
		synced := 0
		n := 5 + rng.IntN(30)
		for i := 0; i < n; i++ {
			b := env.batch(batchSpec{n: 1 + rng.IntN(4), valSize: rng.IntN(300), pid: 3, seq: int32(l.LogEndOffset())})
			mustAppend(t, l, b)
			stored = append(stored, b)
			if rng.IntN(4) == 0 {
				if err := l.Flush(); err != nil {
					t.Fatal(err)
				}
				synced = len(stored)
			}
		}
		garble := rng.IntN(2) == 0
		var junkAt = map[string]int64{}
		efs.Crash(func(path string, durable, size int64) int64 {
			k := rng.Int64N(size - durable + 1)
			if strings.HasSuffix(path, ".log") && garble && k > 0 {
				junkAt[path] = durable + rng.Int64N(k)
			}
			return k
		}, func(path string, torn []byte) {
			if at, ok := junkAt[path]; ok {
				durable := int64(0)
				_ = durable
				// torn starts at the durable length; scribble from junkAt on.
				st, _ := os.Stat(path)
				start := st.Size() - int64(len(torn))
				for i := at - start; i < int64(len(torn)); i++ {
					if i >= 0 {
						torn[i] = byte(rng.IntN(256))
					}
				}
			}
		})
		// Expected: batches wholly present and untouched, in order, across
		// segment files.
		want := 0
		for want < len(stored) {
			ok, _ := batchIntact(t, env.dirs[0], stored[want], junkAt)
			if !ok {
				break
			}
			want++
		}
		if want < synced {
			t.Fatalf("iter %d: synced batch %d lost by the crash model itself", iter, want)
		}
		expectPrefix(t, env.dirs[0], stored, want, "crash iteration "+itoa(int64(iter)))
	}
}

// batchIntact reports whether the batch is on disk, byte for byte, before
// any junk.
func batchIntact(t *testing.T, dir string, b []byte, junkAt map[string]int64) (bool, error) {
	h := parseHdr(t, b)
	pdir := filepath.Join(dir, "orders-0")
	ents, _ := os.ReadDir(pdir)
	var segBase int64 = -1
	for _, en := range ents {
		if strings.HasSuffix(en.Name(), ".log") {
			base, _ := parseBase(strings.TrimSuffix(en.Name(), ".log"))
			if base <= h.BaseOffset && base > segBase {
				segBase = base
			}
		}
	}
	if segBase < 0 {
		return false, nil
	}
	p := filepath.Join(pdir, strings.Repeat("0", 20-len(itoa(segBase)))+itoa(segBase)+".log")
	data, err := os.ReadFile(p)
	if err != nil {
		return false, err
	}
	i := bytes.Index(data, b)
	if i < 0 {
		return false, nil
	}
	if at, ok := junkAt[p]; ok && int64(i+len(b)) > at {
		return false, nil
	}
	return true, nil
}

func itoa(v int64) string {
	if v == 0 {
		return "0"
	}
	neg := v < 0
	if neg {
		v = -v
	}
	var b []byte
	for v > 0 {
		b = append([]byte{byte('0' + v%10)}, b...)
		v /= 10
	}
	if neg {
		b = append([]byte{'-'}, b...)
	}
	return string(b)
}

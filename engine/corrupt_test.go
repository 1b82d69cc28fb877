package engine

import (
	"encoding/binary"
	"errors"
	"fmt"
	"log/slog"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"sluice/engine/record"
	"sluice/engine/vfs"
)

// corruptSource builds a cleanly closed log of 3 segments of 8 batches
// (1-3 records each, values "v<offset>") with sparse index entries.
func corruptSource(t *testing.T, dir string) (total int64) {
	e, err := Open(Options{Dirs: []string{dir}, FS: noSyncFS{vfs.Default}, DisableBackground: true})
	if err != nil {
		t.Fatal(err)
	}
	l := mustCreate(t, e, tp0, map[string]string{"index.interval.bytes": "150", "segment.index.bytes": "4096"})
	off := int64(0)
	for seg := 0; seg < 3; seg++ {
		for i := 0; i < 8; i++ {
			b := record.NewBuilder(record.DefaultBuilderOptions())
			for r := 0; r <= i%3; r++ {
				b.Add(nil, []byte(fmt.Sprintf("v%d", off)), 1_700_000_000_000)
				off++
			}
			mustAppend(t, l, b.Build())
		}
		l.mu.Lock()
		err := l.rollLocked(l.cfg.Load(), 1_700_000_000_000)
		l.mu.Unlock()
		if err != nil {
			t.Fatal(err)
		}
	}
	if err := e.Close(); err != nil {
		t.Fatal(err)
	}
	return off
}

// consume reads the whole log as a client does: fetch from an offset,
// split the answer into batches (a partial batch at the end is dropped, a
// batch with a bad CRC is an error the client sees), take the records at
// or after the fetch offset, and continue after the last one. It returns
// the records' values by offset and whether the client saw an error.
func consume(t *testing.T, l *Log, maxBytes int32) (got map[int64]string, order []int64, sawErr error) {
	t.Helper()
	got = map[int64]string{}
	var v record.Validator
	hw := l.HighWatermark()
	for off := l.LogStartOffset(); off < hw; {
		r, err := l.Read(off, maxBytes, ReadOptions{MaxOffset: hw, MinOneBatch: true})
		if err != nil {
			if !errors.Is(err, ErrCorruptRead) && !errors.Is(err, ErrStorage) {
				t.Fatalf("read at %d: %v (not CORRUPT_MESSAGE / KAFKA_STORAGE_ERROR)", off, err)
			}
			return got, order, err
		}
		data, err := r.AppendTo(nil)
		r.Release()
		if err != nil {
			return got, order, err
		}
		progressed := false
		for len(data) > 0 {
			b, rest, err := record.NextBatch(data)
			if err != nil {
				break // a partial batch at the end: the client drops it
			}
			if !record.CRCValid(b) {
				return got, order, fmt.Errorf("client: batch at fetch offset %d fails its CRC", off)
			}
			h, _ := record.ParseHeader(b)
			if err := v.ForEachRecord(b, func(rec *record.Record) error {
				if rec.Offset >= off {
					if _, dup := got[rec.Offset]; !dup {
						order = append(order, rec.Offset)
					}
					got[rec.Offset] = string(rec.Value)
				}
				return nil
			}); err != nil {
				return got, order, fmt.Errorf("client: batch at %d does not decode: %v", h.BaseOffset, err)
			}
			if h.LastOffset()+1 > off {
				off, progressed = h.LastOffset()+1, true
			}
			data = rest
		}
		if !progressed {
			t.Fatalf("read at %d returned no whole batch and no error: the client is stuck", off)
		}
	}
	return got, order, nil
}

// checkNoSilentGap requires the records a client got to be exactly the
// log's, in order, from the start: all of them without an error, or a
// prefix of them and then an error.
func checkNoSilentGap(t *testing.T, what string, total int64, got map[int64]string, order []int64, sawErr error) {
	t.Helper()
	for i, off := range order {
		if off != int64(i) || got[off] != fmt.Sprintf("v%d", off) {
			t.Fatalf("%s: record %d of the read is offset %d value %q: a gap or a wrong offset (error: %v)", what, i, off, got[off], sawErr)
		}
	}
	if sawErr == nil && int64(len(order)) != total {
		t.Fatalf("%s: read %d of %d records without an error", what, len(order), total)
	}
}

type batchLoc struct {
	file          string
	pos, size     int64
	base, last    int64
	nextBatchSize int64
}

// locateBatches lists the batches of the non-active segments.
func locateBatches(t *testing.T, pdir string) []batchLoc {
	ents, _ := os.ReadDir(pdir)
	var logs []string
	for _, en := range ents {
		if strings.HasSuffix(en.Name(), ".log") {
			logs = append(logs, en.Name())
		}
	}
	sort.Strings(logs)
	var out []batchLoc
	for _, name := range logs[:len(logs)-1] {
		data, err := os.ReadFile(filepath.Join(pdir, name))
		if err != nil || len(data) == 0 {
			t.Fatalf("%s: %v", name, err)
		}
		var locs []batchLoc
		for pos := int64(0); pos < int64(len(data)); {
			h, err := record.ParseHeader(data[pos:])
			if err != nil {
				t.Fatal(err)
			}
			locs = append(locs, batchLoc{file: name, pos: pos, size: int64(h.Size()), base: h.BaseOffset, last: h.LastOffset()})
			pos += int64(h.Size())
		}
		for i := range locs[:len(locs)-1] {
			locs[i].nextBatchSize = locs[i+1].size
		}
		out = append(out, locs...)
	}
	return out
}

// corruption is one overwrite of a header field.
type corruption struct {
	field string
	at    int64
	value []byte
}

func corruptionsOf(b batchLoc, rng *rand.Rand) []corruption {
	i32 := func(v int64) []byte { return binary.BigEndian.AppendUint32(nil, uint32(int32(v))) }
	i64 := func(v int64) []byte { return binary.BigEndian.AppendUint64(nil, uint64(v)) }
	length := b.size - record.LogOverhead
	var out []corruption
	for _, v := range []int64{0, -1, 1, record.HeaderSize - record.LogOverhead - 1, record.HeaderSize - record.LogOverhead,
		length - 1, length + 1, length - 20, length + 20, length + b.nextBatchSize, length * 2, 0x7fffff00, math.MaxInt32,
		math.MinInt32, rng.Int64N(1 << 31), rng.Int64N(length + 200)} {
		out = append(out, corruption{"length", 8, i32(v)})
	}
	for _, v := range []byte{0, 1, 3, 0x7f, 0xff} {
		out = append(out, corruption{"magic", 16, []byte{v}})
	}
	for _, v := range []int64{b.base - 1, b.base + 1, b.base + 2, b.base + 3, b.base - 3, 0, -1, b.last, b.last + 1,
		b.base + 1000, math.MaxInt64, math.MinInt64, 1 << 31, rng.Int64N(100), rng.Int64()} {
		if v != b.base {
			out = append(out, corruption{"base offset", 0, i64(v)})
		}
	}
	return out
}

func overwrite(t *testing.T, path string, at int64, b []byte) (old []byte) {
	f, err := os.OpenFile(path, os.O_RDWR, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	old = make([]byte, len(b))
	if _, err := f.ReadAt(old, at); err != nil {
		t.Fatal(err)
	}
	if _, err := f.WriteAt(b, at); err != nil {
		t.Fatal(err)
	}
	return old
}

// Must show 3 of issue 9: overwriting the batch length, the magic or the
// base offset of any batch of a non-active segment, with values at the
// edges and at random, gives the client an error or a correct read, never
// a silent gap: both for a broker that loaded the segment before it was
// damaged (the read path's checks) and for one opened afterwards (the
// load's checks), and with fetch sizes that end ranges inside and at the
// damaged batch. CRC-covered fields are the client's CRC check; the
// partition leader epoch cannot be checked.
func TestCorruptHeaderNeverSilentGap(t *testing.T) {
	root := t.TempDir()
	if fast := tmpfs(t, "256m"); fast != "" {
		root = fast
	}
	src := filepath.Join(root, "src")
	total := corruptSource(t, src)
	pdir := filepath.Join(src, "orders-0")
	batches := locateBatches(t, pdir)
	rng := rand.New(rand.NewPCG(9, 9))

	// A broker running while the damage happens.
	live := filepath.Join(root, "live")
	copyDir(t, src, live)
	e, err := Open(Options{Dirs: []string{live}, FS: noSyncFS{vfs.Default}, DisableBackground: true})
	if err != nil {
		t.Fatal(err)
	}
	defer e.Close()
	l, _ := e.Log(tp0)
	l.SetHighWatermark(l.LogEndOffset())
	if got, order, err := consume(t, l, 1<<20); err != nil || len(got) != int(total) {
		t.Fatalf("undamaged log: %d records, %v", len(order), err)
	}
	variants, errorsSeen := 0, 0
	for _, b := range batches {
		for _, c := range corruptionsOf(b, rng) {
			what := fmt.Sprintf("%s of batch at %s:%d set to %x", c.field, b.file, b.pos, c.value)
			path := filepath.Join(live, "orders-0", b.file)
			old := overwrite(t, path, b.pos+c.at, c.value)
			for _, maxBytes := range []int32{1 << 20, int32(b.size), 1} {
				got, order, err := consume(t, l, maxBytes)
				checkNoSilentGap(t, what+fmt.Sprintf(" (live, fetch size %d)", maxBytes), total, got, order, err)
				if err != nil {
					errorsSeen++
				}
			}
			overwrite(t, path, b.pos+c.at, old)
			variants++

			// A broker started on the damaged log.
			dir := filepath.Join(root, "reopen")
			os.RemoveAll(dir)
			copyDir(t, src, dir)
			overwrite(t, filepath.Join(dir, "orders-0", b.file), b.pos+c.at, c.value)
			e2, err := Open(Options{Dirs: []string{dir}, FS: noSyncFS{vfs.Default}, DisableBackground: true})
			if err != nil {
				t.Fatalf("%s: open: %v", what, err)
			}
			if l2, ok := e2.Log(tp0); ok {
				l2.SetHighWatermark(l2.LogEndOffset())
				got, order, err := consume(t, l2, 1<<20)
				if int64(len(order)) < total && err == nil {
					t.Fatalf("%s (reopened): the log now ends at %d of %d records without an error", what, l2.LogEndOffset(), total)
				}
				checkNoSilentGap(t, what+" (reopened)", total, got, order, err)
			} else if e2.RecoveryErrors()[tp0] == nil {
				t.Fatalf("%s: log neither opened nor reported", what)
			}
			e2.Close()
		}
	}
	if got, order, err := consume(t, l, 1<<20); err != nil || len(got) != int(total) {
		t.Fatalf("restored log: %d records, %v", len(order), err)
	}
	if e.CorruptReads() == 0 {
		t.Fatal("no corrupt read counted")
	}
	t.Logf("%d damaged headers over %d batches of 2 non-active segments: no silent gap; %d reads ended with an error the client sees; %d corrupt reads counted",
		variants, len(batches), errorsSeen, e.CorruptReads())
}

// Recovery that cuts a log says at ERROR what it dropped: the first offset
// gone, the bytes, the later segments.
func TestRecoveryCutLoggedAtError(t *testing.T) {
	root := t.TempDir()
	src := filepath.Join(root, "src")
	corruptSource(t, src)
	pdir := filepath.Join(src, "orders-0")
	batches := locateBatches(t, pdir)
	// A bit flip inside the records of the 4th batch of the second
	// segment, after an unclean stop with nothing checkpointed as flushed.
	var victim batchLoc
	n := 0
	for _, b := range batches {
		if b.file != batches[0].file {
			if n == 3 {
				victim = b
			}
			n++
		}
	}
	path := filepath.Join(pdir, victim.file)
	data, _ := os.ReadFile(path)
	data[victim.pos+victim.size-1] ^= 0x40
	os.WriteFile(path, data, 0o644)
	os.Remove(filepath.Join(src, cleanShutdownFile))
	os.WriteFile(filepath.Join(src, recoveryPointFile), []byte("0\n1\norders 0 0\n"), 0o644)
	var logs strings.Builder
	e, err := Open(Options{Dirs: []string{src}, FS: noSyncFS{vfs.Default}, DisableBackground: true,
		Logger: slog.New(slog.NewTextHandler(&logs, nil))})
	if err != nil {
		t.Fatal(err)
	}
	defer e.Close()
	l, _ := e.Log(tp0)
	if l.LogEndOffset() != victim.base {
		t.Fatalf("log end %d after recovery, want the damaged batch's base %d", l.LogEndOffset(), victim.base)
	}
	var line string
	for _, ln := range strings.Split(logs.String(), "\n") {
		if strings.Contains(ln, "recovery cut the log") {
			line = ln
		}
	}
	for _, want := range []string{"level=ERROR", "first_dropped_offset=" + fmt.Sprint(victim.base), "last_dropped_offset=44",
		`later_segments_dropped="[30 45]"`, "bytes=", "position=" + fmt.Sprint(victim.pos)} {
		if !strings.Contains(line, want) {
			t.Fatalf("recovery log line %q lacks %q", line, want)
		}
	}
}

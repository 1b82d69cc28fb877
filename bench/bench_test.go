package bench

import (
	"errors"
	"io"
	"net"
	"os"
	"path/filepath"
	"testing"
	"time"

	"golang.org/x/sys/unix"

	"sluice/engine"
	"sluice/engine/record"
)

const (
	recordSize = 1 << 10
	// capBytes bounds the data any benchmark keeps on disk, so that both the
	// engine and the baseline run inside the page cache.
	capBytes = 128 << 20
)

var batchSizes = []struct {
	name string
	size int
}{{"16KiB", 16 << 10}, {"256KiB", 256 << 10}, {"1MiB", 1 << 20}}

// makeBatch builds an uncompressed batch of 1 KiB records of about size
// bytes, as a producer sends it.
func makeBatch(size int) []byte {
	b := record.NewBuilder(record.DefaultBuilderOptions())
	val := make([]byte, recordSize-16)
	for i := range val {
		val[i] = byte(i * 7)
	}
	now := time.Now().UnixMilli()
	for i := 0; i < size/recordSize; i++ {
		b.Add([]byte("key-0001"), val, now)
	}
	return b.Build()
}

func openLog(b *testing.B, dir string, overrides map[string]string) (*engine.Engine, *engine.Log) {
	b.Helper()
	e, err := engine.Open(engine.Options{Dirs: []string{dir}, DisableBackground: true})
	if err != nil {
		b.Fatal(err)
	}
	cfg, err := engine.DefaultTopicConfig().With(overrides)
	if err != nil {
		b.Fatal(err)
	}
	l, err := e.CreateLog(engine.TopicPartition{Topic: "bench", Partition: 0}, [16]byte{1}, cfg)
	if err != nil {
		b.Fatal(err)
	}
	return e, l
}

// interleave runs the raw baseline in chunks between the engine's
// iterations (timer stopped), so that both see the same machine state on
// a noisy host; it returns the baseline's total time.
type interleave struct {
	b     *testing.B
	every int
	raw   time.Duration
}

// maybe runs step (chunk raw operations) every `every` engine iterations.
func (x *interleave) maybe(i int, step func(n int)) {
	if i%x.every != 0 {
		return
	}
	n := min(x.every, x.b.N-i)
	x.b.StopTimer()
	start := time.Now()
	step(n)
	x.raw += time.Since(start)
	x.b.StartTimer()
}

// ratio reports engine throughput / raw throughput as "x-raw".
func (x *interleave) report() {
	x.b.StopTimer()
	x.b.ReportMetric(x.raw.Seconds()/x.b.Elapsed().Seconds(), "x-raw")
}

// rawFile is the baseline's plain file in the same dir.
type rawFile struct {
	f    *os.File
	size int
	// reserveAhead, when > 0, reserves blocks ahead of the writes with
	// fallocate(FALLOC_FL_KEEP_SIZE) as the engine does for its active
	// segment (engine.DefaultReserveAhead); reserved is how far.
	reserveAhead, reserved int64
}

func newRawFile(b *testing.B, dir, name string, reserveAhead int64) *rawFile {
	f, err := os.OpenFile(filepath.Join(dir, name), os.O_CREATE|os.O_RDWR|os.O_TRUNC, 0o644)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { f.Close() })
	return &rawFile{f: f, reserveAhead: reserveAhead}
}

// write does n sequential write(2)s of batch, wrapping at capBytes like
// the engine benchmark (the wrap itself is not timed by either); it
// returns the time not to count.
func (r *rawFile) write(b *testing.B, batch []byte, n int) time.Duration {
	var untimed time.Duration
	for i := 0; i < n; i++ {
		if r.size+len(batch) > capBytes {
			t := time.Now()
			r.f.Truncate(0)
			r.f.Seek(0, io.SeekStart)
			r.size, r.reserved = 0, 0
			untimed += time.Since(t)
		}
		if end := int64(r.size + len(batch)); r.reserveAhead > 0 && end > r.reserved {
			if err := unix.Fallocate(int(r.f.Fd()), unix.FALLOC_FL_KEEP_SIZE, r.reserved, end+r.reserveAhead-r.reserved); err != nil {
				b.Fatal(err)
			}
			r.reserved = end + r.reserveAhead
		}
		if _, err := r.f.Write(batch); err != nil {
			b.Fatal(err)
		}
		r.size += len(batch)
	}
	return untimed
}

// BenchmarkAppend appends 1 KiB records in batches of 16 KiB, 256 KiB and
// 1 MiB through Log.Append (full validation, offset assignment, one
// pwrite per batch) against plain sequential write(2)s of the same bytes
// to a file in the same dir, interleaved ("x-raw"). The engine reserves
// its active segment's blocks ahead of the writes, which makes each write
// cheaper; "x-raw-reserved" compares it with write(2)s to a file reserved
// the same way, the engine's own cost alone.
func BenchmarkAppend(b *testing.B) {
	for _, bs := range batchSizes {
		b.Run(bs.name, func(b *testing.B) {
			dir := b.TempDir()
			e, l := openLog(b, dir, map[string]string{"segment.bytes": "134217728", "file.delete.delay.ms": "0", "max.message.bytes": "2097152"})
			defer e.Close()
			batch := makeBatch(bs.size)
			raw := newRawFile(b, dir, "raw.bin", 0)
			reserved := newRawFile(b, dir, "raw-reserved.bin", engine.DefaultReserveAhead)
			var rawReserved time.Duration
			x := &interleave{b: b, every: 16}
			b.SetBytes(int64(len(batch)))
			b.ReportAllocs()
			size := int64(0)
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				x.maybe(i, func(n int) {
					x.raw -= raw.write(b, batch, n)
					// The second baseline is timed apart and reported on its own.
					t := time.Now()
					untimed := reserved.write(b, batch, n)
					d := time.Since(t)
					x.raw -= d
					rawReserved += d - untimed
				})
				if size+int64(len(batch)) > capBytes {
					b.StopTimer()
					if err := l.TruncateTo(0); err != nil {
						b.Fatal(err)
					}
					size = 0
					b.StartTimer()
				}
				record.SetBaseOffset(batch, 0) // as a producer sends it
				if _, err := l.Append(batch, engine.AppendOptions{}); err != nil {
					b.Fatal(err)
				}
				size += int64(len(batch))
			}
			x.report()
			b.ReportMetric(rawReserved.Seconds()/b.Elapsed().Seconds(), "x-raw-reserved")
		})
	}
}

// fillLog appends capBytes/2 of 16 KiB batches and returns the log.
func fillLog(b *testing.B, dir string) (*engine.Engine, *engine.Log) {
	e, l := openLog(b, dir, map[string]string{"segment.bytes": "33554432"})
	batch := makeBatch(16 << 10)
	for size := 0; size < capBytes/2; size += len(batch) {
		record.SetBaseOffset(batch, 0)
		if _, err := l.Append(batch, engine.AppendOptions{}); err != nil {
			b.Fatal(err)
		}
	}
	l.SetHighWatermark(l.LogEndOffset())
	return e, l
}

// segmentFiles returns the log's .log files for the raw baselines.
func segmentFiles(b *testing.B, dir string) []string {
	m, err := filepath.Glob(filepath.Join(dir, "bench-0", "*.log"))
	if err != nil || len(m) == 0 {
		b.Fatal("no segments", err)
	}
	return m
}

// BenchmarkReadBack reads the log from the start in 1 MiB fetches through
// Read + AppendTo (the copying path) against pread(2) of the segment files
// in 1 MiB chunks.
func BenchmarkReadBack(b *testing.B) {
	dir := b.TempDir()
	e, l := fillLog(b, dir)
	defer e.Close()
	buf := make([]byte, 0, 2<<20)
	files := segmentFiles(b, dir)
	const fetch = 1 << 20
	// Raw baseline: pread(2) of the segment files, 1 MiB per op.
	fs := make([]*os.File, len(files))
	for i, p := range files {
		fs[i], _ = os.Open(p)
		defer fs[i].Close()
	}
	fi, roff := 0, int64(0)
	rawRead := func(n int) {
		for j := 0; j < n; j++ {
			k, err := fs[fi].ReadAt(buf[:fetch], roff)
			roff += int64(k)
			if errors.Is(err, io.EOF) || k < fetch {
				fi, roff = (fi+1)%len(fs), 0
			}
		}
	}
	x := &interleave{b: b, every: 16}
	b.SetBytes(fetch)
	b.ReportAllocs()
	b.ResetTimer()
	off := l.LogStartOffset()
	for i := 0; i < b.N; i++ {
		x.maybe(i, rawRead)
		r, err := l.Read(off, fetch, engine.ReadOptions{MaxOffset: -1})
		if err != nil {
			b.Fatal(err)
		}
		if buf, err = r.AppendTo(buf[:0]); err != nil {
			b.Fatal(err)
		}
		off = r.NextOffset
		r.Release()
		if off >= l.LogEndOffset() {
			off = l.LogStartOffset()
		}
	}
	x.report()
}

// sink is a loopback TCP connection whose far end discards everything.
type sink struct {
	conn *net.TCPConn
	ln   net.Listener
	done chan struct{}
}

func newSink(b *testing.B) *sink {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		b.Fatal(err)
	}
	s := &sink{ln: ln, done: make(chan struct{})}
	go func() {
		defer close(s.done)
		c, err := ln.Accept()
		if err != nil {
			return
		}
		buf := make([]byte, 1<<20)
		for {
			if _, err := c.Read(buf); err != nil {
				c.Close()
				return
			}
		}
	}()
	c, err := net.Dial("tcp", ln.Addr().String())
	if err != nil {
		b.Fatal(err)
	}
	s.conn = c.(*net.TCPConn)
	return s
}

func (s *sink) close() {
	s.conn.Close()
	s.ln.Close()
	<-s.done
}

// sendfile sends n bytes of fd from off over the sink with sendfile(2).
func (s *sink) sendfile(b *testing.B, fd int, off, n int64) {
	rc, err := s.conn.SyscallConn()
	if err != nil {
		b.Fatal(err)
	}
	for n > 0 {
		var serr error
		err := rc.Write(func(sock uintptr) bool {
			w, e := unix.Sendfile(int(sock), fd, &off, int(n))
			if w > 0 {
				n -= int64(w)
			}
			if e == unix.EAGAIN {
				return false
			}
			serr = e
			return true
		})
		if err != nil || serr != nil {
			b.Fatal(err, serr)
		}
	}
}

// BenchmarkSendfile sends the log in 1 MiB fetches: Read returns file
// ranges, each sent with sendfile(2) to a loopback TCP socket, against
// sendfile(2) of the segment files directly.
func BenchmarkSendfile(b *testing.B) {
	dir := b.TempDir()
	e, l := fillLog(b, dir)
	defer e.Close()
	files := segmentFiles(b, dir)
	const fetch = 1 << 20
	s := newSink(b)
	defer s.close()
	fs := make([]*os.File, len(files))
	sizes := make([]int64, len(files))
	for i, p := range files {
		fs[i], _ = os.Open(p)
		defer fs[i].Close()
		st, _ := fs[i].Stat()
		sizes[i] = st.Size()
	}
	fi, roff := 0, int64(0)
	rawSend := func(n int) {
		for j := 0; j < n; j++ {
			k := min(int64(fetch), sizes[fi]-roff)
			s.sendfile(b, int(fs[fi].Fd()), roff, k)
			roff += k
			if roff >= sizes[fi] {
				fi, roff = (fi+1)%len(fs), 0
			}
		}
	}
	x := &interleave{b: b, every: 16}
	b.SetBytes(fetch)
	b.ReportAllocs()
	b.ResetTimer()
	off := l.LogStartOffset()
	for i := 0; i < b.N; i++ {
		x.maybe(i, rawSend)
		r, err := l.Read(off, fetch, engine.ReadOptions{MaxOffset: -1})
		if err != nil {
			b.Fatal(err)
		}
		for _, fr := range r.Ranges {
			s.sendfile(b, int(fr.File.Fd()), fr.Offset, fr.Length)
		}
		off = r.NextOffset
		r.Release()
		if off >= l.LogEndOffset() {
			off = l.LogStartOffset()
		}
	}
	x.report()
}

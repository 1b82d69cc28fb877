package netio

import (
	"bytes"
	"encoding/binary"
	"io"
	"os"
	"sync/atomic"
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

// noFd hides a file's descriptor, forcing the copying path.
type noFd struct{ f *os.File }

func (n noFd) Fd() uintptr                             { return ^uintptr(0) }
func (n noFd) ReadAt(p []byte, off int64) (int, error) { return n.f.ReadAt(p, off) }

// pathFd offers an O_PATH descriptor, on which sendfile fails (EBADF), so
// the fallback is taken after a refused sendfile.
type pathFd struct {
	f  *os.File
	fd int
}

func (p pathFd) Fd() uintptr                             { return uintptr(p.fd) }
func (p pathFd) ReadAt(b []byte, off int64) (int, error) { return p.f.ReadAt(b, off) }

// fileHandler answers a frame "off,len" (two big-endian int64) with a framed
// response: a memory prefix, the file range, and a memory suffix.
func fileHandler(file FileLike, dones *atomic.Int64) *toyHandler {
	h := &toyHandler{}
	h.serve = func(c *Conn, frame []byte, req *Request) {
		off := int64(binary.BigEndian.Uint64(frame))
		n := int64(binary.BigEndian.Uint64(frame[8:]))
		chunks := []Chunk{{Mem: []byte("<<")}, {File: file, Off: off, Len: n}, {Mem: []byte(">>")}}
		resp := Response{Chunks: framed(chunks...), Done: func() { dones.Add(1) }}
		h.goRespond(func() {
			Prefetch(resp.Chunks)
			req.Respond(resp)
		})
	}
	return h
}

func rangeFrame(off, n int64) []byte {
	b := binary.BigEndian.AppendUint64(nil, uint64(off))
	return binary.BigEndian.AppendUint64(b, uint64(n))
}

// slowRead reads a framed response with a small receive buffer and pauses,
// so the server's socket fills and sendfile hits EAGAIN repeatedly.
func slowRead(t *testing.T, c io.Reader) []byte {
	t.Helper()
	var hdr [4]byte
	if _, err := io.ReadFull(c, hdr[:]); err != nil {
		t.Fatal(err)
	}
	out := make([]byte, binary.BigEndian.Uint32(hdr[:]))
	for got, i := 0, 0; got < len(out); i++ {
		n, err := c.Read(out[got:min(got+64<<10, len(out))])
		if err != nil {
			t.Fatalf("after %d bytes: %v", got, err)
		}
		got += n
		if i%64 == 0 {
			time.Sleep(time.Millisecond)
		}
	}
	return out
}

func checkRange(t *testing.T, got, data []byte, off, n int64) {
	t.Helper()
	want := append(append([]byte("<<"), data[off:off+n]...), ">>"...)
	if !bytes.Equal(got, want) {
		i := 0
		for i < len(got) && i < len(want) && got[i] == want[i] {
			i++
		}
		t.Fatalf("response differs at byte %d (len got %d want %d)", i, len(got), len(want))
	}
}

// Tens of MB from a file to a slow reader arrive byte-exact, entirely via
// sendfile, resuming after EAGAIN.
func TestLargeFileRangeSlowReaderSendfile(t *testing.T) {
	f, data := tempFile(t, 40<<20)
	var dones atomic.Int64
	s := startServer(t, Config{}, fileHandler(f, &dones))
	c := dial(t, s)
	_ = c.SetReadBuffer(64 << 10)
	_ = c.SetDeadline(time.Now().Add(60 * time.Second))

	ranges := [][2]int64{{3, 40<<20 - 3}, {1 << 20, 7<<20 + 11}, {0, 1}}
	for _, r := range ranges {
		if err := writeFrame(c, rangeFrame(r[0], r[1])); err != nil {
			t.Fatal(err)
		}
	}
	var fileBytes int64
	for _, r := range ranges {
		checkRange(t, slowRead(t, c), data, r[0], r[1])
		fileBytes += r[1]
	}
	waitFor(t, 2*time.Second, "Done", func() bool { return dones.Load() == int64(len(ranges)) })
	st := s.Stats()
	if st.SendfileBytes != fileBytes || st.CopiedBytes != 0 {
		t.Fatalf("sendfile bytes %d (want %d), copied %d (want 0)", st.SendfileBytes, fileBytes, st.CopiedBytes)
	}
	if st.WriteStalls == 0 {
		t.Fatal("slow reader never filled the socket: EAGAIN path not exercised")
	}
	t.Logf("stats: %+v", st)
}

// The copying fallback delivers the same bytes, for a file without a
// usable fd and for one on which sendfile fails.
func TestCopyFallback(t *testing.T) {
	f, data := tempFile(t, 9<<20+5)
	pfd, err := unix.Open(f.Name(), unix.O_PATH|unix.O_CLOEXEC, 0)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { unix.Close(pfd) })
	for name, file := range map[string]FileLike{"nofd": noFd{f}, "sendfile-refused": pathFd{f, pfd}} {
		t.Run(name, func(t *testing.T) {
			var dones atomic.Int64
			s := startServer(t, Config{}, fileHandler(file, &dones))
			c := dial(t, s)
			_ = c.SetReadBuffer(64 << 10)
			_ = c.SetDeadline(time.Now().Add(30 * time.Second))
			off, n := int64(5), int64(9<<20)
			if err := writeFrame(c, rangeFrame(off, n)); err != nil {
				t.Fatal(err)
			}
			checkRange(t, slowRead(t, c), data, off, n)
			waitFor(t, 2*time.Second, "Done", func() bool { return dones.Load() == 1 })
			if st := s.Stats(); st.CopiedBytes != n || st.SendfileBytes != 0 {
				t.Fatalf("copied %d (want %d), sendfile %d (want 0)", st.CopiedBytes, n, st.SendfileBytes)
			}
		})
	}
}

// A range past the end of the file closes the connection (the response size
// was promised) and still calls Done once.
func TestFileRangeBeyondEOF(t *testing.T) {
	f, _ := tempFile(t, 1000)
	var dones atomic.Int64
	s := startServer(t, Config{}, fileHandler(f, &dones))
	c := dial(t, s)
	if err := writeFrame(c, rangeFrame(500, 1000)); err != nil {
		t.Fatal(err)
	}
	expectClosed(t, c, 5*time.Second)
	waitFor(t, 2*time.Second, "Done", func() bool { return dones.Load() == 1 })
	healthy := dial(t, s)
	if err := writeFrame(healthy, rangeFrame(0, 10)); err != nil {
		t.Fatal(err)
	}
	_ = healthy.SetReadDeadline(time.Now().Add(5 * time.Second))
	if _, err := readFrame(healthy); err != nil {
		t.Fatal(err)
	}
}

// A client that disconnects in the middle of a large send: every Done runs
// exactly once, including for responses answered after the close.
func TestDoneOnceOnDisconnectMidSend(t *testing.T) {
	f, _ := tempFile(t, 32<<20)
	var calls [3]atomic.Int64
	release := make(chan struct{})
	h := &toyHandler{}
	h.serve = func(c *Conn, frame []byte, req *Request) {
		i := frame[0]
		resp := Response{
			Chunks: framed(Chunk{File: f, Off: 0, Len: 32 << 20}),
			Done:   func() { calls[i].Add(1) },
		}
		switch i {
		case 0, 1: // answered at once: 0 is being sent, 1 queued behind it
			req.Respond(resp)
		case 2: // answered after the client is gone
			h.goRespond(func() {
				<-release
				req.Respond(resp)
			})
		}
	}
	s := startServer(t, Config{}, h)
	c := dial(t, s)
	_ = c.SetReadBuffer(32 << 10)
	for i := range 3 {
		if err := writeFrame(c, []byte{byte(i)}); err != nil {
			t.Fatal(err)
		}
	}
	buf := make([]byte, 1<<20)
	if _, err := io.ReadFull(c, buf); err != nil {
		t.Fatal(err)
	}
	_ = c.SetLinger(0)
	c.Close()
	waitFor(t, 5*time.Second, "OnClose", func() bool { return h.closes.Load() == 1 })
	close(release)
	waitFor(t, 2*time.Second, "Done of the late response", func() bool { return calls[2].Load() == 1 })
	time.Sleep(20 * time.Millisecond)
	for i := range calls {
		if n := calls[i].Load(); n != 1 {
			t.Fatalf("Done of response %d called %d times", i, n)
		}
	}
	if st := s.Stats(); st.ActiveConns != 0 {
		t.Fatalf("ActiveConns = %d", st.ActiveConns)
	}
}

// Prefetch loads an evicted range into the page cache.
func TestPrefetchWarmsPageCache(t *testing.T) {
	f, _ := tempFile(t, 4<<20)
	if err := f.Sync(); err != nil {
		t.Fatal(err)
	}
	fd := int(f.Fd())
	if err := unix.Fadvise(fd, 0, 0, unix.FADV_DONTNEED); err != nil {
		t.Skip("fadvise:", err)
	}
	probe := func(off int64) bool {
		_, err := unix.Preadv2(fd, [][]byte{make([]byte, 1)}, off, unix.RWF_NOWAIT)
		return err == nil
	}
	if probe(3 << 20) {
		t.Skip("pages not evicted (tmpfs or similar): cannot observe a miss here")
	}
	Prefetch([]Chunk{{Mem: []byte("x")}, {File: f, Off: 1 << 20, Len: 3 << 20}})
	for off := int64(1 << 20); off < 4<<20; off += 4096 {
		if !probe(off) {
			t.Fatalf("page at %d not resident after Prefetch", off)
		}
	}
}

// Several slow readers stalled at once on the same loops: each connection's
// side-poller arm resumes only its own sends.
func TestManySlowReaders(t *testing.T) {
	f, data := tempFile(t, 8<<20)
	var dones atomic.Int64
	s := startServer(t, Config{}, fileHandler(f, &dones))
	const clients = 8
	errs := make(chan string, clients)
	for i := range clients {
		c := dial(t, s)
		_ = c.SetReadBuffer(32 << 10)
		_ = c.SetDeadline(time.Now().Add(60 * time.Second))
		off, n := int64(i*1000), int64(8<<20-i*1000)
		go func() {
			if err := writeFrame(c, rangeFrame(off, n)); err != nil {
				errs <- err.Error()
				return
			}
			got := make([]byte, 4+2+n+2)
			for read := 0; read < len(got); {
				m, err := c.Read(got[read:min(read+16<<10, len(got))])
				if err != nil {
					errs <- err.Error()
					return
				}
				read += m
				time.Sleep(100 * time.Microsecond)
			}
			want := append(append([]byte("<<"), data[off:off+n]...), ">>"...)
			if !bytes.Equal(got[4:], want) {
				errs <- "bytes differ"
				return
			}
			errs <- ""
		}()
	}
	for range clients {
		if e := <-errs; e != "" {
			t.Fatalf("%s\n%s", e, dumpConns(s))
		}
	}
	waitFor(t, 2*time.Second, "Done", func() bool { return dones.Load() == clients })
	if st := s.Stats(); st.WriteStalls < clients {
		t.Fatalf("only %d write stalls for %d slow readers", st.WriteStalls, clients)
	}
}

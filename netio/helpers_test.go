package netio

import (
	"context"
	"encoding/binary"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/panjf2000/gnet/v2"
)

// toyHandler routes frames to serve and counts opens and closes.
type toyHandler struct {
	serve  func(c *Conn, frame []byte, req *Request)
	onOpen func(c *Conn) // optional
	opens  atomic.Int64
	closes atomic.Int64
	wg     sync.WaitGroup // goroutines started by serve functions
}

func (h *toyHandler) OnOpen(c *Conn) {
	h.opens.Add(1)
	if h.onOpen != nil {
		h.onOpen(c)
	}
}
func (h *toyHandler) OnClose(*Conn) { h.closes.Add(1) }
func (h *toyHandler) Serve(c *Conn, frame []byte, req *Request) {
	h.serve(c, frame, req)
}

// goRespond runs fn on a tracked goroutine.
func (h *toyHandler) goRespond(fn func()) {
	h.wg.Add(1)
	go func() {
		defer h.wg.Done()
		fn()
	}()
}

// framed returns a response whose first chunk is the 4-byte size of the rest.
func framed(chunks ...Chunk) []Chunk {
	var n int64
	for i := range chunks {
		n += chunks[i].size()
	}
	hdr := binary.BigEndian.AppendUint32(nil, uint32(n))
	return append([]Chunk{{Mem: hdr}}, chunks...)
}

// echoResponse echoes a copy of frame as a framed response.
func echoResponse(frame []byte) Response {
	return Response{Chunks: framed(Chunk{Mem: append([]byte(nil), frame...)})}
}

func testLogger(t testing.TB) *slog.Logger {
	if testing.Verbose() {
		return slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelDebug}))
	}
	return slog.New(slog.NewTextHandler(io.Discard, nil))
}

func startServer(t testing.TB, cfg Config, h Handler) *Server {
	t.Helper()
	return startServerPinned(t, cfg, h, false)
}

// startServerPinned is startServer with the loops locked to OS threads.
func startServerPinned(t testing.TB, cfg Config, h Handler, lockOSThread bool) *Server {
	t.Helper()
	if cfg.Addr == "" {
		cfg.Addr = "127.0.0.1:0"
	}
	if cfg.Loops == 0 {
		cfg.Loops = 2
	}
	if cfg.Logger == nil {
		cfg.Logger = testLogger(t)
	}
	s, err := NewServer(cfg, h)
	if err != nil {
		t.Fatal(err)
	}
	s.lockOSThread = lockOSThread
	if err := s.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = s.Shutdown(ctx)
		if th, ok := h.(*toyHandler); ok {
			th.wg.Wait()
		}
	})
	return s
}

func dial(t testing.TB, s *Server) *net.TCPConn {
	t.Helper()
	c, err := net.DialTimeout("tcp", s.Addr().String(), 5*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return c.(*net.TCPConn)
}

func writeFrame(w io.Writer, body []byte) error {
	b := binary.BigEndian.AppendUint32(make([]byte, 0, 4+len(body)), uint32(len(body)))
	_, err := w.Write(append(b, body...))
	return err
}

func readFrame(r io.Reader) ([]byte, error) {
	var hdr [4]byte
	if _, err := io.ReadFull(r, hdr[:]); err != nil {
		return nil, err
	}
	body := make([]byte, binary.BigEndian.Uint32(hdr[:]))
	_, err := io.ReadFull(r, body)
	return body, err
}

// expectClosed asserts the server closes c within d (EOF or reset).
func expectClosed(t *testing.T, c net.Conn, d time.Duration) {
	t.Helper()
	_ = c.SetReadDeadline(time.Now().Add(d))
	buf := make([]byte, 4096)
	for {
		_, err := c.Read(buf)
		if err == nil {
			continue
		}
		if ne, ok := err.(net.Error); ok && ne.Timeout() {
			t.Fatalf("connection still open after %v", d)
		}
		return
	}
}

// roundTrip sends one frame and expects its echo.
func roundTrip(t *testing.T, c net.Conn, body []byte) {
	t.Helper()
	_ = c.SetDeadline(time.Now().Add(5 * time.Second))
	if err := writeFrame(c, body); err != nil {
		t.Fatal(err)
	}
	got, err := readFrame(c)
	if err != nil {
		t.Fatal(err)
	}
	if string(got) != string(body) {
		t.Fatalf("echo: got %q want %q", got, body)
	}
}

// waitFor polls cond until it holds or d passes.
func waitFor(t *testing.T, d time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(d)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(2 * time.Millisecond)
	}
}

// tempFile writes n pseudo-random bytes to a file in t's temp dir.
func tempFile(t testing.TB, n int) (*os.File, []byte) {
	t.Helper()
	data := make([]byte, n)
	var x uint64 = 0x9e3779b97f4a7c15
	for i := range data {
		x ^= x << 13
		x ^= x >> 7
		x ^= x << 17
		data[i] = byte(x)
	}
	f, err := os.CreateTemp(t.TempDir(), "chunk")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.Write(data); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { f.Close() })
	return f, data
}

// dumpConns describes each connection's write state, read on its loop; for
// failure messages.
func dumpConns(s *Server) string {
	s.mu.Lock()
	conns := make([]*Conn, 0, len(s.mu.conns))
	for _, c := range s.mu.conns {
		conns = append(conns, c)
	}
	s.mu.Unlock()
	var out string
	for _, c := range conns {
		ch := make(chan string, 1)
		err := c.gc.EventLoop().Execute(context.Background(), gnet.RunnableFunc(func(context.Context) error {
			c.mu.Lock()
			q, queued := len(c.mu.queue), c.mu.pumpQueued
			ready := 0
			for _, r := range c.mu.queue {
				if r.state == slotReady {
					ready++
				}
			}
			c.mu.Unlock()
			ch <- fmt.Sprintf("conn %d: out=%d ci=%d coff=%d queue=%d (ready %d) pumpQueued=%v armed=%v paused=%v closing=%v inflight=%d inbound=%d\n",
				c.id, len(c.out), c.ci, c.coff, q, ready, queued, c.armed, c.paused.Load(), c.closing, c.inflight.Load(), c.gc.InboundBuffered())
			return nil
		}))
		if err != nil {
			out += fmt.Sprintf("conn %d: %v\n", c.id, err)
			continue
		}
		select {
		case s := <-ch:
			out += s
		case <-time.After(time.Second):
			out += fmt.Sprintf("conn %d: loop did not answer\n", c.id)
		}
	}
	return out
}

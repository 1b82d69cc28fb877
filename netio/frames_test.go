package netio

import (
	"context"
	"encoding/binary"
	"math/rand/v2"
	"net"
	"sync"
	"testing"
	"time"
)

func echoHandler() *toyHandler {
	h := &toyHandler{}
	h.serve = func(c *Conn, frame []byte, req *Request) { req.Respond(echoResponse(frame)) }
	return h
}

// Frame lengths <= 0 or above MaxFrameBytes close that connection at once;
// a healthy client on the same server carries on.
func TestBadFrameLengthClosesOnlyThatConn(t *testing.T) {
	const max = 1 << 20
	s := startServer(t, Config{MaxFrameBytes: max}, echoHandler())
	healthy := dial(t, s)
	roundTrip(t, healthy, []byte("before"))
	cases := map[string]int32{"zero": 0, "minus-one": -1, "min-int32": -1 << 31, "max+1": max + 1, "max-int32": 1<<31 - 1}
	for name, size := range cases {
		t.Run(name, func(t *testing.T) {
			c := dial(t, s)
			// Only the prefix: the server must not wait for a body.
			if _, err := c.Write(binary.BigEndian.AppendUint32(nil, uint32(size))); err != nil {
				t.Fatal(err)
			}
			expectClosed(t, c, 2*time.Second)
			roundTrip(t, healthy, []byte(name))
		})
	}
	if st := s.Stats(); st.BadFrames != int64(len(cases)) {
		t.Fatalf("BadFrames = %d, want %d", st.BadFrames, len(cases))
	}
	// The largest allowed frame is served.
	roundTrip(t, healthy, make([]byte, max))
}

// Random bytes either close the connection or leave it waiting for a frame
// body; the server keeps serving others.
func TestRandomBytes(t *testing.T) {
	s := startServer(t, Config{MaxFrameBytes: 1 << 16}, echoHandler())
	healthy := dial(t, s)
	rng := rand.New(rand.NewPCG(1, 2))
	for i := range 50 {
		c := dial(t, s)
		junk := make([]byte, 1+rng.IntN(4096))
		for j := range junk {
			junk[j] = byte(rng.Uint32())
		}
		_, _ = c.Write(junk)
		if i%10 == 0 {
			roundTrip(t, healthy, []byte{byte(i)})
		}
		c.Close()
	}
	roundTrip(t, healthy, []byte("still here"))
	waitFor(t, 5*time.Second, "junk connections closed", func() bool { return s.Stats().ActiveConns == 1 })
}

// Hundreds of connections stalled in the middle of a frame do not hold up a
// healthy client.
func TestStalledHalfFrames(t *testing.T) {
	s := startServer(t, Config{}, echoHandler())
	var stalled []net.Conn
	for i := range 300 {
		c := dial(t, s)
		half := binary.BigEndian.AppendUint32(nil, 1000)
		if i%2 == 0 {
			half = append(half, make([]byte, 500)...) // half a body
		} else {
			half = half[:2] // half a length
		}
		if _, err := c.Write(half); err != nil {
			t.Fatal(err)
		}
		stalled = append(stalled, c)
	}
	healthy := dial(t, s)
	start := time.Now()
	for i := range 200 {
		roundTrip(t, healthy, []byte{byte(i)})
	}
	t.Logf("200 round trips beside 300 stalled connections: %v", time.Since(start))
	waitFor(t, 2*time.Second, "all accepted", func() bool { return s.Stats().ActiveConns == 301 })
	// A stalled frame completed later is served normally.
	if _, err := stalled[0].Write(make([]byte, 500)); err != nil {
		t.Fatal(err)
	}
	_ = stalled[0].SetReadDeadline(time.Now().Add(5 * time.Second))
	if got, err := readFrame(stalled[0]); err != nil || len(got) != 1000 {
		t.Fatalf("completed frame: %d bytes, %v", len(got), err)
	}
}

// Idle connections close after IdleTimeout; busy ones and ones with a
// request in flight stay open.
func TestIdleTimeout(t *testing.T) {
	// Generous against a loaded machine: the busy connection pings eight
	// times per idle period.
	const idle = 400 * time.Millisecond
	release := make(chan struct{})
	var once sync.Once
	unblock := func() { once.Do(func() { close(release) }) }
	t.Cleanup(unblock) // a failing test must not leave the responder hanging
	h := &toyHandler{}
	h.serve = func(c *Conn, frame []byte, req *Request) {
		if frame[0] == 'w' {
			resp := echoResponse(frame) // frame is only valid during Serve
			h.goRespond(func() {
				<-release
				req.Respond(resp)
			})
			return
		}
		req.Respond(echoResponse(frame))
	}
	s := startServer(t, Config{IdleTimeout: idle}, h)
	idleConn := dial(t, s)
	busy := dial(t, s)
	waiting := dial(t, s)
	if err := writeFrame(waiting, []byte("w")); err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	for time.Since(start) < 3*idle {
		roundTrip(t, busy, []byte("ping"))
		time.Sleep(idle / 8)
	}
	expectClosed(t, idleConn, time.Second)
	// Counted now, while the busy connection is busy and the waiting one
	// still waits (once answered, it goes idle too).
	if st := s.Stats(); st.IdleClosed != 1 {
		t.Fatalf("IdleClosed = %d, want 1 (only the idle connection)", st.IdleClosed)
	}
	unblock()
	_ = waiting.SetReadDeadline(time.Now().Add(2 * time.Second))
	if got, err := readFrame(waiting); err != nil || string(got) != "w" {
		t.Fatalf("in-flight response on an otherwise idle conn: %q, %v", got, err)
	}
	roundTrip(t, busy, []byte("pong"))
}

// Shutdown lets an in-flight response finish, refuses new connections and
// stops the engine; OnClose runs for every connection.
func TestShutdownDrains(t *testing.T) {
	h := &toyHandler{}
	h.serve = func(c *Conn, frame []byte, req *Request) {
		resp := echoResponse(frame) // frame is only valid during Serve
		h.goRespond(func() {
			time.Sleep(200 * time.Millisecond)
			req.Respond(resp)
		})
	}
	s := startServer(t, Config{}, h)
	c := dial(t, s)
	other := dial(t, s)
	waitFor(t, 2*time.Second, "opens", func() bool { return h.opens.Load() == 2 })
	if err := writeFrame(c, []byte("slow")); err != nil {
		t.Fatal(err)
	}
	waitFor(t, 2*time.Second, "served", func() bool { return s.Stats().Frames == 1 })
	done := make(chan error, 1)
	go func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		done <- s.Shutdown(ctx)
	}()
	_ = c.SetReadDeadline(time.Now().Add(5 * time.Second))
	if got, err := readFrame(c); err != nil || string(got) != "slow" {
		t.Fatalf("in-flight response: %q, %v", got, err)
	}
	if err := <-done; err != nil {
		t.Fatalf("Shutdown: %v", err)
	}
	expectClosed(t, other, 2*time.Second)
	if n := h.closes.Load(); n != 2 {
		t.Fatalf("OnClose ran %d times, want 2", n)
	}
	if _, err := net.DialTimeout("tcp", s.Addr().String(), time.Second); err == nil {
		t.Fatal("dial after Shutdown succeeded")
	}
}

// Shutdown gives up waiting when ctx ends and still closes everything.
func TestShutdownBoundedByContext(t *testing.T) {
	h := &toyHandler{}
	never := make(chan struct{})
	h.serve = func(c *Conn, frame []byte, req *Request) {
		h.goRespond(func() {
			<-never
			req.Respond(Response{})
		})
	}
	s := startServer(t, Config{}, h)
	t.Cleanup(func() { close(never) }) // runs before startServer's cleanup
	c := dial(t, s)
	if err := writeFrame(c, []byte("x")); err != nil {
		t.Fatal(err)
	}
	waitFor(t, 2*time.Second, "served", func() bool { return s.Stats().Frames == 1 })
	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	if err := s.Shutdown(ctx); err != context.DeadlineExceeded {
		t.Fatalf("Shutdown = %v, want DeadlineExceeded", err)
	}
	expectClosed(t, c, 2*time.Second)
}

func TestConfigValidate(t *testing.T) {
	if _, err := NewServer(Config{Loops: -1, MaxFrameBytes: -5}, echoHandler()); err == nil {
		t.Fatal("bad config accepted")
	}
	cfg := Config{}.EnsureDefaults()
	if cfg.Loops != 3 || cfg.MaxFrameBytes != 100<<20 || cfg.IdleTimeout != 10*time.Minute {
		t.Fatalf("defaults: %+v", cfg)
	}
}

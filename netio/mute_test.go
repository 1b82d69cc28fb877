package netio

import (
	"encoding/binary"
	"net"
	"os"
	"strconv"
	"sync/atomic"
	"testing"
	"time"
)

// pipelineUnread writes frames of size body bytes to c from a goroutine
// until the deadline or a write error, without reading; it returns the
// count of bytes written so far, updated as it goes.
func pipelineUnread(t *testing.T, c net.Conn, body int, until time.Time) *atomic.Int64 {
	t.Helper()
	var sent atomic.Int64
	frame := binary.BigEndian.AppendUint32(nil, uint32(body))
	frame = append(frame, make([]byte, body)...)
	batch := make([]byte, 0, 64*len(frame))
	for range 64 {
		batch = append(batch, frame...)
	}
	_ = c.SetWriteDeadline(until)
	go func() {
		for {
			n, err := c.Write(batch)
			sent.Add(int64(n))
			if err != nil {
				return
			}
		}
	}()
	return &sent
}

// A client that pipelines requests and never reads the answers is muted
// once MaxInflight responses wait unwritten: the server stops reading it,
// so what it can send is bounded by the sockets' buffers, not by broker
// memory. Reading the answers unmutes it and every request is answered in
// order.
func TestMuteClientThatDoesNotRead(t *testing.T) {
	for name, tc := range map[string]struct {
		cfg       Config
		body      int // request size
		respBytes int // response size
	}{
		"inflight": {cfg: Config{MaxInflight: 50}, body: 18, respBytes: 64},
		"unsent":   {cfg: Config{MaxUnsentBytes: 512 << 10}, body: 2048, respBytes: 32 << 10},
	} {
		t.Run(name, func(t *testing.T) {
			h := &toyHandler{}
			var served atomic.Int64
			h.serve = func(c *Conn, frame []byte, req *Request) {
				seq := served.Add(1) - 1
				body := binary.BigEndian.AppendUint64(make([]byte, 0, tc.respBytes), uint64(seq))
				body = body[:tc.respBytes]
				req.Respond(Response{Chunks: framed(Chunk{Mem: body})})
			}
			s := startServer(t, tc.cfg, h)
			c := dial(t, s)
			sent := pipelineUnread(t, c, tc.body, time.Now().Add(20*time.Second))
			waitFor(t, 20*time.Second, "muted", func() bool { return s.Stats().MutedConns == 1 })
			// Muted means nothing more is read: the server's byte count
			// stays (the client may still fill growing kernel buffers).
			time.Sleep(300 * time.Millisecond)
			in := s.Stats().BytesIn
			time.Sleep(300 * time.Millisecond)
			if st := s.Stats(); st.BytesIn != in {
				t.Fatalf("muted connection still read: BytesIn %d -> %d", in, st.BytesIn)
			}
			if n := sent.Load(); n > 32<<20 {
				t.Fatalf("client wrote %d bytes without its answers being read", n)
			}
			t.Logf("client stopped after %d bytes (%d frames served, %d mutes)", sent.Load(), served.Load(), s.Stats().Mutes)

			// Read everything the client sent so far; answers come in order.
			_ = c.SetWriteDeadline(time.Now()) // stop the writer
			frames := sent.Load() / int64(4+tc.body)
			for i := range frames {
				_ = c.SetReadDeadline(time.Now().Add(5 * time.Second))
				got, err := readFrame(c)
				if err != nil {
					t.Fatalf("response %d of %d: %v\n%s", i, frames, err, dumpConns(s))
				}
				if seq := binary.BigEndian.Uint64(got); seq != uint64(i) {
					t.Fatalf("response %d carries %d", i, seq)
				}
			}
			waitFor(t, 5*time.Second, "unmuted", func() bool { return s.Stats().MutedConns == 0 })
		})
	}
}

// A connection that stopped reading is still closed at once when its peer
// goes away (a reset, or a FIN seen as EPOLLRDHUP while muted).
func TestMutedConnectionNoticesClose(t *testing.T) {
	for _, reset := range []bool{false, true} {
		h := echoHandler()
		s := startServer(t, Config{MaxInflight: 4}, h)
		c := dial(t, s)
		pipelineUnread(t, c, 100, time.Now().Add(20*time.Second))
		waitFor(t, 5*time.Second, "muted", func() bool { return s.Stats().MutedConns == 1 })
		if reset {
			_ = c.SetLinger(0)
		} else {
			_ = c.CloseWrite()
		}
		_ = c.Close()
		waitFor(t, 5*time.Second, "close noticed", func() bool { return h.closes.Load() == 1 })
		if st := s.Stats(); st.MutedConns != 0 || st.ActiveConns != 0 {
			t.Fatalf("after close: %+v", st)
		}
	}
}

// A client that stops reading is closed by the idle timeout even though its
// answered responses wait unwritten (Kafka closes connections without
// progress the same way).
func TestIdleCloseOfClientThatDoesNotRead(t *testing.T) {
	h := echoHandler()
	s := startServer(t, Config{MaxInflight: 4, IdleTimeout: 300 * time.Millisecond}, h)
	c := dial(t, s)
	pipelineUnread(t, c, 100<<10, time.Now().Add(20*time.Second))
	waitFor(t, 10*time.Second, "idle close", func() bool { return s.Stats().IdleClosed == 1 && h.closes.Load() == 1 })
}

// gnetPollFD finds an epoll descriptor for every connection (initMute
// checks it holds the connection); here: it is an epoll instance.
func TestGnetPollFDIsEpoll(t *testing.T) {
	fds := make(chan int, 1)
	h := echoHandler()
	h.onOpen = func(c *Conn) { fds <- c.epfd }
	s := startServer(t, Config{}, h)
	c := dial(t, s)
	roundTrip(t, c, []byte("x"))
	link, err := os.Readlink("/proc/self/fd/" + strconv.Itoa(<-fds))
	if err != nil {
		t.Fatal(err)
	}
	if link != "anon_inode:[eventpoll]" {
		t.Fatalf("gnet poller fd is %q", link)
	}
	if _, err := gnetPollFD(nil); err == nil {
		t.Fatal("gnetPollFD(nil) succeeded")
	}
}

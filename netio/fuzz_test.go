package netio

import (
	"bytes"
	"encoding/binary"
	"net"
	"sync"
	"testing"
	"time"
)

// refFrames is the naive reference framer: the complete frames of stream,
// and whether a length prefix out of [1, max] appears before the stream ends.
func refFrames(stream []byte, max int32) (frames [][]byte, bad bool) {
	for len(stream) >= 4 {
		n := int32(binary.BigEndian.Uint32(stream))
		if n <= 0 || n > max {
			return frames, true
		}
		if len(stream) < 4+int(n) {
			return frames, false
		}
		frames = append(frames, stream[4:4+n])
		stream = stream[4+n:]
	}
	return frames, false
}

var (
	fuzzOnce   sync.Once
	fuzzServer *Server
)

// FuzzStream writes arbitrary byte streams to an echo server and checks the
// result against the reference framer: every complete frame is echoed in
// order, a bad length closes the connection after the frames before it,
// and a healthy connection keeps working.
func FuzzStream(f *testing.F) {
	const max = 1 << 12
	f.Add([]byte{0, 0, 0, 1, 'a', 0, 0, 0, 2, 'b', 'c'})
	f.Add([]byte{0, 0, 0, 0})
	f.Add([]byte{0xff, 0xff, 0xff, 0xff, 1, 2, 3})
	f.Add([]byte{0, 0, 0x10, 0x01})
	f.Add([]byte{0, 0, 0, 3, 'x'})
	f.Add([]byte{0, 0, 0, 1, 'a', 0x80, 0, 0, 0})
	f.Fuzz(func(t *testing.T, stream []byte) {
		fuzzOnce.Do(func() {
			// Shared by all inputs; it lives until the test binary exits.
			s, err := NewServer(Config{Addr: "127.0.0.1:0", Loops: 2, MaxFrameBytes: max, Logger: testLogger(t)}, echoHandler())
			if err == nil {
				err = s.Start()
			}
			if err != nil {
				t.Fatal(err)
			}
			fuzzServer = s
		})
		s := fuzzServer
		frames, bad := refFrames(stream, max)
		c, err := net.DialTimeout("tcp", s.Addr().String(), 5*time.Second)
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		_ = c.SetDeadline(time.Now().Add(10 * time.Second))
		if _, err := c.Write(stream); err != nil && !bad {
			t.Fatalf("write: %v", err)
		}
		// A bad length closes at once: responses to the frames before it may
		// be lost, but what arrives is a prefix of the echoes, then EOF.
		for i, want := range frames {
			got, err := readFrame(c)
			if err != nil {
				if bad && !isTimeout(err) {
					break
				}
				t.Fatalf("frame %d of %d: %v", i, len(frames), err)
			}
			if !bytes.Equal(got, want) {
				t.Fatalf("frame %d: echo differs", i)
			}
		}
		if bad {
			if n, err := c.Read(make([]byte, 1)); err == nil {
				t.Fatalf("bad length: read %d more bytes, connection still open", n)
			} else if isTimeout(err) {
				t.Fatal("bad length: connection not closed")
			}
		}
		healthy, err := net.DialTimeout("tcp", s.Addr().String(), 5*time.Second)
		if err != nil {
			t.Fatal(err)
		}
		defer healthy.Close()
		roundTrip(t, healthy, []byte("ok"))
	})
}

func isTimeout(err error) bool {
	ne, ok := err.(net.Error)
	return ok && ne.Timeout()
}

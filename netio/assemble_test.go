package netio

import (
	"bytes"
	"encoding/binary"
	"math/rand/v2"
	"sync/atomic"
	"testing"
	"time"
)

// Frames of every size, written in random pieces with pauses so they span
// many reads, are echoed intact and in order (large ones go through the
// assembly buffer, small ones through gnet's ring).
func TestFramesSplitAcrossReads(t *testing.T) {
	s := startServer(t, Config{MaxFrameBytes: 4 << 20}, echoHandler())
	c := dial(t, s)
	_ = c.SetDeadline(time.Now().Add(60 * time.Second))
	rng := rand.New(rand.NewPCG(7, 8))
	sizes := []int{1, 100, assembleMin - 1, assembleMin, assembleMin + 1, 64 << 10, 1 << 20, 3<<20 + 17, 5, 200 << 10}
	var stream []byte
	var bodies [][]byte
	for _, n := range sizes {
		body := make([]byte, n)
		for i := range body {
			body[i] = byte(rng.Uint32())
		}
		bodies = append(bodies, body)
		stream = binary.BigEndian.AppendUint32(stream, uint32(n))
		stream = append(stream, body...)
	}
	go func() {
		for rest := stream; len(rest) > 0; {
			n := min(len(rest), 1+rng.IntN(300<<10))
			if _, err := c.Write(rest[:n]); err != nil {
				return
			}
			rest = rest[n:]
			time.Sleep(time.Duration(rng.IntN(2000)) * time.Microsecond)
		}
	}()
	for i, want := range bodies {
		got, err := readFrame(c)
		if err != nil {
			t.Fatalf("frame %d (%d bytes): %v", i, len(want), err)
		}
		if !bytes.Equal(got, want) {
			t.Fatalf("frame %d (%d bytes) differs", i, len(want))
		}
	}
}

// Connections stalled inside large frames hold only what they sent; they
// close cleanly and a healthy client is unaffected.
func TestStalledLargeFrames(t *testing.T) {
	s := startServer(t, Config{}, echoHandler())
	for range 50 {
		c := dial(t, s)
		half := binary.BigEndian.AppendUint32(nil, 50<<20) // announces 50 MiB
		half = append(half, make([]byte, 40<<10)...)       // sends 40 KiB
		if _, err := c.Write(half); err != nil {
			t.Fatal(err)
		}
	}
	healthy := dial(t, s)
	for i := range 20 {
		roundTrip(t, healthy, bytes.Repeat([]byte{byte(i)}, 100<<10))
	}
	waitFor(t, 2*time.Second, "all accepted", func() bool { return s.Stats().ActiveConns == 51 })
	if st := s.Stats(); st.Frames != 20 {
		t.Fatalf("Frames = %d, want 20", st.Frames)
	}
}

func TestAssemblyPoolClasses(t *testing.T) {
	for _, n := range []int{1, 1000, 1 << 16, 1<<16 + 1, 3 << 20, 1 << 26, 1<<26 + 5, 100 << 20} {
		b := getAssembly(n)
		if cap(b) < n || len(b) != 0 {
			t.Fatalf("getAssembly(%d): len %d cap %d", n, len(b), cap(b))
		}
		putAssembly(append(b, 1))
		if b2 := getAssembly(n); cap(b2) < n || len(b2) != 0 {
			t.Fatalf("getAssembly(%d) after put: len %d cap %d", n, len(b2), cap(b2))
		}
	}
}

// A handler that takes assembled frames keeps them intact past Serve while
// later frames are assembled, and gives them back with ReleaseFrame; frames
// served from gnet's buffer cannot be taken.
func TestTakeFrame(t *testing.T) {
	var taken, refused atomic.Int64
	h := &toyHandler{}
	h.serve = func(_ *Conn, frame []byte, req *Request) {
		f, ok := req.TakeFrame()
		if !ok {
			refused.Add(1)
			req.Respond(echoResponse(frame))
			return
		}
		if &f[0] != &frame[0] || len(f) != len(frame) {
			t.Errorf("TakeFrame returned other bytes than the frame")
		}
		if _, again := req.TakeFrame(); again {
			t.Errorf("frame taken twice")
		}
		taken.Add(1)
		h.goRespond(func() {
			time.Sleep(30 * time.Millisecond) // later frames are assembled meanwhile
			req.Respond(Response{Chunks: framed(Chunk{Mem: f}), Done: func() { ReleaseFrame(f) }})
		})
	}
	s := startServer(t, Config{MaxFrameBytes: 4 << 20}, h)
	c := dial(t, s)
	_ = c.SetDeadline(time.Now().Add(30 * time.Second))
	rng := rand.New(rand.NewPCG(3, 4))
	sizes := []int{100, 200 << 10, 10, 150 << 10, 250 << 10, 64 << 10, 1 << 20, 50}
	var bodies [][]byte
	for _, n := range sizes {
		body := make([]byte, n)
		for i := range body {
			body[i] = byte(rng.Uint32())
		}
		bodies = append(bodies, body)
	}
	go func() {
		for _, body := range bodies {
			msg := binary.BigEndian.AppendUint32(nil, uint32(len(body)))
			msg = append(msg, body...)
			cut := min(len(msg), 1<<10) // large frames arrive in two reads: assembled
			if _, err := c.Write(msg[:cut]); err != nil {
				return
			}
			time.Sleep(5 * time.Millisecond)
			if _, err := c.Write(msg[cut:]); err != nil {
				return
			}
		}
	}()
	for i := range sizes {
		got, err := readFrame(c)
		if err != nil {
			t.Fatalf("frame %d: %v", i, err)
		}
		if !bytes.Equal(got, bodies[i]) {
			t.Fatalf("frame %d (%d bytes) differs", i, sizes[i])
		}
	}
	if taken.Load() != 5 || refused.Load() != 3 {
		t.Fatalf("taken %d, refused %d; want 5 large frames taken, 3 small refused", taken.Load(), refused.Load())
	}
}

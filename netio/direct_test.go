package netio

import (
	"bytes"
	"encoding/binary"
	"math/rand/v2"
	"testing"
	"time"
)

// oneChunk is a response of a single memory chunk (size prefix included):
// the kind Respond may write itself.
func oneChunk(body []byte) Response {
	b := binary.BigEndian.AppendUint32(make([]byte, 0, 4+len(body)), uint32(len(body)))
	return Response{Chunks: []Chunk{{Mem: append(b, body...)}}}
}

// Pipelined requests answered from goroutines in random order and after
// random delays come back in request order, most of them written directly
// by Respond.
func TestDirectWritesKeepOrder(t *testing.T) {
	h := &toyHandler{}
	h.serve = func(_ *Conn, frame []byte, req *Request) {
		body := append([]byte(nil), frame...)
		delay := time.Duration(rand.IntN(300)) * time.Microsecond
		h.goRespond(func() {
			time.Sleep(delay)
			req.Respond(oneChunk(body))
		})
	}
	s := startServer(t, Config{}, h)
	c := dial(t, s)
	_ = c.SetDeadline(time.Now().Add(30 * time.Second))
	const n = 300
	go func() {
		for i := range n {
			if err := writeFrame(c, binary.BigEndian.AppendUint32(nil, uint32(i))); err != nil {
				return
			}
			if i%10 == 0 {
				time.Sleep(time.Millisecond) // let some answers go out alone
			}
		}
	}()
	for i := range n {
		got, err := readFrame(c)
		if err != nil {
			t.Fatalf("response %d: %v", i, err)
		}
		if want := binary.BigEndian.AppendUint32(nil, uint32(i)); !bytes.Equal(got, want) {
			t.Fatalf("response %d is %x, want %x", i, got, want)
		}
	}
	if st := s.Stats(); st.DirectWrites == 0 {
		t.Fatalf("no response was written directly: %+v", st)
	}
}

// A direct write the socket cannot take whole hands the rest to the loop,
// which finishes it once the client reads; the connection goes on working.
func TestDirectWriteShortHandsOver(t *testing.T) {
	big := make([]byte, 32<<20)
	for i := range big {
		big[i] = byte(i * 31)
	}
	h := &toyHandler{}
	h.serve = func(_ *Conn, frame []byte, req *Request) {
		body := big
		if len(frame) == 1 {
			body = append([]byte(nil), frame...)
		}
		h.goRespond(func() { req.Respond(oneChunk(body)) })
	}
	s := startServer(t, Config{}, h)
	c := dial(t, s)
	_ = c.SetDeadline(time.Now().Add(30 * time.Second))
	if err := writeFrame(c, []byte("big please")); err != nil {
		t.Fatal(err)
	}
	waitFor(t, 5*time.Second, "a direct write", func() bool { return s.Stats().DirectWrites > 0 })
	time.Sleep(50 * time.Millisecond) // the client is not reading: the socket fills
	got, err := readFrame(c)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, big) {
		t.Fatal("large response differs")
	}
	if st := s.Stats(); st.WriteStalls == 0 {
		t.Fatalf("the loop never waited for writability: %+v", st)
	}
	roundTrip(t, c, []byte{7})
}

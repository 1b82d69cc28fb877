package netio

import (
	"encoding/binary"
	"fmt"
	"io"
	"math/rand/v2"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// Responses completed in random order on random goroutines must leave each
// connection in request order, with Done called once per response.
func TestInOrderUnderRandomCompletion(t *testing.T) {
	var dones atomic.Int64
	h := &toyHandler{}
	h.serve = func(c *Conn, frame []byte, req *Request) {
		resp := echoResponse(frame)
		resp.Done = func() { dones.Add(1) }
		seq := binary.BigEndian.Uint32(frame)
		if seq%7 == 0 { // some inline
			req.Respond(resp)
			return
		}
		delay := time.Duration(rand.IntN(2000)) * time.Microsecond
		h.goRespond(func() {
			time.Sleep(delay)
			req.Respond(resp)
		})
	}
	s := startServer(t, Config{}, h)

	const clients, perClient = 4, 300
	var wg sync.WaitGroup
	errs := make(chan error, clients)
	for range clients {
		c := dial(t, s)
		wg.Add(1)
		go func() {
			defer wg.Done()
			_ = c.SetDeadline(time.Now().Add(20 * time.Second))
			go func() { // pipeline all requests at once
				for i := range perClient {
					body := binary.BigEndian.AppendUint32(nil, uint32(i))
					body = append(body, make([]byte, rand.IntN(300))...)
					if err := writeFrame(c, body); err != nil {
						return
					}
				}
			}()
			for i := range perClient {
				got, err := readFrame(c)
				if err != nil {
					errs <- err
					return
				}
				if seq := binary.BigEndian.Uint32(got); seq != uint32(i) {
					errs <- fmt.Errorf("response %d carries seq %d", i, seq)
					return
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	waitFor(t, 2*time.Second, "all Done", func() bool { return dones.Load() == clients*perClient })
	if st := s.Stats(); st.Frames != clients*perClient {
		t.Fatalf("Frames = %d, want %d", st.Frames, clients*perClient)
	}
}

// NoResponse slots write nothing and do not block those after them.
func TestNoResponse(t *testing.T) {
	var dones atomic.Int64
	h := &toyHandler{}
	h.serve = func(c *Conn, frame []byte, req *Request) {
		resp := echoResponse(frame)
		resp.NoResponse = frame[0]%2 == 1
		resp.Done = func() { dones.Add(1) }
		h.goRespond(func() {
			time.Sleep(time.Duration(rand.IntN(500)) * time.Microsecond)
			req.Respond(resp)
		})
	}
	s := startServer(t, Config{}, h)
	c := dial(t, s)
	_ = c.SetDeadline(time.Now().Add(5 * time.Second))
	for i := range 100 {
		if err := writeFrame(c, []byte{byte(i)}); err != nil {
			t.Fatal(err)
		}
	}
	for i := 0; i < 100; i += 2 {
		got, err := readFrame(c)
		if err != nil {
			t.Fatal(err)
		}
		if got[0] != byte(i) {
			t.Fatalf("got response %d, want %d", got[0], i)
		}
	}
	waitFor(t, 2*time.Second, "all Done", func() bool { return dones.Load() == 100 })
	// Nothing more arrives.
	_ = c.SetReadDeadline(time.Now().Add(50 * time.Millisecond))
	if n, _ := c.Read(make([]byte, 1)); n != 0 {
		t.Fatal("unexpected bytes after the last response")
	}
}

// CloseAfter: the response and those before it arrive, then EOF; later
// requests get Done but no bytes.
func TestCloseAfter(t *testing.T) {
	var dones atomic.Int64
	h := &toyHandler{}
	h.serve = func(c *Conn, frame []byte, req *Request) {
		resp := echoResponse(frame)
		resp.CloseAfter = frame[0] == 2
		resp.Done = func() { dones.Add(1) }
		// Answer in reverse so the CloseAfter slot is ready before earlier ones.
		delay := time.Duration(5-int(frame[0])) * 5 * time.Millisecond
		h.goRespond(func() {
			time.Sleep(delay)
			req.Respond(resp)
		})
	}
	s := startServer(t, Config{}, h)
	c := dial(t, s)
	_ = c.SetDeadline(time.Now().Add(5 * time.Second))
	var out []byte
	for i := range 5 {
		out = binary.BigEndian.AppendUint32(out, 1)
		out = append(out, byte(i))
	}
	if _, err := c.Write(out); err != nil {
		t.Fatal(err)
	}
	for i := range 3 {
		got, err := readFrame(c)
		if err != nil {
			t.Fatalf("response %d: %v", i, err)
		}
		if got[0] != byte(i) {
			t.Fatalf("got %d want %d", got[0], i)
		}
	}
	if _, err := readFrame(c); err != io.EOF {
		t.Fatalf("after CloseAfter: err = %v, want EOF", err)
	}
	waitFor(t, 2*time.Second, "Done of every slot", func() bool { return dones.Load() == 5 })
	waitFor(t, 2*time.Second, "OnClose", func() bool { return h.closes.Load() == 1 })
}

// At MaxInflight unanswered requests a connection stops framing; frames
// wait and are served, in order, as responses complete.
func TestMaxInflight(t *testing.T) {
	release := make(chan struct{})
	h := &toyHandler{}
	h.serve = func(c *Conn, frame []byte, req *Request) {
		resp := echoResponse(frame) // frame is only valid during Serve
		h.goRespond(func() {
			<-release
			req.Respond(resp)
		})
	}
	s := startServer(t, Config{MaxInflight: 2}, h)
	c := dial(t, s)
	_ = c.SetDeadline(time.Now().Add(5 * time.Second))
	for i := range 6 {
		if err := writeFrame(c, []byte{byte(i)}); err != nil {
			t.Fatal(err)
		}
	}
	waitFor(t, 2*time.Second, "two served", func() bool { return s.Stats().Frames == 2 })
	time.Sleep(30 * time.Millisecond)
	if n := s.Stats().Frames; n != 2 {
		t.Fatalf("served %d frames with MaxInflight 2", n)
	}
	close(release)
	for i := range 6 {
		got, err := readFrame(c)
		if err != nil {
			t.Fatal(err)
		}
		if got[0] != byte(i) {
			t.Fatalf("got %d want %d", got[0], i)
		}
	}
}

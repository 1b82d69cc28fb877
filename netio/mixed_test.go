package netio

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"math/rand/v2"
	"sync/atomic"
	"testing"
	"time"
)

// mixedResponse builds a response of random memory chunks (some empty) and
// file ranges (some empty) from a seed, and the bytes it must put on the wire.
func mixedResponse(seed uint64, file FileLike, data []byte) ([]Chunk, []byte) {
	rng := rand.New(rand.NewPCG(seed, 99))
	var chunks []Chunk
	var want []byte
	for range 1 + rng.IntN(6) {
		if rng.IntN(2) == 0 {
			m := make([]byte, rng.IntN(3)*rng.IntN(40<<10))
			for i := range m {
				m[i] = byte(rng.Uint32())
			}
			chunks = append(chunks, Chunk{Mem: m})
			want = append(want, m...)
			continue
		}
		n := int64(rng.IntN(3) * rng.IntN(300<<10))
		off := rng.Int64N(int64(len(data)) - n + 1)
		chunks = append(chunks, Chunk{File: file, Off: off, Len: n})
		want = append(want, data[off:off+n]...)
	}
	return chunks, want
}

// Pipelined responses mixing memory and file chunks, completed in random
// order, some without a response, arrive in order and byte-exact, through
// sendfile and through the copying path.
func TestMixedChunksInOrder(t *testing.T) {
	f, data := tempFile(t, 2<<20)
	for name, file := range map[string]FileLike{"sendfile": f, "copy": noFd{f}} {
		t.Run(name, func(t *testing.T) {
			var dones atomic.Int64
			h := &toyHandler{}
			h.serve = func(c *Conn, frame []byte, req *Request) {
				seed := binary.BigEndian.Uint64(frame)
				chunks, _ := mixedResponse(seed, file, data)
				resp := Response{Chunks: framed(chunks...), NoResponse: seed%5 == 3, Done: func() { dones.Add(1) }}
				delay := time.Duration(seed%13) * 300 * time.Microsecond
				h.goRespond(func() {
					time.Sleep(delay)
					Prefetch(resp.Chunks)
					req.Respond(resp)
				})
			}
			s := startServer(t, Config{}, h)
			c := dial(t, s)
			_ = c.SetReadBuffer(32 << 10)
			_ = c.SetDeadline(time.Now().Add(60 * time.Second))
			const n = 150
			go func() {
				for i := range uint64(n) {
					if writeFrame(c, binary.BigEndian.AppendUint64(nil, i)) != nil {
						return
					}
				}
			}()
			for i := range uint64(n) {
				if i%5 == 3 {
					continue
				}
				_, want := mixedResponse(i, file, data)
				got, err := readFrame(c)
				if err != nil {
					t.Fatalf("response %d: %v\nstats %+v\n%s", i, err, s.Stats(), dumpConns(s))
				}
				if !bytes.Equal(got, want) {
					t.Fatalf("response %d: %d bytes differ from the %d expected", i, len(got), len(want))
				}
			}
			waitFor(t, 2*time.Second, "Done", func() bool { return dones.Load() == n })
			st := s.Stats()
			t.Logf("stats: %+v", st)
			if name == "sendfile" && st.CopiedBytes != 0 {
				t.Fatalf("copied %d bytes on the sendfile path", st.CopiedBytes)
			}
			if name == "copy" && st.SendfileBytes != 0 {
				t.Fatalf("sendfile %d bytes on the copy path", st.SendfileBytes)
			}
		})
	}
}

// A second Respond is ignored (its Done runs, nothing is written); Conn.Close
// from the handler closes; UserData round-trips.
func TestRespondTwiceCloseAndUserData(t *testing.T) {
	var dones atomic.Int64
	h := &toyHandler{}
	h.serve = func(c *Conn, frame []byte, req *Request) {
		switch string(frame) {
		case "twice":
			req.Respond(echoResponse(frame))
			req.Respond(Response{Chunks: []Chunk{{Mem: []byte("garbage")}}, Done: func() { dones.Add(1) }})
		case "set":
			c.SetUserData(fmt.Sprint(c.ID()))
			req.Respond(echoResponse(frame))
		case "get":
			v, _ := c.UserData().(string)
			req.Respond(echoResponse([]byte(v)))
		case "close":
			req.Respond(Response{Done: func() { dones.Add(1) }})
			c.Close()
		}
	}
	s := startServer(t, Config{}, h)
	c := dial(t, s)
	roundTrip(t, c, []byte("twice"))
	roundTrip(t, c, []byte("set"))
	_ = c.SetDeadline(time.Now().Add(5 * time.Second))
	if err := writeFrame(c, []byte("get")); err != nil {
		t.Fatal(err)
	}
	if got, err := readFrame(c); err != nil || string(got) != "1" {
		t.Fatalf("UserData: %q, %v", got, err)
	}
	if err := writeFrame(c, []byte("close")); err != nil {
		t.Fatal(err)
	}
	expectClosed(t, c, 2*time.Second)
	waitFor(t, 2*time.Second, "Done", func() bool { return dones.Load() == 2 })
}

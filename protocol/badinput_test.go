package protocol

import (
	"context"
	"encoding/binary"
	"io"
	"math/rand/v2"
	"net"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kgo"
	"github.com/twmb/franz-go/pkg/kmsg"

	"sluice/engine"
)

// healthy checks that a well-behaved client still produces and reads.
func healthy(t *testing.T, cl *kgo.Client, value string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := cl.ProduceSync(ctx, &kgo.Record{Topic: "healthy", Value: []byte(value)}).FirstErr(); err != nil {
		t.Fatalf("healthy client after bad input: %v", err)
	}
}

// expectClosed reads until EOF (the broker closed the connection).
func expectClosed(t *testing.T, c net.Conn, what string) {
	t.Helper()
	_ = c.SetReadDeadline(time.Now().Add(5 * time.Second))
	if _, err := io.Copy(io.Discard, c); err != nil {
		t.Fatalf("%s: want the connection closed, got %v", what, err)
	}
}

func dial(t *testing.T, b *testBroker) net.Conn {
	t.Helper()
	c, err := net.Dial("tcp", b.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

func TestBadInputOverRawSockets(t *testing.T) {
	b := startTestBroker(t, "", nil)
	createTopic(t, b, "healthy", 1, nil)
	createTopic(t, b, "victim", 1, nil)
	cl := newKgo(t, b)
	healthy(t, cl, "before")

	t.Run("random bytes", func(t *testing.T) {
		r := rand.New(rand.NewPCG(1, 2))
		for i := range 20 {
			c := dial(t, b)
			junk := make([]byte, 1+r.IntN(4096))
			for j := range junk {
				junk[j] = byte(r.Uint32())
			}
			if i%2 == 0 { // a plausible length followed by junk
				binary.BigEndian.PutUint32(junk, uint32(len(junk)-4))
			}
			_, _ = c.Write(junk)
			if i%2 == 0 {
				expectClosed(t, c, "junk frame")
			}
		}
		healthy(t, cl, "after random")
	})
	t.Run("oversize and negative lengths", func(t *testing.T) {
		for _, l := range []uint32{0x7fffffff, 0xffffffff, 0x80000000, 200 << 20, 0} {
			c := dial(t, b)
			var sz [4]byte
			binary.BigEndian.PutUint32(sz[:], l)
			_, _ = c.Write(sz[:])
			expectClosed(t, c, "frame length")
		}
		healthy(t, cl, "after lengths")
	})
	t.Run("unknown keys and versions", func(t *testing.T) {
		for _, kv := range [][2]int16{{999, 0}, {-5, 0}, {0, 99}, {1, 2}, {3, 13}, {50, 0}} {
			c := dial(t, b)
			frame := []byte{0, 0, 0, 10, 0, 0, 0, 0, 0, 0, 0, 9, 0xff, 0xff}
			binary.BigEndian.PutUint16(frame[4:], uint16(kv[0]))
			binary.BigEndian.PutUint16(frame[6:], uint16(kv[1]))
			_, _ = c.Write(frame)
			expectClosed(t, c, "unknown key/version")
		}
		healthy(t, cl, "after unknown keys")
	})
	t.Run("truncated and CRC-broken batches", func(t *testing.T) {
		good := buildBatch(t, -1, -1, -1, 5)
		crc := append([]byte(nil), good...)
		crc[len(crc)-1] ^= 0xff
		trunc := good[:len(good)-3]
		short := good[:30]
		for name, batch := range map[string][]byte{"crc": crc, "truncated": trunc, "short": short} {
			req := kmsg.NewPtrProduceRequest()
			req.SetVersion(9)
			req.Acks, req.TimeoutMillis = 1, 1000
			rt := kmsg.NewProduceRequestTopic()
			rt.Topic = "victim"
			rp := kmsg.NewProduceRequestTopicPartition()
			rp.Records = batch
			rt.Partitions = append(rt.Partitions, rp)
			req.Topics = append(req.Topics, rt)
			c := dial(t, b)
			if _, err := c.Write(rawRequest(req, 1)); err != nil {
				t.Fatal(err)
			}
			frame, err := readFrame(t, c)
			if err != nil {
				t.Fatalf("%s: %v", name, err)
			}
			resp := kmsg.NewPtrProduceResponse()
			resp.SetVersion(9)
			if err := resp.ReadFrom(frame[5:]); err != nil {
				t.Fatalf("%s: %v", name, err)
			}
			if code := resp.Topics[0].Partitions[0].ErrorCode; code != 2 && code != 87 { // CORRUPT_MESSAGE / INVALID_RECORD
				t.Fatalf("%s batch: error %d", name, code)
			}
		}
		l, _ := b.Engine().Log(engine.TopicPartition{Topic: "victim"})
		if leo := l.LogEndOffset(); leo != 0 {
			t.Fatalf("broken batches appended: log end %d", leo)
		}
		healthy(t, cl, "after broken batches")
	})
	t.Run("hundreds of stalled half frames", func(t *testing.T) {
		var conns []net.Conn
		for range 300 {
			c := dial(t, b)
			_, _ = c.Write([]byte{0, 0, 1, 0, 0, 3, 0}) // says 256 bytes, sends 3
			conns = append(conns, c)
		}
		healthy(t, cl, "with stalled conns")
		for _, c := range conns {
			c.Close()
		}
		healthy(t, cl, "after stalled conns")
	})
}

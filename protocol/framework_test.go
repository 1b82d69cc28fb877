package protocol

import (
	"context"
	"encoding/binary"
	"io"
	"net"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kmsg"

	"sluice/netio"
	"sluice/protocol/handlers"
)

// startBare serves the handler table with no engine or cluster behind it.
func startBare(t *testing.T) *netio.Server {
	t.Helper()
	h := NewHandler(&handlers.Env{}, HandlerOptions{IOThreads: 2})
	s, err := netio.NewServer(netio.Config{Addr: "127.0.0.1:0", Loops: 1}, h)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		h.BeginShutdown()
		_ = s.Shutdown(ctx)
		h.Close()
	})
	return s
}

// rawRequest frames req (key, version from req) with correlation id corr.
func rawRequest(req kmsg.Request, corr int32) []byte {
	b := make([]byte, 4, 64)
	b = binary.BigEndian.AppendUint16(b, uint16(req.Key()))
	b = binary.BigEndian.AppendUint16(b, uint16(req.GetVersion()))
	b = binary.BigEndian.AppendUint32(b, uint32(corr))
	b = binary.BigEndian.AppendUint16(b, 4)
	b = append(b, "test"...)
	if req.IsFlexible() {
		b = append(b, 0)
	}
	b = req.AppendTo(b)
	binary.BigEndian.PutUint32(b, uint32(len(b)-4))
	return b
}

// readFrame reads one response frame.
func readFrame(t *testing.T, c net.Conn) ([]byte, error) {
	t.Helper()
	_ = c.SetReadDeadline(time.Now().Add(5 * time.Second))
	var sz [4]byte
	if _, err := io.ReadFull(c, sz[:]); err != nil {
		return nil, err
	}
	b := make([]byte, binary.BigEndian.Uint32(sz[:]))
	_, err := io.ReadFull(c, b)
	return b, err
}

func TestApiVersionsAllVersionsAndKIP511(t *testing.T) {
	s := startBare(t)
	c, err := net.Dial("tcp", s.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	for v := int16(0); v <= 5; v++ {
		req := kmsg.NewPtrApiVersionsRequest()
		req.SetVersion(v)
		req.ClientSoftwareName, req.ClientSoftwareVersion = "t", "1"
		if _, err := c.Write(rawRequest(req, int32(100+v))); err != nil {
			t.Fatal(err)
		}
		b, err := readFrame(t, c)
		if err != nil {
			t.Fatalf("v%d: %v", v, err)
		}
		if corr := int32(binary.BigEndian.Uint32(b)); corr != int32(100+v) {
			t.Fatalf("v%d: correlation id %d", v, corr)
		}
		resp := kmsg.NewPtrApiVersionsResponse()
		want := v
		if v > 4 {
			want = 0 // KIP-511: v0 answer
		}
		resp.SetVersion(want)
		if err := resp.ReadFrom(b[4:]); err != nil { // always a v0 header
			t.Fatalf("v%d: decode: %v", v, err)
		}
		wantErr := int16(0)
		if v > 4 {
			wantErr = 35
		}
		if resp.ErrorCode != wantErr || len(resp.ApiKeys) == 0 {
			t.Fatalf("v%d: error %d, %d keys", v, resp.ErrorCode, len(resp.ApiKeys))
		}
	}
}

func TestUnknownKeyClosesConnection(t *testing.T) {
	s := startBare(t)
	for _, frame := range [][]byte{
		{0, 0, 0, 10, 0x7f, 0x00, 0, 0, 0, 0, 1, 0, 0xff, 0xff}, // key 32512
		{0, 0, 0, 10, 0, 50, 0, 0, 0, 0, 0, 1, 0xff, 0xff},      // a key kmsg knows, not served
		{0, 0, 0, 6, 0, 18, 0, 0, 0, 0},                         // truncated header
		{0, 0, 0, 10, 0, 18, 0, 3, 0, 0, 0, 1, 0x7f, 0xff},      // client id longer than the frame
	} {
		c, err := net.Dial("tcp", s.Addr().String())
		if err != nil {
			t.Fatal(err)
		}
		if _, err := c.Write(frame); err != nil {
			t.Fatal(err)
		}
		if _, err := readFrame(t, c); err != io.EOF {
			t.Fatalf("frame %x: want EOF (closed), got %v", frame, err)
		}
		c.Close()
	}
}

// TestHighByteBodiesServed: a flexible request whose body holds high bytes
// (which could start long varints) is answered normally, many at once on
// many connections.
func TestHighByteBodiesServed(t *testing.T) {
	s := startBare(t)
	const conns = 50
	errs := make(chan error, conns)
	for i := range conns {
		go func() {
			c, err := net.Dial("tcp", s.Addr().String())
			if err != nil {
				errs <- err
				return
			}
			defer c.Close()
			req := kmsg.NewPtrApiVersionsRequest()
			req.SetVersion(3)
			req.ClientSoftwareName, req.ClientSoftwareVersion = "\xc3\xa9\xc3\xa9", "1.0-\xe2\x82\xac"
			if _, err := c.Write(rawRequest(req, int32(i))); err != nil {
				errs <- err
				return
			}
			b, err := readFrame(t, c)
			if err == nil && int32(binary.BigEndian.Uint32(b)) != int32(i) {
				err = io.ErrUnexpectedEOF
			}
			errs <- err
		}()
	}
	for range conns {
		if err := <-errs; err != nil {
			t.Fatal(err)
		}
	}
}

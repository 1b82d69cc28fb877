// Package peer is the small Kafka client one broker uses to talk to
// another: the controller's requests to brokers (LeaderAndIsr,
// UpdateMetadata, StopReplica), a broker's requests to the controller
// (AlterPartition, ControlledShutdown) and replica fetches.
//
// A Conn is one TCP connection with one request in flight at a time. On
// dialing it asks ApiVersions and from then on sends every request at the
// highest version both sides support (so that brokers of different Sluice
// versions can talk during a rolling upgrade); a request the other side
// cannot take at any version we speak fails with ErrUnsupported.
//
// Framing (the request header is v1, or v2 with a tag byte when the
// request version is flexible; the response header has a tag byte when
// flexible, except ApiVersions):
//
//	request:  | size int32 | api_key int16 | api_version int16 | correlation_id int32 | client_id string | [tags] | body |
//	response: | size int32 | correlation_id int32 | [tags] | body |
package peer

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"net"
	"time"

	"github.com/twmb/franz-go/pkg/kmsg"
)

// Errors.
var (
	// ErrUnsupported: the other broker serves no version of the request
	// that we speak.
	ErrUnsupported = errors.New("peer: request not supported by the other broker")
	// ErrProtocol: the other side answered something that is not a
	// well-formed response to our request.
	ErrProtocol = errors.New("peer: malformed response")
)

// Options configure a Conn.
type Options struct {
	// ClientID is sent in every request header (Kafka brokers use e.g.
	// "broker-1-fetcher-0").
	ClientID string
	// MaxResponseBytes bounds a response (default 128 MiB).
	MaxResponseBytes int32
	// Dialer dials (default net.Dialer); tests route through proxies.
	Dialer func(ctx context.Context, addr string) (net.Conn, error)
	// MinVersions are, per key, the oldest versions the caller can
	// encode: a request the other side serves only below it fails with
	// ErrUnsupported.
	MinVersions map[int16]int16
}

// Conn is a connection to another broker. It is not safe for concurrent
// use.
type Conn struct {
	nc       net.Conn
	opts     Options
	fmt      *kmsg.RequestFormatter
	corr     int32
	versions map[int16]int16 // the other side's max version per key
	buf      []byte
}

// Dial connects to addr and learns the versions the other side serves.
func Dial(ctx context.Context, addr string, o Options) (*Conn, error) {
	if o.MaxResponseBytes <= 0 {
		o.MaxResponseBytes = 128 << 20
	}
	dial := o.Dialer
	if dial == nil {
		dial = func(ctx context.Context, addr string) (net.Conn, error) {
			var d net.Dialer
			return d.DialContext(ctx, "tcp", addr)
		}
	}
	nc, err := dial(ctx, addr)
	if err != nil {
		return nil, err
	}
	c := &Conn{nc: nc, opts: o, fmt: kmsg.NewRequestFormatter(kmsg.FormatterClientID(o.ClientID))}
	req := kmsg.NewPtrApiVersionsRequest()
	req.Version = 3
	req.ClientSoftwareName = "sluice"
	req.ClientSoftwareVersion = "1"
	resp, err := c.roundTrip(ctx, req)
	if err == nil {
		av := resp.(*kmsg.ApiVersionsResponse)
		if av.ErrorCode != 0 {
			err = fmt.Errorf("%w: ApiVersions error %d", ErrProtocol, av.ErrorCode)
		} else {
			c.versions = make(map[int16]int16, len(av.ApiKeys))
			for _, k := range av.ApiKeys {
				c.versions[k.ApiKey] = k.MaxVersion
			}
		}
	}
	if err != nil {
		nc.Close()
		return nil, err
	}
	return c, nil
}

// Close closes the connection.
func (c *Conn) Close() error { return c.nc.Close() }

// MaxVersion is the highest version of key both sides support, or -1.
func (c *Conn) MaxVersion(key int16) int16 {
	theirs, ok := c.versions[key]
	if !ok {
		return -1
	}
	ours := kmsg.RequestForKey(key)
	if ours == nil {
		return -1
	}
	return min(theirs, ours.MaxVersion())
}

// Request sends req at the highest common version (req's own version is
// overwritten) and returns the decoded response. The response may alias
// an internal buffer that the next Request reuses (record batches of a
// Fetch): copy what must outlive it.
func (c *Conn) Request(ctx context.Context, req kmsg.Request) (kmsg.Response, error) {
	v := c.MaxVersion(req.Key())
	if v < 0 || v < c.opts.MinVersions[req.Key()] {
		return nil, fmt.Errorf("%w: key %d (version %d)", ErrUnsupported, req.Key(), v)
	}
	req.SetVersion(v)
	return c.roundTrip(ctx, req)
}

func (c *Conn) roundTrip(ctx context.Context, req kmsg.Request) (kmsg.Response, error) {
	if dl, ok := ctx.Deadline(); ok {
		c.nc.SetDeadline(dl)
	} else {
		c.nc.SetDeadline(time.Time{})
	}
	stop := context.AfterFunc(ctx, func() { c.nc.SetDeadline(time.Unix(1, 0)) })
	defer stop()
	c.corr++
	c.buf = c.fmt.AppendRequest(c.buf[:0], req, c.corr)
	if _, err := c.nc.Write(c.buf); err != nil {
		return nil, ctxErr(ctx, err)
	}
	var size [4]byte
	if _, err := io.ReadFull(c.nc, size[:]); err != nil {
		return nil, ctxErr(ctx, err)
	}
	n := int32(binary.BigEndian.Uint32(size[:]))
	if n < 4 || n > c.opts.MaxResponseBytes {
		return nil, fmt.Errorf("%w: response of %d bytes", ErrProtocol, n)
	}
	if cap(c.buf) < int(n) {
		c.buf = make([]byte, n)
	}
	body := c.buf[:n]
	if _, err := io.ReadFull(c.nc, body); err != nil {
		return nil, ctxErr(ctx, err)
	}
	if corr := int32(binary.BigEndian.Uint32(body)); corr != c.corr {
		return nil, fmt.Errorf("%w: correlation id %d, want %d", ErrProtocol, corr, c.corr)
	}
	body = body[4:]
	resp := req.ResponseKind()
	resp.SetVersion(req.GetVersion())
	if req.IsFlexible() && req.Key() != 18 {
		var err error
		if body, err = skipTags(body); err != nil {
			return nil, err
		}
	}
	if err := resp.(unsafeReader).UnsafeReadFrom(body); err != nil {
		return nil, fmt.Errorf("%w: %v", ErrProtocol, err)
	}
	return resp, nil
}

// unsafeReader decodes aliasing the input (kmsg.UnsafeReadFrom); every
// kmsg response implements it.
type unsafeReader interface{ UnsafeReadFrom([]byte) error }

// skipTags skips a tagged-field section.
func skipTags(b []byte) ([]byte, error) {
	n, k := binary.Uvarint(b)
	if k <= 0 {
		return nil, ErrProtocol
	}
	b = b[k:]
	for i := uint64(0); i < n; i++ {
		if _, k = binary.Uvarint(b); k <= 0 {
			return nil, ErrProtocol
		}
		b = b[k:]
		size, k := binary.Uvarint(b)
		if k <= 0 || uint64(len(b)-k) < size {
			return nil, ErrProtocol
		}
		b = b[k+int(size):]
	}
	return b, nil
}

// ctxErr reports a context that ended as the cause of an I/O error (the
// socket deadline may fire a moment before the context's timer).
func ctxErr(ctx context.Context, err error) error {
	if ctx.Err() != nil {
		return ctx.Err()
	}
	var ne net.Error
	if dl, ok := ctx.Deadline(); ok && errors.As(err, &ne) && ne.Timeout() && !time.Now().Before(dl) {
		return context.DeadlineExceeded
	}
	return err
}

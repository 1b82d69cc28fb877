package wire

import (
	"fmt"

	"github.com/twmb/franz-go/pkg/kmsg"
)

// Decoded memory allowed for one request body: DecodeFactor × its size
// plus DecodeSlack. The slack lets any small or medium request through
// whatever its shape (kmsg's types take 2-10 times the encoded size of
// requests made of short names and small numbers); past it, the bodies
// clients really send are Produce (records alias the frame) and, rarely,
// long lists that kmsg holds in about twice their size. Kafka has no such
// limit (its decoder allocates alike); a body past it is refused like a
// malformed one (the connection is closed). With it a 100 MiB frame costs
// at most 208 MiB decoded, where one hostile 16 MiB frame used to cost
// 800 MB.
const (
	DecodeFactor = 2
	DecodeSlack  = 8 << 20
)

// DecodeLimit is the decoded memory allowed for a body of n bytes.
func DecodeLimit(n int) int64 { return DecodeFactor*int64(n) + DecodeSlack }

// schemas[key][version], compiled at start-up for every version kmsg knows.
var schemas = func() map[int16][]*schema {
	m := make(map[int16][]*schema, len(requestFields))
	for key, fields := range requestFields {
		maxV := kmsg.RequestForKey(key).MaxVersion()
		vs := make([]*schema, maxV+1)
		for v := range vs {
			s, err := compile(key, fields, int16(v))
			if err != nil {
				panic(err) // a schema that does not match kmsg: a bug
			}
			vs[v] = s
		}
		m[key] = vs
	}
	return m
}()

func lookup(key, version int16) (*schema, error) {
	vs := schemas[key]
	if version < 0 || int(version) >= len(vs) {
		return nil, fmt.Errorf("wire: no schema for key %d v%d", key, version)
	}
	return vs[version], nil
}

// Check walks body as request key at version (see walk.go) and returns the
// estimated decoded size; ErrMalformed when kmsg would refuse the body,
// ErrTooLarge when the estimate passes limit.
func Check(key, version int16, body []byte, limit int64) (int64, error) {
	s, err := lookup(key, version)
	if err != nil {
		return 0, err
	}
	w := walker{limit: limit}
	if err := w.alloc(int64(s.topSize)); err != nil {
		return 0, err
	}
	if _, err := w.walk(body, s.nodes); err != nil {
		return 0, err
	}
	return w.est, nil
}

// Decode checks body (Check with DecodeLimit) and decodes it. Metadata
// requests are decoded here with their topics deduplicated, as Kafka works
// on the set of names (decodeMetadata); everything else by kmsg. Byte
// fields of the result alias body.
func Decode(key, version int16, body []byte) (kmsg.Request, error) {
	limit := DecodeLimit(len(body))
	if key == 3 {
		return decodeMetadata(version, body, limit)
	}
	if _, err := Check(key, version, body, limit); err != nil {
		return nil, err
	}
	req := kmsg.RequestForKey(key)
	req.SetVersion(version)
	if err := req.ReadFrom(body); err != nil {
		return nil, fmt.Errorf("%w: %v", ErrMalformed, err)
	}
	return req, nil
}

// sizeClasses are the allocator's size classes up to 32 KiB, learnt from
// the runtime itself: append rounds a new slice's capacity up to one.
var sizeClasses = func() []int64 {
	var out []int64
	for n := 1; n <= 32<<10; {
		c := cap(grown(n))
		out = append(out, int64(c))
		n = c + 1
	}
	return out
}()

// grown is a new slice of n bytes grown by append. Not inlined, so that it
// is allocated on the heap (where capacities are rounded to size classes).
//
//go:noinline
func grown(n int) []byte { return append([]byte(nil), make([]byte, n)...) }

// allocSize is what an allocation of n bytes takes: its size class (at
// least 16: small pointer-free objects come out of 16-byte tiny blocks), or
// n rounded up to whole pages above 32 KiB.
func allocSize(n int64) int64 {
	if n < 16 {
		return 16
	}
	if n > 32<<10 {
		return (n + 8191) &^ 8191
	}
	lo, hi := 0, len(sizeClasses)
	for lo < hi {
		mid := (lo + hi) / 2
		if sizeClasses[mid] < n {
			lo = mid + 1
		} else {
			hi = mid
		}
	}
	if lo == len(sizeClasses) {
		return n
	}
	return sizeClasses[lo]
}

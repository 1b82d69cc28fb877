// Package wire holds the Kafka framing pieces the server handles itself:
// request header decoding, request body checking and decoding (Decode:
// the schema walk of walk.go over the schemas of requests.go, Metadata's
// deduplicating decoder in metadata.go), response header encoding and the
// primitive appenders the hand-written Fetch encoder uses.
//
// A request frame (after netio strips the 4-byte size) is
//
//	| api_key int16 | api_version int16 | correlation_id int32 | client_id nullable string (int16 length) |
//	| tagged fields (uvarint count, then uvarint tag, uvarint size, bytes) — only when the request version is flexible |
//	| request body |
//
// The client id stays a non-compact string even in flexible versions
// (request header v2). A response is
//
//	| size int32 | correlation_id int32 | tagged fields (one 0 byte) when flexible | body |
//
// except ApiVersions, which always answers with the v0 header (no tag byte)
// so that a client can read the answer whatever version it asked for.
package wire

import (
	"encoding/binary"

	"github.com/twmb/franz-go/pkg/kmsg"
)

// Header is a decoded request header.
type Header struct {
	Key           int16
	Version       int16
	CorrelationID int32
	// ClientID is the client id ("" when null). It aliases the frame.
	ClientID []byte
	// Flexible is whether the request (and so its response) uses the
	// flexible encoding of KIP-482 at this version. It is false for keys
	// kmsg does not know.
	Flexible bool
	// Known is whether kmsg knows the key.
	Known bool
}

// ParseHeader decodes the request header of frame and returns the body
// that follows it. Unknown keys parse (so the caller can log and refuse
// them) but their tags are not skipped.
func ParseHeader(frame []byte) (Header, []byte, error) {
	var h Header
	if len(frame) < 10 {
		return h, nil, ErrShortHeader
	}
	h.Key = int16(binary.BigEndian.Uint16(frame[0:]))
	h.Version = int16(binary.BigEndian.Uint16(frame[2:]))
	h.CorrelationID = int32(binary.BigEndian.Uint32(frame[4:]))
	n := int16(binary.BigEndian.Uint16(frame[8:]))
	rest := frame[10:]
	switch {
	case n == -1:
	case n < -1:
		return h, nil, ErrBadHeader
	case int(n) > len(rest):
		return h, nil, ErrShortHeader
	default:
		h.ClientID = rest[:n:n]
		rest = rest[n:]
	}
	if h.Version < 0 {
		return h, nil, ErrBadHeader
	}
	if req := kmsg.RequestForKey(h.Key); req != nil {
		h.Known = true
		req.SetVersion(h.Version)
		h.Flexible = req.IsFlexible()
	}
	if h.Flexible {
		var err error
		if rest, err = SkipTags(rest); err != nil {
			return h, nil, err
		}
	}
	return h, rest, nil
}

// SkipTags skips a tagged-field section.
func SkipTags(b []byte) ([]byte, error) {
	count, n := binary.Uvarint(b)
	if n <= 0 || count > uint64(len(b)) {
		return nil, ErrBadHeader
	}
	b = b[n:]
	for range count {
		_, n = binary.Uvarint(b)
		if n <= 0 {
			return nil, ErrBadHeader
		}
		b = b[n:]
		size, n := binary.Uvarint(b)
		if n <= 0 || size > uint64(len(b)-n) {
			return nil, ErrBadHeader
		}
		b = b[n+int(size):]
	}
	return b, nil
}

// ResponseHeaderFlexible says whether the response header for key at a
// flexible version carries a tag section (everything but ApiVersions).
func ResponseHeaderFlexible(key int16, flexible bool) bool {
	return flexible && key != 18
}

// ResponseHeaderLen is the size of the response header after the 4-byte
// size field.
func ResponseHeaderLen(key int16, flexible bool) int {
	if ResponseHeaderFlexible(key, flexible) {
		return 5
	}
	return 4
}

// AppendResponseHeader appends the 4-byte size (of everything after it:
// header and a body of bodyLen bytes) and the response header.
func AppendResponseHeader(dst []byte, key int16, flexible bool, corr int32, bodyLen int) []byte {
	hl := ResponseHeaderLen(key, flexible)
	dst = binary.BigEndian.AppendUint32(dst, uint32(hl+bodyLen))
	dst = binary.BigEndian.AppendUint32(dst, uint32(corr))
	if hl == 5 {
		dst = append(dst, 0)
	}
	return dst
}

// Package hostile builds the requests a hostile client sends, for the
// tests that prove the broker survives them (the hostile-client suite in
// cmd/sluice, the decode-memory tests in protocol). Nothing in the broker
// imports it.
//
// Bodies are derived from kmsg's own encoding of each request, so every
// served key and version has them:
//
//   - Announce: the request's first array announces as many elements as
//     bytes are left, and the bytes are zeros (the probe that took the
//     broker from 17 MB to 835 MB with one 16 MiB Metadata v1 frame).
//   - MaxCount: the first array holds as many elements of minimal size as
//     fit (valid as far as the wire format goes).
//   - ManyTags: (flexible versions) the top-level tag section holds as many
//     distinct unknown tags as fit.
package hostile

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"reflect"

	"github.com/twmb/franz-go/pkg/kmsg"
)

// Mode is the shape of a hostile body.
type Mode int

const (
	Announce Mode = iota
	MaxCount
	ManyTags
)

func (m Mode) String() string {
	return [...]string{"announce", "max-count", "many-tags"}[m]
}

// Frame wraps body in a request frame: the 4-byte size, then the request
// header (key, version, correlation id, client id "hostile", and an empty
// tag section at flexible versions).
func Frame(key, version int16, corr int32, body []byte) []byte {
	req := kmsg.RequestForKey(key)
	req.SetVersion(version)
	out := make([]byte, 4, 4+8+2+7+1+len(body))
	out = binary.BigEndian.AppendUint16(out, uint16(key))
	out = binary.BigEndian.AppendUint16(out, uint16(version))
	out = binary.BigEndian.AppendUint32(out, uint32(corr))
	out = binary.BigEndian.AppendUint16(out, 7)
	out = append(out, "hostile"...)
	if req.IsFlexible() {
		out = append(out, 0)
	}
	out = append(out, body...)
	binary.BigEndian.PutUint32(out, uint32(len(out)-4))
	return out
}

// Body returns a body of request key at version in mode, of about size
// bytes (never more). ok is false when the mode does not
// apply: the request has no array at this version (Announce, MaxCount) or
// is not flexible (ManyTags).
func Body(key, version int16, size int, mode Mode) (body []byte, ok bool) {
	req := kmsg.RequestForKey(key)
	if req == nil {
		panic(fmt.Sprintf("hostile: no request for key %d", key))
	}
	req.SetVersion(version)
	flex := req.IsFlexible()
	if mode == ManyTags {
		if !flex {
			return nil, false
		}
		b := req.AppendTo(nil)
		prefix := b[:len(b)-1] // the top-level tag section is the last byte (0 tags)
		n := (size - len(prefix) - 5) / 4
		out := append(make([]byte, 0, size), prefix...)
		out = binary.AppendUvarint(out, uint64(n))
		for i := range n {
			out = binary.AppendUvarint(out, uint64(1<<14+i%(1<<21-1<<14))) // 3-byte keys, no known tag
			out = append(out, 0)
		}
		return out, true
	}
	prefix, elem, suffix, ok := firstArray(req, flex)
	if !ok {
		return nil, false
	}
	out := append(make([]byte, 0, size), prefix...)
	switch mode {
	case Announce:
		rest := size - len(prefix) - 4
		if flex {
			rest = size - len(prefix) - uvarintLen(uint64(size))
			out = binary.AppendUvarint(out, uint64(rest)+1)
		} else {
			out = binary.BigEndian.AppendUint32(out, uint32(rest))
		}
		return append(out, make([]byte, rest)...), true
	default: // MaxCount
		n := (size - len(prefix) - len(suffix) - 5) / len(elem)
		if flex {
			out = binary.AppendUvarint(out, uint64(n)+1)
		} else {
			out = binary.BigEndian.AppendUint32(out, uint32(n))
		}
		for range n {
			out = append(out, elem...)
		}
		return append(out, suffix...), true
	}
}

// firstArray finds the first top-level array of req present at its
// version and returns the encoding before its count, one default element,
// and the encoding after the (empty) array.
func firstArray(req kmsg.Request, flex bool) (prefix, elem, suffix []byte, ok bool) {
	rv := reflect.ValueOf(req).Elem()
	for i := range rv.NumField() {
		fv := rv.Field(i)
		if fv.Kind() != reflect.Slice || fv.Type().Elem().Kind() == reflect.Uint8 {
			continue
		}
		fv.Set(reflect.MakeSlice(fv.Type(), 0, 0))
		b0 := req.AppendTo(nil)
		one := reflect.MakeSlice(fv.Type(), 1, 1)
		if d := one.Index(0).Addr().MethodByName("Default"); d.IsValid() {
			d.Call(nil)
		}
		fv.Set(one)
		b1 := req.AppendTo(nil)
		fv.Set(reflect.Zero(fv.Type()))
		if bytes.Equal(b0, b1) {
			continue // not at this version
		}
		idx := 0
		for b0[idx] == b1[idx] {
			idx++
		}
		p, cl := idx-3, 4
		if flex {
			p, cl = idx, 1
		}
		elemLen := len(b1) - len(b0)
		return b0[:p], b1[p+cl : p+cl+elemLen], b0[p+cl:], true
	}
	return nil, nil, nil, false
}

func uvarintLen(v uint64) int { return len(binary.AppendUvarint(nil, v)) }

// RepeatedTopic is a valid Metadata v1 body of about size bytes naming
// topic over and over (Kafka answers it once).
func RepeatedTopic(size int, topic string) []byte {
	entry := binary.BigEndian.AppendUint16(nil, uint16(len(topic)))
	entry = append(entry, topic...)
	n := (size - 6) / len(entry)
	out := binary.BigEndian.AppendUint32(make([]byte, 0, size), uint32(n))
	return append(out, bytes.Repeat(entry, n)...)
}

// DistinctTopics is a valid Metadata v1 body of about size bytes naming
// distinct four-character topics.
func DistinctTopics(size int) []byte {
	const chars = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._"
	out := make([]byte, 4, size)
	n := 0
	for len(out)+6 <= size-2 && n < 1<<24 {
		out = append(out, 0, 4, chars[n%64], chars[n/64%64], chars[n/4096%64], chars[n/262144%64])
		n++
	}
	binary.BigEndian.PutUint32(out, uint32(n))
	return out
}

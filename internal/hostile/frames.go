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
	"io"
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
// bytes (never more). ok is false when the mode does not apply: the
// request has no array at this version (Announce, MaxCount) or is not
// flexible (ManyTags).
func Body(key, version int16, size int, mode Mode) (body []byte, ok bool) {
	pl, ok := plan(key, version, size, mode)
	if !ok {
		return nil, false
	}
	var buf bytes.Buffer
	buf.Grow(pl.len())
	_ = pl.write(&buf)
	return buf.Bytes(), true
}

// WriteFrame writes the frame of Body(key, version, size, mode) to w as it
// builds it, without holding the whole frame in memory (for 100 MiB frames).
func WriteFrame(w io.Writer, key, version int16, corr int32, size int, mode Mode) (ok bool, err error) {
	pl, ok := plan(key, version, size, mode)
	if !ok {
		return false, nil
	}
	hdr := Frame(key, version, corr, nil)
	binary.BigEndian.PutUint32(hdr, uint32(len(hdr)-4+pl.len()))
	if _, err := w.Write(hdr); err != nil {
		return true, err
	}
	return true, pl.write(w)
}

// bodyPlan is a body as prefix, count, n elements (elem; zeros when elem
// is nil, one byte each; distinct tags for ManyTags), suffix.
type bodyPlan struct {
	prefix, count, elem, suffix []byte
	n                           int
	tags                        bool
}

func (p *bodyPlan) elemLen() int {
	switch {
	case p.tags:
		return 4
	case p.elem == nil:
		return 1
	}
	return len(p.elem)
}

func (p *bodyPlan) len() int {
	return len(p.prefix) + len(p.count) + p.n*p.elemLen() + len(p.suffix)
}

// write writes the body in chunks of about 1 MiB.
func (p *bodyPlan) write(w io.Writer) error {
	if _, err := w.Write(append(append([]byte(nil), p.prefix...), p.count...)); err != nil {
		return err
	}
	per := max(1, (1<<20)/p.elemLen())
	chunk := make([]byte, 0, per*p.elemLen())
	if !p.tags { // the same elements in every chunk: build it once
		for range per {
			if p.elem == nil {
				chunk = append(chunk, 0)
			} else {
				chunk = append(chunk, p.elem...)
			}
		}
	}
	for done := 0; done < p.n; {
		k := min(per, p.n-done)
		if p.tags { // 3-byte keys (no request knows them), empty values
			chunk = chunk[:0]
			for i := range k {
				chunk = binary.AppendUvarint(chunk, uint64(1<<14+(done+i)%(1<<21-1<<14)))
				chunk = append(chunk, 0)
			}
		}
		if _, err := w.Write(chunk[:k*p.elemLen()]); err != nil {
			return err
		}
		done += k
	}
	_, err := w.Write(p.suffix)
	return err
}

func plan(key, version int16, size int, mode Mode) (bodyPlan, bool) {
	req := kmsg.RequestForKey(key)
	if req == nil {
		panic(fmt.Sprintf("hostile: no request for key %d", key))
	}
	req.SetVersion(version)
	flex := req.IsFlexible()
	if mode == ManyTags {
		if !flex {
			return bodyPlan{}, false
		}
		b := req.AppendTo(nil)
		pl := bodyPlan{prefix: b[:len(b)-1], tags: true} // the top-level tag section is the last byte (0 tags)
		pl.n = (size - len(pl.prefix) - 5) / 4
		pl.count = binary.AppendUvarint(nil, uint64(pl.n))
		return pl, true
	}
	prefix, elem, suffix, ok := firstArray(req, flex)
	if !ok {
		return bodyPlan{}, false
	}
	pl := bodyPlan{prefix: prefix}
	switch mode {
	case Announce: // as many zero bytes as the count says, nothing after
		pl.n = size - len(prefix) - 4
		if flex {
			pl.n = size - len(prefix) - uvarintLen(uint64(size))
		}
	default: // MaxCount
		pl.elem, pl.suffix = elem, suffix
		pl.n = (size - len(prefix) - len(suffix) - 5) / len(elem)
	}
	if flex {
		pl.count = binary.AppendUvarint(nil, uint64(pl.n)+1)
	} else {
		pl.count = binary.BigEndian.AppendUint32(nil, uint32(pl.n))
	}
	return pl, true
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

// Applies reports whether mode applies to key at version (see Body).
func Applies(key, version int16, mode Mode) bool {
	_, ok := plan(key, version, 64<<10, mode)
	return ok
}

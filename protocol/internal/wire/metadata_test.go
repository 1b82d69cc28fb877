package wire

import (
	"bytes"
	"encoding/binary"
	"math/rand/v2"
	"reflect"
	"runtime"
	"testing"

	"github.com/twmb/franz-go/pkg/kmsg"
)

// dedupKmsg is kmsg's decode of a Metadata body with repeated entries
// removed (first occurrence kept) and unknown tags dropped: what
// decodeMetadata must return.
func dedupKmsg(t *testing.T, v int16, body []byte) *kmsg.MetadataRequest {
	t.Helper()
	want := kmsg.NewPtrMetadataRequest()
	want.SetVersion(v)
	if err := want.ReadFrom(body); err != nil {
		t.Fatalf("v%d: kmsg: %v", v, err)
	}
	want.UnknownTags = kmsg.Tags{}
	if want.Topics != nil {
		seen := map[string]bool{}
		out := []kmsg.MetadataRequestTopic{}
		for _, tp := range want.Topics {
			k := string(tp.TopicID[:]) + "|"
			if tp.Topic != nil {
				k += "n" + *tp.Topic
			}
			if seen[k] {
				continue
			}
			seen[k] = true
			tp.UnknownTags = kmsg.Tags{}
			out = append(out, tp)
		}
		want.Topics = out
	}
	return want
}

// TestMetadataDecodeIsKmsgDeduplicated: random Metadata requests of every
// version, with entries repeated, decode to kmsg's result without the
// repeats; mutated ones are accepted exactly when kmsg accepts them.
func TestMetadataDecodeIsKmsgDeduplicated(t *testing.T) {
	r := rand.New(rand.NewPCG(5, 6))
	for v := range int16(len(schemas[3])) {
		for range 300 {
			req := kmsg.NewPtrMetadataRequest()
			fill(r, reflect.ValueOf(req).Elem(), 0)
			for i := range req.Topics { // a few names and ids, so repeats happen
				if req.Topics[i].Topic != nil {
					s := []string{"a", "b", "orders"}[r.IntN(3)]
					req.Topics[i].Topic = &s
				}
				req.Topics[i].TopicID = [16]byte{byte(r.IntN(2))}
			}
			if len(req.Topics) > 0 && r.IntN(2) == 0 {
				req.Topics = append(req.Topics, req.Topics...)
			}
			req.SetVersion(v)
			body := req.AppendTo(nil)
			got, err := Decode(3, v, body)
			if err != nil {
				t.Fatalf("v%d: %v", v, err)
			}
			if want := dedupKmsg(t, v, body); !reflect.DeepEqual(got, want) {
				t.Fatalf("v%d: got %+v, want %+v", v, got, want)
			}
			m := mutate(r, body)
			ok, skip := kmsgAccepts(3, v, m)
			if skip {
				continue
			}
			got, err = Decode(3, v, m)
			if (err == nil) != ok {
				t.Fatalf("v%d: decode says %v, kmsg accepts=%v, body %x", v, err, ok, m)
			}
			if ok && !reflect.DeepEqual(got, dedupKmsg(t, v, m)) {
				t.Fatalf("v%d: mutated body %x decodes differently", v, m)
			}
		}
	}
}

// TestMetadataOneNameManyTimes: a 16 MiB Metadata v1 request naming one
// topic 1.8 million times decodes to one topic, allocating next to nothing.
func TestMetadataOneNameManyTimes(t *testing.T) {
	const size = 16 << 20
	name := []byte("\x00\x07healthy")
	n := (size - 4) / len(name)
	body := binary.BigEndian.AppendUint32(make([]byte, 0, size), uint32(n))
	body = append(body, bytes.Repeat(name, n)...)
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	req, err := Decode(3, 1, body)
	runtime.ReadMemStats(&after)
	if err != nil {
		t.Fatal(err)
	}
	topics := req.(*kmsg.MetadataRequest).Topics
	if len(topics) != 1 || *topics[0].Topic != "healthy" {
		t.Fatalf("got %d topics", len(topics))
	}
	if alloc := after.TotalAlloc - before.TotalAlloc; alloc > 64<<10 && !raceEnabled {
		t.Fatalf("decoding allocated %d bytes", alloc)
	}
}

// TestMetadataDistinctNamesCapped: 16 MiB of distinct short names would
// take ~10 times the body as kmsg topics: refused, having allocated less
// than the limit.
func TestMetadataDistinctNamesCapped(t *testing.T) {
	const size = 16 << 20
	const chars = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._"
	body := make([]byte, 4, size)
	n := 0
	for len(body)+6 <= size {
		body = append(body, 0, 4, chars[n%64], chars[n/64%64], chars[n/4096%64], chars[n/262144%64])
		n++
	}
	binary.BigEndian.PutUint32(body, uint32(n))
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	_, err := Decode(3, 1, body)
	runtime.ReadMemStats(&after)
	if err != ErrTooLarge {
		t.Fatalf("got %v, want ErrTooLarge", err)
	}
	if alloc := int64(after.TotalAlloc - before.TotalAlloc); alloc > DecodeLimit(len(body)) && !raceEnabled {
		t.Fatalf("allocated %d bytes, limit %d", alloc, DecodeLimit(len(body)))
	}
}

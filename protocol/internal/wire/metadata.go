package wire

import (
	"encoding/binary"
	"hash/maphash"
	"math"
	"strings"

	"github.com/twmb/franz-go/pkg/kmsg"
)

// Kafka's Metadata handler works on the set of requested topics, so a
// request naming one topic a million times is answered once. The same set
// is built here while decoding: each distinct (topic id, name) entry is
// kept once, in the order of its first appearance, and the decoded request
// holds only those (kmsg would allocate ~50 bytes for every entry first).
//
// A Metadata request body is
//
//	v0-8:   | topics int32 count, each: | name int16-length string |
//	v9:     | topics uvarint count+1, each: | name compact string | tags |
//	v10-12: | topics uvarint count+1, each: | topic_id uuid | name compact nullable string | tags |
//	then:   | allow_auto_topic_creation bool (v4+) | include_cluster_authorized_operations bool (v8-10) |
//	        | include_topic_authorized_operations bool (v8+) | tags (v9+) |
//
// A null topics array (v1+) asks for every topic. Unknown tags are dropped:
// the handler does not read them.

var (
	nameSeed = maphash.MakeSeed()
	idSeed   = maphash.MakeSeed()
)

// metaEntry is one topic entry of the request, aliasing the body.
type metaEntry struct {
	id   []byte // 16 bytes, v10+
	name []byte
	null bool
}

// readMetaEntry reads the entry at b (already walked: well formed) and
// returns the bytes after it.
func readMetaEntry(b []byte, version int16) (metaEntry, []byte) {
	var e metaEntry
	if version >= 10 {
		e.id, b = b[:16], b[16:]
	}
	var l int
	if version >= 9 {
		u, m := uvarint32(b)
		l, b = int(u)-1, b[m:]
	} else {
		l, b = int(int16(binary.BigEndian.Uint16(b))), b[2:]
	}
	if l < 0 {
		e.null = true
	} else {
		e.name, b = b[:l], b[l:]
	}
	if version >= 9 {
		b = skipTagsWalked(b)
	}
	return e, b
}

// skipTagsWalked skips a tag section the walk already checked.
func skipTagsWalked(b []byte) []byte {
	count, m := uvarint32(b)
	b = b[m:]
	for range count {
		_, m = uvarint32(b)
		b = b[m:]
		size, m := uvarint32(b)
		b = b[m+int(size):]
	}
	return b
}

func (e *metaEntry) hash() uint64 {
	h := maphash.Bytes(nameSeed, e.name)
	if e.id != nil {
		h ^= maphash.Bytes(idSeed, e.id) * 0x9e3779b97f4a7c15
	}
	if e.null {
		h = ^h
	}
	return h
}

func (e *metaEntry) equal(o *metaEntry) bool {
	return e.null == o.null && string(e.name) == string(o.name) && string(e.id) == string(o.id)
}

// decodeMetadata walks body, then decodes it with duplicate topics
// removed; the decoded size (the dedup table, the distinct topics and
// their names) must stay within limit.
func decodeMetadata(version int16, body []byte, limit int64) (kmsg.Request, error) {
	s, err := lookup(3, version)
	if err != nil {
		return nil, err
	}
	w := walker{limit: math.MaxInt64}
	if _, err := w.walk(body, s.nodes); err != nil {
		return nil, err
	}
	req := kmsg.NewPtrMetadataRequest()
	req.SetVersion(version)
	b := body
	var count int32
	if version >= 9 {
		u, m := uvarint32(b)
		count, b = int32(u)-1, b[m:]
	} else {
		count, b = int32(binary.BigEndian.Uint32(b)), b[4:]
	}
	d := dedup{limit: limit, est: allocSize(int64(s.topSize))}
	for range max(count, 0) {
		start := len(body) - len(b)
		var e metaEntry
		e, b = readMetaEntry(b, version)
		if err := d.add(body, int32(start), &e, version); err != nil {
			return nil, err
		}
	}
	switch {
	case count > 0:
		req.Topics = d.topics(body, version)
	case count == 0 || version < 1:
		req.Topics = []kmsg.MetadataRequestTopic{}
	}
	if version >= 4 {
		req.AllowAutoTopicCreation, b = b[0] != 0, b[1:]
	}
	if version >= 8 && version <= 10 {
		req.IncludeClusterAuthorizedOperations, b = b[0] != 0, b[1:]
	}
	if version >= 8 {
		req.IncludeTopicAuthorizedOperations = b[0] != 0
	}
	return req, nil
}

// dedup is an open-addressing set of topic entries, each stored as its
// offset in the body (slots hold 1 + an index into uniq; 0 is empty).
type dedup struct {
	slots     []int32
	uniq      []int32 // offsets of the distinct entries, in order
	nameBytes int64
	est       int64 // allocated so far
	limit     int64
}

// Per distinct topic the decoded request holds a kmsg topic (32 bytes)
// and a string header its *string points to; name bytes come on top.
const metaTopicCost = 32 + stringCell

func (d *dedup) add(body []byte, off int32, e *metaEntry, version int16) error {
	if len(d.uniq)*2 >= len(d.slots) {
		if err := d.grow(body, version); err != nil {
			return err
		}
	}
	mask := uint64(len(d.slots) - 1)
	for i := e.hash() & mask; ; i = (i + 1) & mask {
		s := d.slots[i]
		if s == 0 {
			break
		}
		o, _ := readMetaEntry(body[d.uniq[s-1]:], version)
		if o.equal(e) {
			return nil // seen
		}
	}
	if len(d.uniq) == cap(d.uniq) {
		nc := max(16, 2*cap(d.uniq))
		if err := d.charge(int64(nc) * 4); err != nil {
			return err
		}
		d.uniq = append(make([]int32, 0, nc), d.uniq...)
	}
	d.uniq = append(d.uniq, off)
	d.nameBytes += int64(len(e.name))
	for i := e.hash() & mask; ; i = (i + 1) & mask {
		if d.slots[i] == 0 {
			d.slots[i] = int32(len(d.uniq))
			break
		}
	}
	// What the final request will take must fit too.
	if d.est+int64(len(d.uniq))*metaTopicCost+d.nameBytes > d.limit {
		return ErrTooLarge
	}
	return nil
}

// grow doubles the table and reinserts the entries.
func (d *dedup) grow(body []byte, version int16) error {
	n := max(32, 2*len(d.slots))
	if err := d.charge(int64(n) * 4); err != nil {
		return err
	}
	d.slots = make([]int32, n)
	mask := uint64(n - 1)
	for j, off := range d.uniq {
		e, _ := readMetaEntry(body[off:], version)
		for i := e.hash() & mask; ; i = (i + 1) & mask {
			if d.slots[i] == 0 {
				d.slots[i] = int32(j + 1)
				break
			}
		}
	}
	return nil
}

func (d *dedup) charge(n int64) error {
	d.est += allocSize(n)
	if d.est > d.limit {
		return ErrTooLarge
	}
	return nil
}

// topics builds the request's topics from the distinct entries: one
// allocation for the topics, one for the string headers, one for the
// names' bytes.
func (d *dedup) topics(body []byte, version int16) []kmsg.MetadataRequestTopic {
	out := make([]kmsg.MetadataRequestTopic, len(d.uniq))
	names := make([]string, len(d.uniq))
	var arena strings.Builder
	arena.Grow(int(d.nameBytes))
	for _, off := range d.uniq {
		e, _ := readMetaEntry(body[off:], version)
		arena.Write(e.name)
	}
	all := arena.String()
	pos := 0
	for i, off := range d.uniq {
		e, _ := readMetaEntry(body[off:], version)
		t := &out[i]
		t.Default()
		if e.id != nil {
			copy(t.TopicID[:], e.id)
		}
		if !e.null {
			names[i] = all[pos : pos+len(e.name)]
			pos += len(e.name)
			t.Topic = &names[i]
		}
	}
	d.slots, d.uniq = nil, nil
	return out
}

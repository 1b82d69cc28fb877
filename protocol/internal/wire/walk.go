package wire

// Tagged-field sections make kmsg's decoder loop once per announced tag
// even after its input ran out: a 20-byte request announcing 2^32 tags
// keeps a goroutine busy for about 25 seconds. The server therefore only
// hands kmsg flexible bodies that are known to be cheap to decode:
//
//   - Produce and Fetch (large, binary, hot) are walked first, at every
//     served version, with the exact schemas below, which reject any tag
//     count or array length the remaining bytes cannot hold, in one pass
//     without allocating. (kmsg sizes arrays from the announced length,
//     checked only against one byte per element: without the walk a large
//     crafted frame could make it allocate many times the frame's size.)
//   - Any other flexible body that holds two consecutive bytes >= 0x80 (a
//     uvarint of at least 2^14 could start there) is "suspect" and decoded
//     off the event loop and off the workers, a few at a time
//     (protocol's suspect decoder). Without such bytes every uvarint is
//     below 2^14, so a decode costs microseconds.

import (
	"encoding/binary"
	"errors"
)

// ErrMalformed: the body does not follow the request's schema.
var ErrMalformed = errors.New("wire: malformed request body")

// kind is one schema element.
type kind uint8

const (
	kI8 kind = iota
	kI16
	kI32
	kI64
	kUUID
	kStr      // compact (nullable) string
	kBytes    // compact (nullable) bytes
	kArray    // compact (nullable) array of elem structs
	kPArray   // compact (nullable) array of a fixed-size primitive (size in n)
	kTags     // tag section; known tags whose value has tag sections of its own in tagged
	kStr16    // int16-length (nullable) string
	kBytes32  // int32-length (nullable) bytes
	kArray32  // int32-length (nullable) array of elem structs
	kPArray32 // int32-length array of a fixed-size primitive (size in n)
)

type field struct {
	k      kind
	n      int                // kPArray element size
	elem   []field            // kArray element
	tagged map[uint32][]field // kTags: struct-valued tags to walk
}

var fixedSize = [...]int{kI8: 1, kI16: 2, kI32: 4, kI64: 8, kUUID: 16}

// walk checks b against fields and returns the rest.
func walk(b []byte, fields []field) ([]byte, error) {
	for i := range fields {
		f := &fields[i]
		switch f.k {
		case kI8, kI16, kI32, kI64, kUUID:
			n := fixedSize[f.k]
			if len(b) < n {
				return nil, ErrMalformed
			}
			b = b[n:]
		case kStr, kBytes:
			l, n := binary.Uvarint(b)
			if n <= 0 || l > uint64(len(b)-n)+1 {
				return nil, ErrMalformed
			}
			b = b[n:]
			if l > 0 {
				b = b[l-1:]
			}
		case kPArray, kArray:
			l, n := binary.Uvarint(b)
			if n <= 0 || l > uint64(len(b)-n)+1 {
				return nil, ErrMalformed
			}
			b = b[n:]
			if l == 0 {
				continue
			}
			count := int(l - 1)
			if f.k == kPArray {
				if count*f.n > len(b) {
					return nil, ErrMalformed
				}
				b = b[count*f.n:]
				continue
			}
			for range count {
				var err error
				if b, err = walk(b, f.elem); err != nil {
					return nil, err
				}
			}
		case kTags:
			var err error
			if b, err = walkTags(b, f.tagged); err != nil {
				return nil, err
			}
		case kStr16:
			if len(b) < 2 {
				return nil, ErrMalformed
			}
			l := int(int16(binary.BigEndian.Uint16(b)))
			b = b[2:]
			if l > len(b) {
				return nil, ErrMalformed
			}
			if l > 0 {
				b = b[l:]
			}
		case kBytes32, kArray32, kPArray32:
			if len(b) < 4 {
				return nil, ErrMalformed
			}
			l := int(int32(binary.BigEndian.Uint32(b)))
			b = b[4:]
			if l > len(b) {
				return nil, ErrMalformed
			}
			switch {
			case l <= 0:
			case f.k == kBytes32:
				b = b[l:]
			case f.k == kPArray32:
				if l*f.n > len(b) {
					return nil, ErrMalformed
				}
				b = b[l*f.n:]
			default:
				for range l {
					var err error
					if b, err = walk(b, f.elem); err != nil {
						return nil, err
					}
				}
			}
		}
	}
	return b, nil
}

func walkTags(b []byte, tagged map[uint32][]field) ([]byte, error) {
	count, n := binary.Uvarint(b)
	if n <= 0 || count > uint64(len(b)-n)/2 {
		return nil, ErrMalformed
	}
	b = b[n:]
	for range count {
		key, n := binary.Uvarint(b)
		if n <= 0 {
			return nil, ErrMalformed
		}
		b = b[n:]
		size, n := binary.Uvarint(b)
		if n <= 0 || size > uint64(len(b)-n) {
			return nil, ErrMalformed
		}
		val := b[n : n+int(size)]
		b = b[n+int(size):]
		if inner, ok := tagged[uint32(key)]; ok {
			if _, err := walk(val, inner); err != nil {
				return nil, err
			}
		}
	}
	return b, nil
}

var (
	i8    = field{k: kI8}
	i16   = field{k: kI16}
	i32   = field{k: kI32}
	i64   = field{k: kI64}
	uuid  = field{k: kUUID}
	str   = field{k: kStr}
	bytes = field{k: kBytes}
	tags  = field{k: kTags}
)

func array(elem ...field) field { return field{k: kArray, elem: elem} }
func i32s() field               { return field{k: kPArray, n: 4} }

func array32(elem ...field) field { return field{k: kArray32, elem: elem} }

var (
	str16   = field{k: kStr16}
	bytes32 = field{k: kBytes32}
	i32s32  = field{k: kPArray32, n: 4}
)

// produceClassic is Produce v3-8.
var produceClassic = []field{
	str16, i16, i32, // transactional_id, acks, timeout_ms
	array32(str16, array32(i32, bytes32)),
}

// fetchClassic returns Fetch v4-11's schema at version v.
func fetchClassic(v int16) []field {
	partition := []field{i32}
	if v >= 9 {
		partition = append(partition, i32) // current_leader_epoch
	}
	partition = append(partition, i64) // fetch_offset
	if v >= 5 {
		partition = append(partition, i64) // log_start_offset
	}
	partition = append(partition, i32)    // partition_max_bytes
	fs := []field{i32, i32, i32, i32, i8} // replica_id, max_wait, min_bytes, max_bytes, isolation
	if v >= 7 {
		fs = append(fs, i32, i32) // session id, epoch
	}
	fs = append(fs, array32(str16, array32(partition...)))
	if v >= 7 {
		fs = append(fs, array32(str16, i32s32)) // forgotten topics
	}
	if v >= 11 {
		fs = append(fs, str16) // rack
	}
	return fs
}

// produceFlexible is Produce v9-11.
var produceFlexible = []field{
	str, i16, i32, // transactional_id, acks, timeout_ms
	array(str, array(i32, bytes, tags), tags), // topics [name, partitions [index, records]]
	tags,
}

// fetchFlexible returns Fetch v12-16's schema at version v.
func fetchFlexible(v int16) []field {
	topic := str
	if v >= 13 {
		topic = uuid
	}
	partition := []field{i32, i32, i64, i32, i64, i32, tags} // partition, current_leader_epoch, fetch_offset, last_fetched_epoch, log_start_offset, partition_max_bytes
	fs := []field{}
	if v <= 14 {
		fs = append(fs, i32) // replica_id
	}
	fs = append(fs, i32, i32, i32, i8, i32, i32, // max_wait, min_bytes, max_bytes, isolation, session id, epoch
		array(topic, array(partition...), tags),
		array(topic, i32s(), tags), // forgotten topics
		str,                        // rack
		field{k: kTags, tagged: map[uint32][]field{1: {i32, i64, tags}}}) // tag 1: replica_state
	return fs
}

var fetchSchemas = func() (m [17][]field) {
	for v := int16(4); v <= 11; v++ {
		m[v] = fetchClassic(v)
	}
	for v := int16(12); v <= 16; v++ {
		m[v] = fetchFlexible(v)
	}
	return m
}()

// CheckBody screens a request body before kmsg decodes it. It returns
// ErrMalformed when an exact schema rejects it, and suspect=true when the
// body should be decoded off the event loop (see the file comment).
func CheckBody(key, version int16, flexible bool, body []byte) (suspect bool, err error) {
	var schema []field
	switch {
	case key == 0 && version >= 9 && version <= 11:
		schema = produceFlexible
	case key == 0 && version >= 3 && version <= 8:
		schema = produceClassic
	case key == 1 && version >= 4 && version <= 16:
		schema = fetchSchemas[version]
	case !flexible:
		return false, nil // no tag sections; kmsg bounds array lengths by the bytes left
	}
	if schema != nil {
		rest, err := walk(body, schema)
		if err != nil || len(rest) != 0 {
			return false, ErrMalformed
		}
		return false, nil
	}
	for i := 0; i+1 < len(body); i++ {
		if body[i]&body[i+1]&0x80 != 0 {
			return true, nil
		}
	}
	return false, nil
}

package wire

// The walk checks a request body against its schema before kmsg decodes
// it, in one pass that allocates nothing, and adds up what kmsg's decode
// will allocate. kmsg sizes each array from its announced length, checked
// only against one byte per element, and allocates 16-80 bytes per element;
// it also loops once per announced tag even past the end of its input. The
// walk therefore
//
//   - accepts exactly the bodies kmsg decodes (same lengths, nullability,
//     varint limits and tag handling; bytes after the body are ignored, as
//     kmsg and Kafka do),
//   - refuses an array whose count × the element's minimum encoded size
//     exceeds the bytes left, and a tag count above half the bytes left
//     (a tag takes at least two), before looking at any element,
//   - and estimates the decoded size: each array's count × its Go element
//     size, each string's bytes (plus the *string cell), each unknown tag's
//     map entry, all rounded up to the allocator's size classes. The caller
//     refuses a body whose estimate passes a limit (Decode: a small
//     multiple of the body), so no frame can make the broker allocate much
//     more than the frame itself.
//
// Every element takes at least one byte, so the walk costs time in
// proportion to the body.

// Estimated cost of unknown tags, kept by kmsg in a map[uint32][]byte per
// struct: measured at most ~170 bytes per entry with growth (Go 1.26).
const (
	tagMapBase  = 512
	tagMapEntry = 192
	stringCell  = 16 // the string header a *string points to
)

// walker walks one body. est is the estimated decoded size so far; the
// walk stops with ErrTooLarge as soon as it passes limit.
type walker struct {
	est   int64
	limit int64
}

func (w *walker) alloc(n int64) error {
	if n <= 0 {
		return nil
	}
	w.est += allocSize(n)
	if w.est > w.limit {
		return ErrTooLarge
	}
	return nil
}

// walk checks b against nodes and returns the rest.
func (w *walker) walk(b []byte, nodes []node) ([]byte, error) {
	for i := range nodes {
		n := &nodes[i]
		var err error
		switch n.k {
		case kI8, kI16, kI32, kI64, kUUID:
			sz := fixedSize[n.k]
			if len(b) < sz {
				return nil, ErrMalformed
			}
			b = b[sz:]
		case kStr16, kStr:
			var l int
			if n.k == kStr16 {
				if len(b) < 2 {
					return nil, ErrMalformed
				}
				l = int(int16(uint16(b[0])<<8 | uint16(b[1])))
				b = b[2:]
			} else {
				u, m := uvarint32(b)
				if m <= 0 {
					return nil, ErrMalformed
				}
				l = int(u) - 1
				b = b[m:]
			}
			if l < 0 {
				if !n.nullable {
					return nil, ErrMalformed
				}
				continue
			}
			if l > len(b) {
				return nil, ErrMalformed
			}
			b = b[l:]
			if n.ptr {
				err = w.alloc(stringCell)
			}
			if err == nil {
				err = w.alloc(int64(l))
			}
		case kBytes32:
			if len(b) < 4 {
				return nil, ErrMalformed
			}
			l := int(int32(uint32(b[0])<<24 | uint32(b[1])<<16 | uint32(b[2])<<8 | uint32(b[3])))
			b = b[4:]
			switch {
			case l < 0:
				if l != -1 && !n.nullable { // kmsg reads -1 as empty bytes
					return nil, ErrMalformed
				}
			case l > len(b):
				return nil, ErrMalformed
			default:
				b = b[l:]
			}
		case kBytes:
			u, m := uvarint32(b)
			if m <= 0 {
				return nil, ErrMalformed
			}
			b = b[m:]
			if l := int(u) - 1; l >= 0 {
				if l > len(b) {
					return nil, ErrMalformed
				}
				b = b[l:]
			}
		case kArray32, kArray:
			var count int32
			if n.k == kArray32 {
				if len(b) < 4 {
					return nil, ErrMalformed
				}
				count = int32(uint32(b[0])<<24 | uint32(b[1])<<16 | uint32(b[2])<<8 | uint32(b[3]))
				b = b[4:]
			} else {
				u, m := uvarint32(b)
				if m <= 0 {
					return nil, ErrMalformed
				}
				count = int32(u) - 1 // as kmsg: lengths of 2^31 and more read as null
				b = b[m:]
			}
			if count <= 0 {
				continue // null or empty
			}
			if int64(count)*int64(n.elemMin) > int64(len(b)) {
				return nil, ErrMalformed
			}
			if err = w.alloc(int64(count) * int64(n.elemSize)); err != nil {
				return nil, err
			}
			if len(n.elem) == 1 && n.elem[0].k <= kUUID { // fixed-size elements
				b = b[int(count)*fixedSize[n.elem[0].k]:]
				continue
			}
			for range count {
				if b, err = w.walk(b, n.elem); err != nil {
					return nil, err
				}
			}
		case kTags:
			b, err = w.walkTags(b, n)
		}
		if err != nil {
			return nil, err
		}
	}
	return b, nil
}

func (w *walker) walkTags(b []byte, n *node) ([]byte, error) {
	count, m := uvarint32(b)
	if m <= 0 {
		return nil, ErrMalformed
	}
	b = b[m:]
	if uint64(count) > uint64(len(b))/2 {
		return nil, ErrMalformed
	}
	unknown := 0
	for range count {
		key, m := uvarint32(b)
		if m <= 0 {
			return nil, ErrMalformed
		}
		b = b[m:]
		size, m := uvarint32(b)
		if m <= 0 || uint64(size) > uint64(len(b)-m) {
			return nil, ErrMalformed
		}
		val := b[m : m+int(size)]
		b = b[m+int(size):]
		if inner, ok := n.known[key]; ok {
			if _, err := w.walk(val, inner); err != nil {
				return nil, err
			}
			continue
		}
		if n.unknown {
			cost := int64(tagMapEntry)
			if unknown == 0 {
				cost += tagMapBase
			}
			unknown++
			if err := w.alloc(cost); err != nil {
				return nil, err
			}
		}
	}
	return b, nil
}

// uvarint32 decodes an unsigned varint of at most 32 bits as kmsg does: at
// most five bytes, the fifth at most 0x0f; n <= 0 when b ends first or the
// value overflows.
func uvarint32(b []byte) (v uint32, n int) {
	for i := range 4 {
		if i >= len(b) {
			return 0, 0
		}
		c := b[i]
		v |= uint32(c&0x7f) << (7 * i)
		if c < 0x80 {
			return v, i + 1
		}
	}
	if len(b) < 5 {
		return 0, 0
	}
	if b[4] > 0x0f {
		return 0, -5
	}
	return v | uint32(b[4])<<28, 5
}

package group

import "encoding/binary"

// reader decodes the classic (non-flexible) and flexible (compact, tagged)
// encodings of Kafka's generated record schemas. The first error sticks;
// nothing panics on short or hostile input.
type reader struct {
	b        []byte
	flexible bool
	err      error
}

func (r *reader) take(n int) []byte {
	if r.err != nil {
		return nil
	}
	if n < 0 || n > len(r.b) {
		r.err = ErrShortRecord
		r.b = nil
		return nil
	}
	s := r.b[:n:n]
	r.b = r.b[n:]
	return s
}

func (r *reader) int16() int16 {
	s := r.take(2)
	if s == nil {
		return 0
	}
	return int16(binary.BigEndian.Uint16(s))
}

func (r *reader) int32() int32 {
	s := r.take(4)
	if s == nil {
		return 0
	}
	return int32(binary.BigEndian.Uint32(s))
}

func (r *reader) int64() int64 {
	s := r.take(8)
	if s == nil {
		return 0
	}
	return int64(binary.BigEndian.Uint64(s))
}

func (r *reader) uvarint() uint64 {
	if r.err != nil {
		return 0
	}
	v, n := binary.Uvarint(r.b)
	if n <= 0 {
		r.err = ErrShortRecord
		return 0
	}
	r.b = r.b[n:]
	return v
}

// length returns a string/bytes length; -1 is null.
func (r *reader) length(classic int) int {
	if !r.flexible {
		return classic
	}
	v := r.uvarint()
	if v > uint64(len(r.b))+1 {
		r.err = ErrShortRecord
		return 0
	}
	return int(v) - 1
}

// string reads a (nullable) string; null reads as "".
func (r *reader) string() string {
	var n int
	if r.flexible {
		n = r.length(0)
	} else {
		n = int(r.int16())
	}
	if n < 0 {
		return ""
	}
	return string(r.take(n))
}

// bytes reads a (nullable) byte array, copied.
func (r *reader) bytes() []byte {
	var n int
	if r.flexible {
		n = r.length(0)
	} else {
		n = int(r.int32())
	}
	if n < 0 {
		return nil
	}
	s := r.take(n)
	if s == nil {
		return nil
	}
	return append([]byte{}, s...)
}

func (r *reader) arrayLen() int {
	var n int
	if r.flexible {
		n = r.length(0)
	} else {
		n = int(r.int32())
	}
	if n > len(r.b) { // every element takes at least one byte
		r.err = ErrShortRecord
		return 0
	}
	return n
}

// tags skips a tagged-field section (flexible versions only).
func (r *reader) tags() {
	if !r.flexible {
		return
	}
	n := r.uvarint()
	for i := uint64(0); i < n && r.err == nil; i++ {
		r.uvarint()
		size := r.uvarint()
		if size > uint64(len(r.b)) {
			r.err = ErrShortRecord
			return
		}
		r.take(int(size))
	}
}

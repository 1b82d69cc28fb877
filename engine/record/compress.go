package record

import (
	"bytes"
	"errors"
	"io"
	"strconv"
	"sync"

	"github.com/klauspost/compress/gzip"
	"github.com/klauspost/compress/snappy"
	"github.com/klauspost/compress/zstd"
	"github.com/pierrec/lz4/v4"
)

// DefaultMaxUncompressed bounds the decompressed size of one batch's
// records section when no limit is given (64 MiB); it is also the cap of
// the zstd decoders' window.
const DefaultMaxUncompressed = 64 << 20

// Compress appends the compressed form of src to dst. Gzip uses level 6
// (Kafka's default), snappy writes a raw snappy block (as librdkafka and
// franz-go do; Java clients read it), lz4 writes an LZ4 frame with 64 KiB
// independent blocks, zstd writes one frame at level 3.
func Compress(dst []byte, c Codec, src []byte) ([]byte, error) {
	switch c {
	case None:
		return append(dst, src...), nil
	case Gzip:
		w := gzipWriters.Get().(*gzip.Writer)
		defer gzipWriters.Put(w)
		buf := appendWriter{b: dst}
		w.Reset(&buf)
		if _, err := w.Write(src); err != nil {
			return dst, err
		}
		if err := w.Close(); err != nil {
			return dst, err
		}
		return buf.b, nil
	case Snappy:
		n := snappy.MaxEncodedLen(len(src))
		if n < 0 {
			return dst, newError(ErrMessageTooLarge, "snappy: input too large")
		}
		dst = grow(dst, n)
		out := snappy.Encode(dst[len(dst):len(dst)+n], src)
		return dst[:len(dst)+len(out)], nil
	case LZ4:
		w := lz4Writers.Get().(*lz4.Writer)
		defer lz4Writers.Put(w)
		buf := appendWriter{b: dst}
		w.Reset(&buf)
		if _, err := w.Write(src); err != nil {
			return dst, err
		}
		if err := w.Close(); err != nil {
			return dst, err
		}
		return buf.b, nil
	case Zstd:
		return zstdEncoder().EncodeAll(src, dst), nil
	}
	return dst, unsupported(c)
}

// Decompress appends the decompressed form of src to dst. It never lets
// the output grow beyond max bytes (max <= 0 means DefaultMaxUncompressed):
// a larger output fails with ErrInvalidRecord, malformed input with
// ErrCorruptMessage. Snappy input may be a raw block or xerial-framed (Java
// producers).
func Decompress(dst []byte, c Codec, src []byte, max int) ([]byte, error) {
	if max <= 0 {
		max = DefaultMaxUncompressed
	}
	out, _, err := decompress(dst, c, src, max, max)
	if errors.Is(err, errTooBig) {
		return out, tooBig(c, max, "")
	}
	return out, err
}

// decompress is Decompress with the zstd decoders' cap given apart from
// the output limit, and the number of bytes decoded before it stopped
// (also on failure: the work a Budget is charged for). A limit overrun
// fails with errTooBig, for the caller to word.
func decompress(dst []byte, c Codec, src []byte, limit, capacity int) ([]byte, int, error) {
	var (
		n   int
		err error
	)
	start := len(dst)
	switch c {
	case None:
		if len(src) > limit {
			return dst, limit + 1, errTooBig
		}
		return append(dst, src...), len(src), nil
	case Gzip:
		r := gzipReaders.Get().(*gzipReader)
		defer gzipReaders.Put(r)
		defer r.src.Reset(nil)
		r.src.Reset(src)
		if err = r.r.Reset(&r.src); err != nil {
			return dst, 0, corrupt(c, err)
		}
		dst, n, err = readBounded(dst, &r.r, limit)
	case Snappy:
		dst, err = snappyDecode(dst, src, limit)
		n = len(dst) - start
		if errors.Is(err, errTooBig) {
			n = limit + 1
		}
	case LZ4:
		r := lz4Readers.Get().(*lz4Reader)
		defer lz4Readers.Put(r)
		defer r.src.Reset(nil)
		r.src.Reset(src)
		r.r.Reset(&r.src)
		dst, n, err = readBounded(dst, r.r, limit)
	case Zstd:
		dst, n, err = zstdDecode(dst, src, limit, capacity)
	default:
		return dst, 0, unsupported(c)
	}
	if err != nil && !errors.Is(err, errTooBig) {
		err = corrupt(c, err)
	}
	return dst, n, err
}

var errTooBig = errors.New("output exceeds limit")

// tooBig words a limit overrun; what names the limit when it is not the
// batch's own ("" for the per-batch limit).
func tooBig(c Codec, max int, what string) error {
	if what == "" {
		what = "the limit of " + strconv.Itoa(max) + " bytes per batch"
	}
	return newError(ErrInvalidRecord, c.String()+": decompressed records exceed "+what)
}

func corrupt(c Codec, err error) error {
	return newError(ErrCorruptMessage, c.String()+": failed to decompress records: "+err.Error())
}

func unsupported(c Codec) error {
	return newError(ErrUnsupportedCompression, "unknown compression codec id "+strconv.Itoa(int(c)))
}

// readBounded appends everything r yields to dst, failing with errTooBig
// once more than max bytes arrive. Growth is geometric from a small start,
// so a lying size field cannot make it allocate ahead of real data. n is
// the number of bytes read, also on failure.
func readBounded(dst []byte, r io.Reader, max int) (out []byte, n int, err error) {
	start := len(dst)
	for {
		if len(dst) == cap(dst) {
			// Double what was read, from 32 KiB, but never past the
			// limit's one extra byte.
			c := len(dst) + min(len(dst)-start+32<<10, start+max+1-len(dst))
			nb := make([]byte, len(dst), c)
			copy(nb, dst)
			dst = nb
		}
		limit := cap(dst)
		if limit-start > max+1 {
			limit = start + max + 1
		}
		k, err := r.Read(dst[len(dst):limit])
		dst = dst[:len(dst)+k]
		n = len(dst) - start
		if n > max {
			return dst[:start], n, errTooBig
		}
		if err == io.EOF {
			return dst, n, nil
		}
		if err != nil {
			return dst[:start], n, err
		}
	}
}

// grow makes room for n more bytes after len(dst).
func grow(dst []byte, n int) []byte {
	if cap(dst)-len(dst) >= n {
		return dst
	}
	c := 2 * cap(dst)
	if c < len(dst)+n {
		c = len(dst) + n
	}
	nb := make([]byte, len(dst), c)
	copy(nb, dst)
	return nb
}

// appendWriter is an io.Writer appending to a slice.
type appendWriter struct{ b []byte }

func (w *appendWriter) Write(p []byte) (int, error) {
	w.b = append(w.b, p...)
	return len(p), nil
}

var gzipWriters = sync.Pool{New: func() any {
	w, _ := gzip.NewWriterLevel(nil, 6)
	return w
}}

type gzipReader struct {
	src bytes.Reader
	r   gzip.Reader
}

var gzipReaders = sync.Pool{New: func() any { return new(gzipReader) }}

var lz4Writers = sync.Pool{New: func() any {
	w := lz4.NewWriter(nil)
	_ = w.Apply(lz4.BlockSizeOption(lz4.Block64Kb), lz4.ChecksumOption(false))
	return w
}}

type lz4Reader struct {
	src bytes.Reader
	r   *lz4.Reader
}

var lz4Readers = sync.Pool{New: func() any { return &lz4Reader{r: lz4.NewReader(nil)} }}

var (
	zstdEncOnce sync.Once
	zstdEnc     *zstd.Encoder
)

func zstdEncoder() *zstd.Encoder {
	zstdEncOnce.Do(func() {
		zstdEnc, _ = zstd.NewWriter(nil, zstd.WithEncoderLevel(zstd.SpeedDefault), zstd.WithLowerEncoderMem(true))
	})
	return zstdEnc
}

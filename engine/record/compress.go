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
// records section when no limit is given (64 MiB). It is also the default
// zstd decoder memory cap (ValidateOptions.ZstdMaxMemory).
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
// a larger output fails with ErrCorruptMessage, as does malformed input.
// Snappy input may be a raw block or xerial-framed (Java producers).
func Decompress(dst []byte, c Codec, src []byte, max int) ([]byte, error) {
	if max <= 0 {
		max = DefaultMaxUncompressed
	}
	var err error
	switch c {
	case None:
		if len(src) > max {
			return dst, tooBig(c, max)
		}
		return append(dst, src...), nil
	case Gzip:
		r := gzipReaders.Get().(*gzipReader)
		defer gzipReaders.Put(r)
		defer r.src.Reset(nil)
		r.src.Reset(src)
		if err = r.r.Reset(&r.src); err != nil {
			return dst, corrupt(c, err)
		}
		dst, err = readBounded(dst, &r.r, max)
	case Snappy:
		dst, err = snappyDecode(dst, src, max)
	case LZ4:
		r := lz4Readers.Get().(*lz4Reader)
		defer lz4Readers.Put(r)
		defer r.src.Reset(nil)
		r.src.Reset(src)
		r.r.Reset(&r.src)
		dst, err = readBounded(dst, r.r, max)
	case Zstd:
		dst, err = zstdDecode(dst, src, max)
	default:
		return dst, unsupported(c)
	}
	if err != nil {
		if errors.Is(err, errTooBig) {
			return dst, tooBig(c, max)
		}
		return dst, corrupt(c, err)
	}
	return dst, nil
}

var errTooBig = errors.New("output exceeds limit")

func tooBig(c Codec, max int) error {
	return newError(ErrCorruptMessage, c.String()+": decompressed records exceed the limit of "+strconv.Itoa(max)+" bytes")
}

func corrupt(c Codec, err error) error {
	return newError(ErrCorruptMessage, c.String()+": failed to decompress records: "+err.Error())
}

func unsupported(c Codec) error {
	return newError(ErrUnsupportedCompression, "unknown compression codec id "+strconv.Itoa(int(c)))
}

// readBounded appends everything r yields to dst, failing with errTooBig
// once more than max bytes arrive. Growth is geometric from a small start,
// so a lying size field cannot make it allocate ahead of real data.
func readBounded(dst []byte, r io.Reader, max int) ([]byte, error) {
	start := len(dst)
	for {
		if len(dst) == cap(dst) {
			dst = grow(dst, 32<<10)
		}
		limit := cap(dst)
		if limit-start > max+1 {
			limit = start + max + 1
		}
		n, err := r.Read(dst[len(dst):limit])
		dst = dst[:len(dst)+n]
		if len(dst)-start > max {
			return dst[:start], errTooBig
		}
		if err == io.EOF {
			return dst, nil
		}
		if err != nil {
			return dst[:start], err
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

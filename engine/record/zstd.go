package record

import (
	"bytes"
	"sync"

	"github.com/klauspost/compress/zstd"
)

// zstd input is decoded by a streaming decoder (one goroutine, no
// read-ahead) into the caller's buffer, which stops as soon as the output
// passes the limit. The work done is therefore in proportion to the output
// allowed, whatever the frames announce: a frame without a content size
// made of RLE blocks (4 bytes of input for 128 KiB of output) costs what
// its first limit bytes cost and no more. The decoder also refuses frames
// whose window is larger than its cap, so its history buffer (window plus
// two blocks) is bounded too.
//
// Decoders are pooled per cap (in practice one: the broker's per-batch
// limit), since the cap is fixed when a decoder is made.

type zstdReader struct {
	src bytes.Reader
	d   *zstd.Decoder
}

var zstdPools struct {
	sync.Mutex
	m map[int]*sync.Pool
}

const maxZstdPools = 8

// minZstdWindow is the smallest window cap a decoder gets: producers write
// frames with windows of a few MiB even for small batches, and a smaller
// output limit is enforced while reading anyway.
const minZstdWindow = 8 << 20

func newZstdReader(capacity int) (*zstdReader, error) {
	c := uint64(max(capacity, minZstdWindow))
	d, err := zstd.NewReader(nil,
		zstd.WithDecoderConcurrency(1),
		zstd.WithDecoderMaxMemory(c),
		zstd.WithDecoderMaxWindow(min(c, zstd.MaxWindowSize)),
	)
	if err != nil {
		return nil, err
	}
	return &zstdReader{d: d}, nil
}

// zstdPool returns the pool of decoders with this cap; nil when too many
// distinct caps are in use (the caller then makes a decoder for one call).
func zstdPool(capacity int) *sync.Pool {
	zstdPools.Lock()
	defer zstdPools.Unlock()
	if p, ok := zstdPools.m[capacity]; ok {
		return p
	}
	if len(zstdPools.m) >= maxZstdPools {
		return nil
	}
	if zstdPools.m == nil {
		zstdPools.m = make(map[int]*sync.Pool)
	}
	p := &sync.Pool{}
	zstdPools.m[capacity] = p
	return p
}

// zstdDecode appends the decoding of src (one or more frames) to dst,
// reading no more than limit+1 bytes of output. capacity is the decoders'
// cap (window and memory); limit <= capacity. It returns the bytes
// produced, also on failure, for the caller's budget.
func zstdDecode(dst, src []byte, limit, capacity int) ([]byte, int, error) {
	var r *zstdReader
	pool := zstdPool(capacity)
	if pool != nil {
		r, _ = pool.Get().(*zstdReader)
	}
	if r == nil {
		var err error
		if r, err = newZstdReader(capacity); err != nil {
			return dst, 0, err
		}
	}
	r.src.Reset(src)
	if err := r.d.Reset(&r.src); err != nil {
		r.d.Close()
		return dst, 0, err
	}
	out, n, err := readBounded(dst, r.d, limit)
	if err == zstd.ErrDecoderSizeExceeded || err == zstd.ErrWindowSizeExceeded {
		err = errTooBig
	}
	r.src.Reset(nil)
	if pool != nil && r.d.Reset(nil) == nil {
		pool.Put(r)
	} else {
		r.d.Close()
	}
	return out, n, err
}

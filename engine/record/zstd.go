package record

import (
	"sync"

	"github.com/klauspost/compress/zstd"
)

// zstd decoders are safe for concurrent DecodeAll calls; one is kept per
// distinct output limit (in practice one or two: the broker-wide
// ZstdMaxMemory and the default).
var zstdDecoders struct {
	sync.Mutex
	m map[int]*zstd.Decoder
}

const maxCachedZstdDecoders = 8

// minZstdDecoderMemory is the smallest memory cap a decoder gets: the
// frame's window must fit under the cap, and producers write windows of a
// few MiB even for small batches. Smaller output limits are enforced after
// decoding, so memory stays bounded by max(limit, 8 MiB).
const minZstdDecoderMemory = 8 << 20

func zstdDecoderFor(limit int) (*zstd.Decoder, bool, error) {
	zstdDecoders.Lock()
	defer zstdDecoders.Unlock()
	if d, ok := zstdDecoders.m[limit]; ok {
		return d, true, nil
	}
	capacity := uint64(max(limit, minZstdDecoderMemory))
	d, err := zstd.NewReader(nil,
		zstd.WithDecoderConcurrency(0),
		zstd.WithDecoderMaxMemory(capacity),
		zstd.WithDecoderMaxWindow(min(capacity, zstd.MaxWindowSize)),
	)
	if err != nil {
		return nil, false, err
	}
	if zstdDecoders.m == nil {
		zstdDecoders.m = make(map[int]*zstd.Decoder)
	}
	if len(zstdDecoders.m) >= maxCachedZstdDecoders {
		return d, false, nil
	}
	zstdDecoders.m[limit] = d
	return d, true, nil
}

// zstdDecode appends the decoding of src to dst, bounded by limit bytes.
func zstdDecode(dst, src []byte, limit int) ([]byte, error) {
	d, cached, err := zstdDecoderFor(limit)
	if err != nil {
		return dst, err
	}
	if !cached {
		defer d.Close()
	}
	// Without a content size in the frame header (Java's streaming
	// producer) DecodeAll grows its output by append; give it room for a
	// typical compression ratio up front.
	var fh zstd.Header
	if fh.Decode(src) == nil && !fh.HasFCS {
		dst = grow(dst, min(limit, max(64<<10, 8*len(src))))
	}
	out, err := d.DecodeAll(src, dst[len(dst):])
	if err != nil {
		if err == zstd.ErrDecoderSizeExceeded || err == zstd.ErrWindowSizeExceeded {
			return dst, errTooBig
		}
		return dst, err
	}
	if len(out) > limit {
		return dst, errTooBig
	}
	if len(out) > 0 && cap(dst)-len(dst) >= len(out) && &dst[:len(dst)+1][len(dst)] == &out[0] {
		return dst[:len(dst)+len(out)], nil
	}
	return append(dst, out...), nil
}

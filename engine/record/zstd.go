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

func zstdDecoderFor(max int) (*zstd.Decoder, bool, error) {
	zstdDecoders.Lock()
	defer zstdDecoders.Unlock()
	if d, ok := zstdDecoders.m[max]; ok {
		return d, true, nil
	}
	window := uint64(max)
	if window < zstd.MinWindowSize {
		window = zstd.MinWindowSize
	}
	if window > zstd.MaxWindowSize {
		window = zstd.MaxWindowSize
	}
	d, err := zstd.NewReader(nil,
		zstd.WithDecoderConcurrency(0),
		zstd.WithDecoderMaxMemory(uint64(max)),
		zstd.WithDecoderMaxWindow(window),
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
	zstdDecoders.m[max] = d
	return d, true, nil
}

// zstdDecode appends the decoding of src to dst, bounded by max bytes.
func zstdDecode(dst, src []byte, max int) ([]byte, error) {
	d, cached, err := zstdDecoderFor(max)
	if err != nil {
		return dst, err
	}
	if !cached {
		defer d.Close()
	}
	out, err := d.DecodeAll(src, dst[len(dst):])
	if err != nil {
		if err == zstd.ErrDecoderSizeExceeded || err == zstd.ErrWindowSizeExceeded {
			return dst, errTooBig
		}
		return dst, err
	}
	if len(out) > max {
		return dst, errTooBig
	}
	if len(out) > 0 && cap(dst)-len(dst) >= len(out) && &dst[:len(dst)+1][len(dst)] == &out[0] {
		return dst[:len(dst)+len(out)], nil
	}
	return append(dst, out...), nil
}

package protocol

import "sync"

// Pooled byte buffers for request frame copies and encoded responses, so
// that steady-state produce and fetch traffic does not allocate a buffer
// per request.
var bufPool sync.Pool

// maxPooled keeps occasional huge buffers from being pinned by the pool.
const maxPooled = 4 << 20

func getBuf(n int) *[]byte {
	if v, ok := bufPool.Get().(*[]byte); ok {
		if cap(*v) >= n {
			*v = (*v)[:n]
			return v
		}
		bufPool.Put(v)
	}
	b := make([]byte, n, max(n, 512))
	return &b
}

func putBuf(b *[]byte) {
	if b == nil || cap(*b) > maxPooled {
		return
	}
	*b = (*b)[:0]
	bufPool.Put(b)
}

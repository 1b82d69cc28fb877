package record

import "sync"

// Decompression buffers are shared by all Validators through a pool rather
// than kept per Validator: the engine holds one Validator per partition,
// and thousands of partitions each pinning a multi-MiB buffer would add up.

// maxPooledBuffer is the largest buffer returned to the pool; a bigger one
// (a rare huge batch) is left to the garbage collector.
const maxPooledBuffer = 16 << 20

var bufPool = sync.Pool{New: func() any { return new([]byte) }}

func getBuf() *[]byte { return bufPool.Get().(*[]byte) }

// putBuf returns bp to the pool; nil is ignored.
func putBuf(bp *[]byte) {
	if bp == nil {
		return
	}
	if cap(*bp) > maxPooledBuffer {
		*bp = nil
	}
	*bp = (*bp)[:0]
	bufPool.Put(bp)
}

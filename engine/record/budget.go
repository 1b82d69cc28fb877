package record

import (
	"strconv"
	"sync/atomic"
)

// Budget bounds the bytes decompressed by several Validate calls together:
// the broker gives one to each Produce request, so that a request of many
// small batches that each inflate to the per-batch limit (decompression
// bombs) costs CPU for at most the budget, not for every batch. It is safe
// for concurrent use.
type Budget struct {
	total int64
	left  atomic.Int64
}

// NewBudget returns a budget of n bytes.
func NewBudget(n int64) *Budget {
	b := &Budget{total: n}
	b.left.Store(n)
	return b
}

// Left is what remains (never negative).
func (b *Budget) Left() int64 { return max(b.left.Load(), 0) }

// Total is the budget's size.
func (b *Budget) Total() int64 { return b.total }

func (b *Budget) charge(n int) { b.left.Add(-int64(n)) }

func (b *Budget) describe() string {
	return "the request's limit of " + strconv.FormatInt(b.total, 10) + " decompressed bytes"
}

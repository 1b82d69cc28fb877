package engine

import (
	"sluice/engine/internal/checkpoint"
)

// epochCache is Kafka's LeaderEpochFileCache: the start offset of every
// leader epoch the log has seen, ascending in both, persisted to the
// partition's leader-epoch-checkpoint. Guarded by the owning Log's mu.
type epochCache struct {
	entries []checkpoint.Epoch
}

func (c *epochCache) latest() (checkpoint.Epoch, bool) {
	if len(c.entries) == 0 {
		return checkpoint.Epoch{}, false
	}
	return c.entries[len(c.entries)-1], true
}

// assign records that epoch starts at offset; it reports whether the cache
// changed. Epochs not newer than the latest are ignored (Kafka logs a
// warning), as are start offsets below the latest's.
func (c *epochCache) assign(epoch int32, offset int64) bool {
	if epoch < 0 {
		return false
	}
	if l, ok := c.latest(); ok && (epoch <= l.Epoch || offset < l.StartOffset) {
		return false
	}
	c.entries = append(c.entries, checkpoint.Epoch{Epoch: epoch, StartOffset: offset})
	return true
}

// truncateFromEnd drops epochs starting at or after offset.
func (c *epochCache) truncateFromEnd(offset int64) bool {
	n := len(c.entries)
	for n > 0 && c.entries[n-1].StartOffset >= offset {
		n--
	}
	changed := n != len(c.entries)
	c.entries = c.entries[:n]
	return changed
}

// truncateFromStart drops epochs wholly below offset; the last of them is
// kept with its start moved up to offset.
func (c *epochCache) truncateFromStart(offset int64) bool {
	i := 0
	for i < len(c.entries) && c.entries[i].StartOffset < offset {
		i++
	}
	if i == 0 {
		return false
	}
	keep := c.entries[i-1]
	rest := c.entries[i:]
	if len(rest) > 0 && rest[0].StartOffset == offset {
		c.entries = append([]checkpoint.Epoch(nil), rest...)
		return true
	}
	keep.StartOffset = offset
	c.entries = append([]checkpoint.Epoch{keep}, rest...)
	return true
}

// endOffsetFor answers OffsetForLeaderEpoch with Kafka's semantics:
// the requested epoch's end offset (start of the next higher epoch, or the
// log end for the latest) and the largest epoch <= the requested one.
func (c *epochCache) endOffsetFor(epoch int32, logEnd int64) (int32, int64) {
	if epoch < 0 {
		return -1, -1
	}
	l, ok := c.latest()
	if ok && l.Epoch == epoch {
		return epoch, logEnd
	}
	hi := -1
	for i, e := range c.entries {
		if e.Epoch > epoch {
			hi = i
			break
		}
	}
	if hi < 0 {
		return -1, -1
	}
	if hi == 0 {
		return epoch, c.entries[0].StartOffset
	}
	return c.entries[hi-1].Epoch, c.entries[hi].StartOffset
}

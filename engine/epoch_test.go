package engine

import (
	"testing"

	"sluice/engine/internal/checkpoint"
)

func TestEpochCache(t *testing.T) {
	var c epochCache
	c.assign(0, 0)
	c.assign(2, 10)
	c.assign(2, 15) // same epoch: ignored
	c.assign(1, 20) // older: ignored
	c.assign(5, 30)
	for _, tc := range []struct {
		req       int32
		wantEpoch int32
		wantEnd   int64
	}{
		{-1, -1, -1}, {0, 0, 10}, {1, 0, 10}, {2, 2, 30}, {3, 2, 30}, {4, 2, 30}, {5, 5, 42}, {6, -1, -1},
	} {
		e, o := c.endOffsetFor(tc.req, 42)
		if e != tc.wantEpoch || o != tc.wantEnd {
			t.Errorf("endOffsetFor(%d) = (%d,%d), want (%d,%d)", tc.req, e, o, tc.wantEpoch, tc.wantEnd)
		}
	}
	c2 := epochCache{entries: append([]checkpoint.Epoch(nil), c.entries...)}
	c2.truncateFromEnd(30)
	if l, _ := c2.latest(); l.Epoch != 2 {
		t.Fatalf("truncateFromEnd: %v", c2.entries)
	}
	c.truncateFromStart(12)
	if c.entries[0] != (checkpoint.Epoch{Epoch: 2, StartOffset: 12}) || len(c.entries) != 2 {
		t.Fatalf("truncateFromStart: %v", c.entries)
	}
	// requested epoch below the earliest known
	c3 := epochCache{entries: []checkpoint.Epoch{{Epoch: 3, StartOffset: 100}}}
	if e, o := c3.endOffsetFor(1, 200); e != 1 || o != 100 {
		t.Fatalf("below earliest: %d %d", e, o)
	}
}

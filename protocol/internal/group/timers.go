package group

import (
	"container/heap"
	"time"
)

// timerKind names what a deadline is for.
type timerKind int8

const (
	timerHeartbeat timerKind = iota // member (or pending member) session expiry
	timerJoin                       // rebalance: join phase deadline (incl. initial delay)
	timerSync                       // members that have not sent SyncGroup in time
	timerRetention                  // periodic offsets expiry
	timerCgSession                  // KIP-848 member session expiry
	timerCgRevoke                   // KIP-848 member revocation deadline (rebalance timeout)
)

type timerKey struct {
	kind   timerKind
	group  string
	member string
}

type timerEntry struct {
	at  time.Time
	key timerKey
}

type timerHeap []timerEntry

func (h timerHeap) Len() int           { return len(h) }
func (h timerHeap) Less(i, j int) bool { return h[i].at.Before(h[j].at) }
func (h timerHeap) Swap(i, j int)      { h[i], h[j] = h[j], h[i] }
func (h *timerHeap) Push(x any)        { *h = append(*h, x.(timerEntry)) }
func (h *timerHeap) Pop() any {
	old := *h
	e := old[len(old)-1]
	*h = old[:len(old)-1]
	return e
}

// timers is a set of named deadlines. A key has at most one live deadline;
// rescheduling or cancelling leaves stale heap entries that are skipped (and
// compacted away when they outnumber the live ones).
type timers struct {
	live map[timerKey]time.Time
	h    timerHeap
}

func (t *timers) set(k timerKey, at time.Time) {
	if t.live == nil {
		t.live = make(map[timerKey]time.Time)
	}
	t.live[k] = at
	heap.Push(&t.h, timerEntry{at: at, key: k})
	if len(t.h) > 64 && len(t.h) > 4*len(t.live) {
		t.compact()
	}
}

func (t *timers) cancel(k timerKey) { delete(t.live, k) }

func (t *timers) has(k timerKey) bool { _, ok := t.live[k]; return ok }

func (t *timers) compact() {
	h := t.h[:0]
	for _, e := range t.h {
		if at, ok := t.live[e.key]; ok && at.Equal(e.at) {
			h = append(h, e)
		}
	}
	t.h = h
	heap.Init(&t.h)
}

func (t *timers) skipStale() {
	for len(t.h) > 0 {
		e := t.h[0]
		if at, ok := t.live[e.key]; ok && at.Equal(e.at) {
			return
		}
		heap.Pop(&t.h)
	}
}

// next returns the earliest live deadline.
func (t *timers) next() (time.Time, bool) {
	t.skipStale()
	if len(t.h) == 0 {
		return time.Time{}, false
	}
	return t.h[0].at, true
}

// popDue removes and returns one due key (deadline <= now).
func (t *timers) popDue(now time.Time) (timerKey, bool) {
	t.skipStale()
	if len(t.h) == 0 || t.h[0].at.After(now) {
		return timerKey{}, false
	}
	e := heap.Pop(&t.h).(timerEntry)
	delete(t.live, e.key)
	return e.key, true
}

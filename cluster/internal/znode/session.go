package znode

import "sync"

// sessionQueue delivers session events without ever blocking the tree: a
// channel of one slot; a new event merges with an unread one (an unread
// expiry survives: the reader still learns the session was lost).
type sessionQueue struct {
	mu     sync.Mutex
	ch     chan SessionEvent
	closed bool
}

func newSessionQueue() *sessionQueue { return &sessionQueue{ch: make(chan SessionEvent, 1)} }

func (q *sessionQueue) push(ev SessionEvent) {
	q.mu.Lock()
	defer q.mu.Unlock()
	if q.closed {
		return
	}
	select {
	case old := <-q.ch:
		if old.State == SessionExpired && ev.State != SessionAuthFailed {
			ev.State = SessionExpired
		}
		if ev.SessionID == 0 {
			ev.SessionID = old.SessionID
		}
	default:
	}
	q.ch <- ev // cannot block: only pushers (serialized by mu) fill the slot
}

func (q *sessionQueue) close() {
	q.mu.Lock()
	defer q.mu.Unlock()
	if !q.closed {
		q.closed = true
		close(q.ch)
	}
}

package protocol

import (
	"fmt"
	"sync"
	"time"

	"sluice/protocol/handlers"
)

// Suspect bodies (see wire.CheckBody) are decoded neither on the event loop
// nor on the workers: a malicious one can keep kmsg busy for up to ~25 s. A
// few dedicated goroutines decode them from a bounded queue; a connection
// that sends one while the queue is full is closed. Legitimate suspect
// bodies (e.g. JoinGroup metadata with high bytes) decode in microseconds,
// so the queue only fills under attack.
const (
	suspectDecoders = 4
	suspectQueue    = 512
)

type suspectPool struct {
	work chan *pending
	wg   sync.WaitGroup
	mu   struct {
		sync.RWMutex
		stopped bool // work is closed
	}
}

func newSuspectPool(h *Handler) *suspectPool {
	sp := &suspectPool{work: make(chan *pending, suspectQueue)}
	sp.wg.Add(suspectDecoders)
	for range suspectDecoders {
		go func() {
			defer sp.wg.Done()
			for p := range sp.work {
				p.decodeErr = h.decode(p, p.body)
				close(p.decoded)
			}
		}()
	}
	return sp
}

// stop ends the decoders after the queued bodies; a decoder stuck in a
// malicious body delays it by at most that body's cost.
func (sp *suspectPool) stop() {
	sp.mu.Lock()
	if !sp.mu.stopped {
		sp.mu.stopped = true
		close(sp.work)
	}
	sp.mu.Unlock()
	sp.wg.Wait()
}

// decodeSuspect queues p.body for decoding; false when the queue is full.
func (h *Handler) decodeSuspect(p *pending) bool {
	sp := h.suspects
	sp.mu.RLock()
	defer sp.mu.RUnlock()
	if sp.mu.stopped {
		return false
	}
	p.decoded = make(chan struct{})
	select {
	case sp.work <- p:
		return true
	default:
		p.decoded = nil
		return false
	}
}

// awaitDecode parks p until its decode ended, then runs it.
func (h *Handler) awaitDecode(p *pending) *handlers.Park {
	return &handlers.Park{
		Wake:     []<-chan struct{}{p.decoded},
		Deadline: time.Now().Add(time.Minute),
		Resume: func(bool) handlers.Reply {
			select {
			case <-p.decoded:
			default: // connection closed or shutdown first
				return handlers.Reply{Close: true}
			}
			if p.decodeErr != nil {
				h.log.Info("closing connection", "conn", p.call.ConnID, "remote", p.call.Remote,
					"reason", fmt.Errorf("%w: %s v%d: %v", errMalformed, p.api.Name, p.call.Version, p.decodeErr))
				return handlers.Reply{Close: true}
			}
			return h.run(p)
		},
	}
}

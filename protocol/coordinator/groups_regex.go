package coordinator

// The Groups' regex resolver: the coordinator's ResolveRegexes actions
// (KIP-848 SubscribedTopicRegex, see protocol/internal/group/regex.go) are
// matched here, one at a time on this goroutine, so a costly regex against
// many topics never stalls the coordinator; each answer goes back as
// RegexesResolved. The coordinator keeps at most one request per group in
// flight, so the queue holds at most one entry per group.

import (
	"sync"

	"sluice/protocol/internal/group"
)

type resolver struct {
	mu struct {
		sync.Mutex
		queue  []group.ResolveRegexes
		closed bool
	}
	cond sync.Cond
	wg   sync.WaitGroup
}

func (g *Groups) startResolver() {
	r := &g.resolve
	r.cond.L = &r.mu.Mutex
	r.wg.Add(1)
	go func() {
		defer r.wg.Done()
		for {
			r.mu.Lock()
			for len(r.mu.queue) == 0 && !r.mu.closed {
				r.cond.Wait()
			}
			if r.mu.closed {
				r.mu.Unlock()
				return
			}
			a := r.mu.queue[0]
			r.mu.queue = r.mu.queue[1:]
			r.mu.Unlock()
			g.runner.Submit(group.RegexesResolved{Group: a.Group, Seq: a.Seq, Topics: a.Resolve()})
		}
	}()
}

// enqueueResolve is the runner's Resolve callback (must not block).
func (g *Groups) enqueueResolve(a group.ResolveRegexes) {
	r := &g.resolve
	r.mu.Lock()
	r.mu.queue = append(r.mu.queue, a)
	r.mu.Unlock()
	r.cond.Signal()
}

func (g *Groups) stopResolver() {
	r := &g.resolve
	r.mu.Lock()
	r.mu.closed = true
	r.mu.Unlock()
	r.cond.Broadcast()
	r.wg.Wait()
}

package protocol

import "sync"

// workerPool runs tasks on a fixed number of goroutines (num.io.threads).
// Submit never blocks (the event loop calls it): the queue is unbounded,
// but holds at most one task per connection plus resumed long polls,
// because each connection's requests are processed one at a time.
type workerPool struct {
	wg sync.WaitGroup
	mu struct {
		sync.Mutex
		cond    sync.Cond
		tasks   []func()
		head    int
		stopped bool
	}
}

func newWorkerPool(n int) *workerPool {
	p := &workerPool{}
	p.mu.cond.L = &p.mu.Mutex
	p.wg.Add(n)
	for range n {
		go p.work()
	}
	return p
}

// Submit queues fn. After Stop, fn runs on the caller's goroutine so that
// no request is left unanswered.
func (p *workerPool) Submit(fn func()) {
	p.mu.Lock()
	if p.mu.stopped {
		p.mu.Unlock()
		fn()
		return
	}
	p.mu.tasks = append(p.mu.tasks, fn)
	p.mu.Unlock()
	p.mu.cond.Signal()
}

func (p *workerPool) work() {
	defer p.wg.Done()
	for {
		p.mu.Lock()
		for p.mu.head == len(p.mu.tasks) && !p.mu.stopped {
			p.mu.cond.Wait()
		}
		if p.mu.head == len(p.mu.tasks) {
			p.mu.Unlock()
			return
		}
		fn := p.mu.tasks[p.mu.head]
		p.mu.tasks[p.mu.head] = nil
		p.mu.head++
		if p.mu.head == len(p.mu.tasks) {
			p.mu.tasks, p.mu.head = p.mu.tasks[:0], 0
		}
		p.mu.Unlock()
		fn()
	}
}

// Stop lets the workers finish the queued tasks, then ends them.
func (p *workerPool) Stop() {
	p.mu.Lock()
	p.mu.stopped = true
	p.mu.Unlock()
	p.mu.cond.Broadcast()
	p.wg.Wait()
}

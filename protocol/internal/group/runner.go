package group

import (
	"sync"
	"time"

	"github.com/twmb/franz-go/pkg/kmsg"
)

// Runner is the thin, Kafka-agnostic part of the adapter: it owns a
// Coordinator on one goroutine, feeds it events in submission order with
// the wall clock, keeps one timer for SetTimer, and hands Respond and Append
// actions to callbacks. The protocol layer supplies the callbacks (encode
// and send the response; append the records through the cluster layer and
// Submit the AppendDone). Submit never blocks, so it is safe to call from an
// event loop.
type Runner struct {
	c   *Coordinator
	cfg RunnerConfig

	mu struct {
		sync.Mutex
		queue  []Event
		closed bool
	}
	wake chan struct{}
	done chan struct{}
}

// RunnerConfig holds the Runner's callbacks, called on its goroutine; they
// must not block.
type RunnerConfig struct {
	// Respond sends msg as the response to request id.
	Respond func(id uint64, msg kmsg.Response)
	// Append appends recs as one batch to __consumer_offsets partition
	// partition, then Submits AppendDone{partition, token, code}.
	Append func(partition int32, token uint64, recs []Record)
	// Resolve matches a's regexes (a.Resolve(), which may take a while) and
	// Submits RegexesResolved{a.Group, a.Seq, result}; it must not block.
	Resolve func(a ResolveRegexes)
	// Now is the clock (default time.Now).
	Now func() time.Time
}

// StartRunner starts the goroutine that owns c; Close stops it.
func StartRunner(c *Coordinator, cfg RunnerConfig) *Runner {
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	r := &Runner{c: c, cfg: cfg, wake: make(chan struct{}, 1), done: make(chan struct{})}
	go r.run()
	return r
}

// Submit queues an event; false once the Runner is closed.
func (r *Runner) Submit(ev Event) bool {
	r.mu.Lock()
	if r.mu.closed {
		r.mu.Unlock()
		return false
	}
	r.mu.queue = append(r.mu.queue, ev)
	// Signal under the lock: Close closes wake under it too, so a Submit
	// racing a Close never sends on a closed channel.
	select {
	case r.wake <- struct{}{}:
	default:
	}
	r.mu.Unlock()
	return true
}

// inspect runs fn on the Runner's goroutine.
type inspect struct {
	fn   func(*Coordinator)
	done chan struct{}
}

func (inspect) isEvent() {}

// Metrics returns the coordinator's Metrics, read on the Runner's
// goroutine; the zero Metrics once closed.
func (r *Runner) Metrics() Metrics {
	var m Metrics
	ev := inspect{fn: func(c *Coordinator) { m = c.Metrics() }, done: make(chan struct{})}
	if !r.Submit(ev) {
		return m
	}
	select {
	case <-ev.done:
	case <-r.done:
	}
	return m
}

// Close stops the goroutine after the events already queued, and waits.
func (r *Runner) Close() {
	r.mu.Lock()
	if !r.mu.closed {
		r.mu.closed = true
		close(r.wake)
	}
	r.mu.Unlock()
	<-r.done
}

func (r *Runner) run() {
	defer close(r.done)
	timer := time.NewTimer(time.Hour)
	timer.Stop()
	defer timer.Stop()
	for {
		select {
		case _, ok := <-r.wake:
			r.mu.Lock()
			evs := r.mu.queue
			r.mu.queue = nil
			r.mu.Unlock()
			for _, ev := range evs {
				if in, ok := ev.(inspect); ok {
					in.fn(r.c)
					close(in.done)
					continue
				}
				r.apply(timer, r.c.Handle(r.cfg.Now(), ev))
			}
			if !ok {
				return
			}
		case <-timer.C:
			r.apply(timer, r.c.Handle(r.cfg.Now(), Tick{}))
		}
	}
}

func (r *Runner) apply(timer *time.Timer, acts []Action) {
	for _, a := range acts {
		switch a := a.(type) {
		case Respond:
			r.cfg.Respond(a.To, a.Msg)
		case Append:
			r.cfg.Append(a.Partition, a.Token, a.Records)
		case ResolveRegexes:
			if r.cfg.Resolve != nil {
				r.cfg.Resolve(a)
			}
		case SetTimer:
			timer.Stop()
			if !a.At.IsZero() {
				timer.Reset(max(time.Until(a.At), 0))
			}
		}
	}
}

package perf

import (
	"fmt"
	"io"
	"os"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"golang.org/x/sys/unix"
)

// IsTerminal reports whether f is a terminal.
func IsTerminal(f *os.File) bool {
	_, err := unix.IoctlGetTermios(int(f.Fd()), unix.TCGETS)
	return err == nil
}

// counters are the live totals the progress reporter reads.
type counters struct {
	records atomic.Int64
	bytes   atomic.Int64
	errors  atomic.Int64
}

// progress prints the live rate: on a terminal a bar redrawn in place
// twice a second, otherwise a plain line every interval.
type progress struct {
	w        io.Writer
	tty      bool
	interval time.Duration
	total    int64 // 0: unknown
	verb     string
	c        *counters

	stop chan struct{}
	wg   sync.WaitGroup
}

func startProgress(w io.Writer, tty bool, interval time.Duration, total int64, verb string, c *counters) *progress {
	if w == nil {
		return nil
	}
	if tty {
		interval = 500 * time.Millisecond
	} else if interval <= 0 {
		interval = 5 * time.Second
	}
	p := &progress{w: w, tty: tty, interval: interval, total: total, verb: verb, c: c, stop: make(chan struct{})}
	p.wg.Add(1)
	go p.loop()
	return p
}

func (p *progress) loop() {
	defer p.wg.Done()
	t := time.NewTicker(p.interval)
	defer t.Stop()
	start := time.Now()
	lastT, lastN, lastB := start, int64(0), int64(0)
	for {
		select {
		case <-p.stop:
			if p.tty {
				fmt.Fprint(p.w, "\r\033[K")
			}
			return
		case now := <-t.C:
			n, b := p.c.records.Load(), p.c.bytes.Load()
			dt := now.Sub(lastT).Seconds()
			rate, mb := float64(n-lastN)/dt, float64(b-lastB)/dt/(1<<20)
			lastT, lastN, lastB = now, n, b
			if p.tty {
				fmt.Fprintf(p.w, "\r\033[K%s %d records %s, %.0f records/sec (%.2f MB/sec), %d errors",
					p.bar(n), n, p.verb, rate, mb, p.c.errors.Load())
			} else {
				fmt.Fprintf(p.w, "%s %d records %s, %.1f records/sec (%.2f MB/sec), %d errors\n",
					now.Sub(start).Truncate(time.Second), n, p.verb, rate, mb, p.c.errors.Load())
			}
		}
	}
}

func (p *progress) bar(n int64) string {
	if p.total <= 0 {
		return ""
	}
	const width = 30
	frac := min(1, float64(n)/float64(p.total))
	full := int(frac * width)
	return fmt.Sprintf("[%s%s] %5.1f%%", strings.Repeat("#", full), strings.Repeat(".", width-full), frac*100)
}

// end stops the reporter and waits for it.
func (p *progress) end() {
	if p == nil {
		return
	}
	close(p.stop)
	p.wg.Wait()
}

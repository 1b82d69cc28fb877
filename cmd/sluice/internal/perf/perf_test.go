package perf

import (
	"bytes"
	"strings"
	"sync"
	"testing"
	"time"

	"sluice/cmd/sluice/internal/hist"
)

func TestResultText(t *testing.T) {
	var h hist.Histogram
	for us := int64(1000); us <= 100_000; us += 1000 { // 1..100 ms
		h.Record(us)
	}
	r := newResult("produce", 100, 100<<20, 0, 2*time.Second, &h)
	if r.RecordsPerSec != 50 || r.MBPerSec != 50 {
		t.Errorf("rates %v %v", r.RecordsPerSec, r.MBPerSec)
	}
	// Quantiles are the histogram's bucket tops: within 1/128 above exact.
	near := func(got, exact float64) bool { return got >= exact && got <= exact*(1+1.0/128) }
	if !near(r.Latency.P50, 50) || !near(r.Latency.P95, 95) || !near(r.Latency.P99, 99) || r.Latency.Max != 100 || r.Latency.Avg != 50.5 {
		t.Errorf("latency %+v", r.Latency)
	}
	var b bytes.Buffer
	if err := r.WriteText(&b); err != nil {
		t.Fatal(err)
	}
	want := "100 records sent in 2.00 s, 50.0 records/sec (50.00 MB/sec), 0 errors\n" +
		"latency ms: avg 50.50, p50 50.17, p95 95.23, p99 99.33, p99.9 100.00, max 100.00\n"
	if b.String() != want {
		t.Errorf("got\n%s\nwant\n%s", b.String(), want)
	}
}

// syncBuffer is a bytes.Buffer safe for the progress goroutine.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

func TestProgressPlainLines(t *testing.T) {
	var c counters
	var out syncBuffer
	p := startProgress(&out, false, 20*time.Millisecond, 1000, "sent", &c)
	c.records.Add(500)
	time.Sleep(110 * time.Millisecond)
	p.end()
	lines := strings.Split(strings.TrimSpace(out.String()), "\n")
	if len(lines) < 2 || !strings.Contains(lines[0], "500 records sent") || !strings.Contains(lines[0], "records/sec") {
		t.Errorf("progress lines:\n%s", out.String())
	}
	if strings.Contains(out.String(), "\r") {
		t.Error("plain progress redraws in place")
	}
}

func TestProgressBar(t *testing.T) {
	p := &progress{total: 200}
	if got := p.bar(50); got != "[#######.......................]  25.0%" {
		t.Errorf("bar(50) = %q", got)
	}
	if got := p.bar(500); !strings.Contains(got, "100.0%") {
		t.Errorf("bar past total = %q", got)
	}
}

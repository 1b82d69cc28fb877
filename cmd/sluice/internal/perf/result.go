package perf

import (
	"fmt"
	"io"
	"time"

	"sluice/cmd/sluice/internal/hist"
)

// Result is a run's summary.
type Result struct {
	Mode          string        `json:"mode"` // produce or consume
	Records       int64         `json:"records"`
	Bytes         int64         `json:"bytes"`
	Errors        int64         `json:"errors"`
	Elapsed       time.Duration `json:"-"`
	ElapsedSec    float64       `json:"elapsed_seconds"`
	RecordsPerSec float64       `json:"records_per_sec"`
	MBPerSec      float64       `json:"mb_per_sec"`
	Latency       Latency       `json:"latency_ms"`
	FirstError    string        `json:"first_error,omitempty"`
}

// Latency quantiles in milliseconds.
type Latency struct {
	Avg  float64 `json:"avg"`
	P50  float64 `json:"p50"`
	P95  float64 `json:"p95"`
	P99  float64 `json:"p99"`
	P999 float64 `json:"p99_9"`
	Max  float64 `json:"max"`
}

// latencyFrom reads quantiles from a histogram of microseconds.
func latencyFrom(h *hist.Histogram) Latency {
	ms := func(us int64) float64 { return float64(us) / 1000 }
	return Latency{
		Avg: h.Mean() / 1000, P50: ms(h.Quantile(0.50)), P95: ms(h.Quantile(0.95)),
		P99: ms(h.Quantile(0.99)), P999: ms(h.Quantile(0.999)), Max: ms(h.Max()),
	}
}

func newResult(mode string, records, bytes, errs int64, elapsed time.Duration, h *hist.Histogram) Result {
	r := Result{Mode: mode, Records: records, Bytes: bytes, Errors: errs, Elapsed: elapsed, ElapsedSec: elapsed.Seconds(), Latency: latencyFrom(h)}
	if s := elapsed.Seconds(); s > 0 {
		r.RecordsPerSec = float64(records) / s
		r.MBPerSec = float64(bytes) / s / (1 << 20)
	}
	return r
}

// WriteText prints the summary as kafka-producer-perf-test does, on one
// line, then the latency quantiles.
func (r Result) WriteText(w io.Writer) error {
	verb := "sent"
	if r.Mode == "consume" {
		verb = "consumed"
	}
	_, err := fmt.Fprintf(w, "%d records %s in %.2f s, %.1f records/sec (%.2f MB/sec), %d errors\n"+
		"latency ms: avg %.2f, p50 %.2f, p95 %.2f, p99 %.2f, p99.9 %.2f, max %.2f\n",
		r.Records, verb, r.ElapsedSec, r.RecordsPerSec, r.MBPerSec, r.Errors,
		r.Latency.Avg, r.Latency.P50, r.Latency.P95, r.Latency.P99, r.Latency.P999, r.Latency.Max)
	if err == nil && r.FirstError != "" {
		_, err = fmt.Fprintf(w, "first error: %s\n", r.FirstError)
	}
	return err
}

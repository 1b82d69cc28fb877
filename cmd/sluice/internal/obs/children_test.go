package obs

import (
	"strings"
	"sync"
	"testing"
	"time"
)

// Goroutines racing to create the same cached children all count into one
// series; a topic only fetched from gets no bytes-in series.
func TestCachedChildrenConcurrent(t *testing.T) {
	m := NewMetrics()
	srv, err := Serve("127.0.0.1:0", m, func() (bool, string) { return true, "" })
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	var wg sync.WaitGroup
	for range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range 100 {
				m.BytesIn("t", 1)
				m.BytesOut("read-only", 2)
				m.ObserveRequest(0, int16(7+i%2), 10, time.Millisecond, 0)
				m.RequestErrors(0, 3, 1)
			}
		}()
	}
	wg.Wait()
	_, body := scrape(t, srv, "/metrics")
	for series, want := range map[string]float64{
		`kafka_server_brokertopicmetrics_bytesin_total{topic="t"}`:                                        800,
		`kafka_server_brokertopicmetrics_bytesout_total{topic="read-only"}`:                               1600,
		`kafka_network_requestmetrics_requests_total{request="Produce",version="7"}`:                      400,
		`kafka_network_requestmetrics_requests_total{request="Produce",version="8"}`:                      400,
		`kafka_network_requestmetrics_requestbytes_total{request="Produce"}`:                              8000,
		`kafka_network_requestmetrics_errors_total{error="UNKNOWN_TOPIC_OR_PARTITION",request="Produce"}`: 800,
	} {
		if got := value(t, body, series); got != want {
			t.Errorf("%s = %v, want %v", series, got, want)
		}
	}
	if strings.Contains(body, `bytesin_total{topic="read-only"}`) {
		t.Error("a topic only fetched from has a bytes-in series")
	}
}

// What the protocol layer records per produce request (ObserveRequest,
// RequestErrors, BytesIn, MessagesIn), through the cache and, for
// comparison, with a WithLabelValues lookup per call as before.
func BenchmarkRecordProduce(b *testing.B) {
	m := NewMetrics()
	b.Run("cached", func(b *testing.B) {
		b.ReportAllocs()
		for range b.N {
			m.ObserveRequest(0, 9, 400<<10, time.Millisecond, 0)
			m.RequestErrors(0, 0, 1)
			m.BytesIn("loadgen", 400<<10)
			m.MessagesIn("loadgen", 4000)
		}
	})
	b.Run("withLabelValues", func(b *testing.B) {
		b.ReportAllocs()
		for range b.N {
			name := apiName(0)
			m.requests.WithLabelValues(name, "9").Inc()
			m.requestBytes.WithLabelValues(name).Add(400 << 10)
			m.requestTime.WithLabelValues(name).Observe(0.001)
			m.errors.WithLabelValues(name, errorName(0)).Add(1)
			m.bytesIn.WithLabelValues("loadgen").Add(400 << 10)
			m.messagesIn.WithLabelValues("loadgen").Add(4000)
		}
	})
}

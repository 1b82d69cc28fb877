package obs

import (
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
)

// Metrics holds the broker's Prometheus collectors, registered in their own
// registry together with the Go runtime and process collectors. Event
// metrics (bytes, requests, flushes, long-poll waits) are fed through the
// methods below, which are safe for concurrent use; state metrics
// (partitions, log sizes, groups, lag) are read at scrape time from the
// function given to SetStateFunc.
type Metrics struct {
	reg *prometheus.Registry

	bytesIn, bytesOut, messagesIn *prometheus.CounterVec // {topic}
	requests                      *prometheus.CounterVec // {request,version}
	requestBytes                  *prometheus.CounterVec // {request}
	requestTime                   *prometheus.HistogramVec
	errors                        *prometheus.CounterVec // {request,error}
	connections                   prometheus.Gauge
	flushTime                     prometheus.Histogram
	fetchWaits                    *prometheus.CounterVec // {outcome}
	fetchWaitTime                 prometheus.Histogram
	state                         *stateCollector
	kids                          children // cached children (children.go)
}

// Recorder is the event side of Metrics: what the protocol, network and
// engine layers report as it happens. Those packages cannot import this
// internal package; each declares the subset it calls as its own interface
// (structural typing) and cmd/sluice passes a *Metrics.
type Recorder interface {
	ObserveRequest(apiKey, version int16, bytes int, latency time.Duration, errCode int16)
	RequestErrors(apiKey, code int16, n int)
	BytesIn(topic string, n int)
	BytesOut(topic string, n int)
	MessagesIn(topic string, n int)
	ConnOpened()
	ConnClosed()
	LogFlush(d time.Duration)
	FetchWait(d time.Duration, satisfied bool)
}

var _ Recorder = (*Metrics)(nil)

// latencyBuckets span 100µs to ~50s, for request, flush and wait times.
var latencyBuckets = prometheus.ExponentialBuckets(0.0001, 2.5, 15)

// NewMetrics returns a Metrics with every collector registered.
func NewMetrics() *Metrics {
	m := &Metrics{reg: prometheus.NewRegistry()}
	m.reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	counterVec := func(name, help string, labels ...string) *prometheus.CounterVec {
		c := prometheus.NewCounterVec(prometheus.CounterOpts{Name: name, Help: help}, labels)
		m.reg.MustRegister(c)
		return c
	}
	m.bytesIn = counterVec("kafka_server_brokertopicmetrics_bytesin_total",
		"Bytes of record batches appended from producers (BytesInPerSec).", "topic")
	m.bytesOut = counterVec("kafka_server_brokertopicmetrics_bytesout_total",
		"Bytes of record batches sent to fetchers (BytesOutPerSec).", "topic")
	m.messagesIn = counterVec("kafka_server_brokertopicmetrics_messagesin_total",
		"Records appended from producers (MessagesInPerSec).", "topic")
	m.requests = counterVec("kafka_network_requestmetrics_requests_total",
		"Requests handled, by API and version (RequestsPerSec).", "request", "version")
	m.requestBytes = counterVec("kafka_network_requestmetrics_requestbytes_total",
		"Bytes of request frames received, by API (RequestBytes).", "request")
	m.errors = counterVec("kafka_network_requestmetrics_errors_total",
		"Error codes returned, by API and error name; NONE counts successes (ErrorsPerSec).", "request", "error")
	m.requestTime = prometheus.NewHistogramVec(prometheus.HistogramOpts{
		Name:    "kafka_network_requestmetrics_totaltime_seconds",
		Help:    "Time from receiving a request to handing over its response, by API (TotalTimeMs).",
		Buckets: latencyBuckets,
	}, []string{"request"})
	m.connections = prometheus.NewGauge(prometheus.GaugeOpts{
		Name: "kafka_server_socketservermetrics_connection_count",
		Help: "Open client connections (socket-server-metrics connection-count).",
	})
	m.flushTime = prometheus.NewHistogram(prometheus.HistogramOpts{
		Name:    "kafka_log_logflushstats_logflushtime_seconds",
		Help:    "Time to fsync a log (LogFlushRateAndTimeMs).",
		Buckets: latencyBuckets,
	})
	m.fetchWaits = counterVec("kafka_server_delayedfetchmetrics_waits_total",
		"Fetch long polls that parked, by how they ended: satisfied (data arrived) or expired (max.wait.ms).", "outcome")
	m.fetchWaitTime = prometheus.NewHistogram(prometheus.HistogramOpts{
		Name:    "kafka_server_delayedfetchmetrics_wait_seconds",
		Help:    "Time fetch long polls spent parked.",
		Buckets: latencyBuckets,
	})
	m.state = newStateCollector()
	m.reg.MustRegister(m.requestTime, m.connections, m.flushTime, m.fetchWaitTime, m.state)
	return m
}

// Registry is the registry /metrics serves; other packages may register
// their own collectors in it.
func (m *Metrics) Registry() *prometheus.Registry { return m.reg }

// ObserveRequest records one handled request: its API key and version, the
// request frame size and the time from receipt to response. errCode (the
// first error in the response) is not counted here: RequestErrors counts
// every code the response carries.
func (m *Metrics) ObserveRequest(apiKey, version int16, bytes int, latency time.Duration, errCode int16) {
	c := m.request(apiKey, version)
	c.requests.Inc()
	c.bytes.Add(float64(bytes))
	c.time.Observe(latency.Seconds())
}

// RequestErrors counts n occurrences of error code in one response to
// apiKey (ErrorsPerSec: per partition, topic or group as the response
// carries them; code 0, NONE, counts successes).
func (m *Metrics) RequestErrors(apiKey, code int16, n int) {
	m.errorCounter(apiKey, code).Add(float64(n))
}

// BytesIn counts n bytes of record batches appended to topic by a producer.
func (m *Metrics) BytesIn(topic string, n int) {
	topicCounter(&m.kids.bytesIn, m.bytesIn, topic).Add(float64(n))
}

// BytesOut counts n bytes of record batches sent to a fetcher from topic.
func (m *Metrics) BytesOut(topic string, n int) {
	topicCounter(&m.kids.bytesOut, m.bytesOut, topic).Add(float64(n))
}

// MessagesIn counts n records appended to topic by a producer.
func (m *Metrics) MessagesIn(topic string, n int) {
	topicCounter(&m.kids.messagesIn, m.messagesIn, topic).Add(float64(n))
}

// ConnOpened and ConnClosed track the open connection count.
func (m *Metrics) ConnOpened() { m.connections.Inc() }

// ConnClosed is the counterpart of ConnOpened.
func (m *Metrics) ConnClosed() { m.connections.Dec() }

// LogFlush records the duration of one log fsync.
func (m *Metrics) LogFlush(d time.Duration) { m.flushTime.Observe(d.Seconds()) }

// FetchWait records a fetch long poll that parked for d; satisfied is true
// when data arrived before max.wait.ms.
func (m *Metrics) FetchWait(d time.Duration, satisfied bool) {
	outcome := "expired"
	if satisfied {
		outcome = "satisfied"
	}
	m.fetchWaits.WithLabelValues(outcome).Inc()
	m.fetchWaitTime.Observe(d.Seconds())
}

// SetStateFunc installs the function the state metrics are read from at
// each scrape. It is called on the scraping goroutine and must be safe for
// concurrent use; it fills s and returns.
func (m *Metrics) SetStateFunc(f func(s *State)) { m.state.set(f) }

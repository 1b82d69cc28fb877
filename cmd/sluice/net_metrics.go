package main

import (
	"github.com/prometheus/client_golang/prometheus"

	"sluice/cmd/sluice/internal/broker"
)

// netCollector exports the network layer's counters (netio.Stats) and the
// listener's state, read at scrape time. Kafka has no equivalents for most
// of them, hence the sluice_ prefix.
type netCollector struct{ b *broker.Broker }

var (
	descAcceptErrors = prometheus.NewDesc("sluice_network_accept_errors_total",
		"accept(2) failures on the client listener (e.g. too many open files); the listener backs off and retries.", nil, nil)
	descAccepting = prometheus.NewDesc("sluice_network_listener_accepting",
		"1 while the client listener accepts new connections, 0 at max.connections, while accept fails, or shutting down.", nil, nil)
	descRejected = prometheus.NewDesc("sluice_network_connections_rejected_total",
		"Connections closed at once for max.connections.per.ip.", nil, nil)
	descMuted = prometheus.NewDesc("sluice_network_muted_connections",
		"Connections not being read now: at their bound of queued requests or unsent responses, or waiting for queued.max.request.bytes.", nil, nil)
	descMutes = prometheus.NewDesc("sluice_network_mutes_total",
		"Times a connection stopped being read.", nil, nil)
	descQueuedBytes = prometheus.NewDesc("sluice_network_queued_request_bytes",
		"Request bytes held now (read, not yet answered); bounded by queued.max.request.bytes.", nil, nil)
	descBudgetWaits = prometheus.NewDesc("sluice_network_queued_request_bytes_waits_total",
		"Times a connection waited because queued.max.request.bytes was reached.", nil, nil)
)

func (netCollector) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range []*prometheus.Desc{descAcceptErrors, descAccepting, descRejected, descMuted, descMutes, descQueuedBytes, descBudgetWaits} {
		ch <- d
	}
}

func (c netCollector) Collect(ch chan<- prometheus.Metric) {
	st := c.b.Stats()
	accepting := 0.0
	if ok, _ := c.b.Accepting(); ok {
		accepting = 1
	}
	emit := func(d *prometheus.Desc, t prometheus.ValueType, v float64) {
		ch <- prometheus.MustNewConstMetric(d, t, v)
	}
	emit(descAcceptErrors, prometheus.CounterValue, float64(st.AcceptErrors))
	emit(descAccepting, prometheus.GaugeValue, accepting)
	emit(descRejected, prometheus.CounterValue, float64(st.RejectedConns))
	emit(descMuted, prometheus.GaugeValue, float64(st.MutedConns))
	emit(descMutes, prometheus.CounterValue, float64(st.Mutes))
	emit(descQueuedBytes, prometheus.GaugeValue, float64(st.QueuedBytes))
	emit(descBudgetWaits, prometheus.CounterValue, float64(st.BudgetWaits))
}

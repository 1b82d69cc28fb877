// Package obs is Sluice's observability plumbing: structured logs split by
// component (server, state-change, controller, request), Prometheus metrics
// named after Kafka's JMX metrics, and the HTTP listener that serves
// /metrics, /healthz and /readyz.
//
// The broker (cmd/sluice/broker.go) builds the pieces and hands them to the
// protocol, engine and cluster layers:
//
//	logger, closer, err := obs.NewLogger(obs.LogOptions{Format: props["sluice.log.format"], FilesDir: props["sluice.log.files.dir"]})
//	m := obs.NewMetrics()
//	m.SetStateFunc(func(s *obs.State) { ... })   // partitions, log sizes, groups, lag: read at scrape time
//	srv, err := obs.Serve(props["sluice.metrics.listener"], m, ready)  // nil server when the address is empty
//	... m.ObserveRequest(...) and m.RequestErrors(...) per request, m.LogFlush(d) per fsync ...
//	srv.Close(); closer.Close()
//
// docs/metrics.md lists every metric.
package obs

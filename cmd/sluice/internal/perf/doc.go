// Package perf runs the load tests behind `sluice perf produce` and
// `sluice perf consume` (kafka-producer-perf-test.sh and
// kafka-consumer-perf-test.sh): N clients, an optional global rate cap, a
// live progress line, and a summary of throughput and latency quantiles
// from a log-linear histogram (package hist).
//
// Produce latency is from the Produce call to the broker's acknowledgement
// (what kafka-producer-perf-test reports). Consume latency is the record's
// age when it reaches the consumer (now minus the record timestamp), which
// is the end-to-end latency when a producer runs at the same time.
package perf

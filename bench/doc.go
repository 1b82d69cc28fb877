// Package bench holds Sluice's disk-throughput benchmarks (issue #2): the
// engine's append, read-back and sendfile paths, each measured against a
// raw baseline in the same run. See README.md for the command and figures.
package bench

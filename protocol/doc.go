// Package protocol is Sluice's Kafka wire protocol: it turns the frames
// netio hands over into kmsg requests, runs the handlers of package
// protocol/handlers and writes the answers back as netio chunks.
//
// Request processing (Handler):
//
//   - Serve (on the event loop) parses the request header (internal/wire),
//     refuses unknown keys and versions by closing the connection (Kafka's
//     behaviour) — except ApiVersions, answered per KIP-511 with a v0
//     UNSUPPORTED_VERSION response listing what is served.
//   - The body is taken from netio (large frames assembled in a buffer of
//     their own) or copied into a pooled buffer (records alias it) and
//     queued on the connection. Nothing is decoded on the loop.
//   - On a worker the body is checked and decoded (internal/wire.Decode)
//     and the handler runs. Each connection's requests run one at a time,
//     in order, on a worker pool of num.io.threads goroutines (Kafka mutes
//     a connection while a request is in flight; idempotent producers
//     depend on produce order).
//     A long-poll Fetch that parks releases its worker: a small waiter
//     goroutine resumes it on the pool when a partition's high watermark
//     advances or max wait passes, and the connection stays busy meanwhile.
//   - Responses are encoded with kmsg after a header written here (4-byte
//     size, correlation id, a tag byte when flexible — never for
//     ApiVersions), or, for Fetch, as memory chunks plus file ranges that
//     netio sends with sendfile(2).
//
// Adding an API: write protocol/handlers/NN_name.go (NN = API key) with a
// func(*handlers.Env, *handlers.Call) handlers.Reply, opening with a comment
// on the versions served and differences from Kafka, add one line to
// handlers.Table() and the request's schema to internal/wire/requests.go
// (a test fails for a served key without one). ApiVersions then advertises
// it.
//
// Error codes live in protocol/kerr (one typed table) with the mapping
// from engine, record and cluster sentinel errors.
//
// Before kmsg decodes a body it is walked against the request's exact
// schema (internal/wire): kmsg sizes arrays from the announced length
// (checked at one byte per element, 16-80 bytes allocated per element) and
// loops once per announced tag even past the end of its input. The walk
// accepts exactly what kmsg decodes, refuses counts the bytes left cannot
// hold at the element's minimum encoded size, and estimates the decoded
// size: a body that would decode to more than 2x its size + 8 MiB is
// refused (the connection is closed, as for any malformed request).
// Metadata is decoded by wire itself into the set of requested topics.
//
// Group APIs go to the group coordinator (protocol/internal/group, a pure
// state machine) hosted by protocol/coordinator (coordinator.Groups): the
// handler submits each request and parks until the coordinator answers;
// the host appends the coordinator's records to __consumer_offsets, loads
// the partitions this broker leads and follows their leadership.
//
// The broker is wired together outside this package, in
// cmd/sluice/internal/broker (engine, cluster node, coordinator.Groups,
// NewHandler, netio server); handlers.Env.Rec receives metrics events.
// This package's end-to-end tests use a wiring of their own
// (testbroker_test.go).
package protocol

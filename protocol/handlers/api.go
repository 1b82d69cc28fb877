// Package handlers answers Kafka requests, one file per API key named by
// its number (00_produce.go, 01_fetch.go, ...). Each file opens with the
// versions it serves and what it does differently from Kafka.
//
// Adding an API is one new file with a func(*Env, *Call) Reply, one entry
// in the table in table.go (key, version range) and its request schema in
// protocol/internal/wire/requests.go (the walk that checks every body
// before it is decoded). The server (package protocol) decodes the request
// with kmsg at the version the client sent, so a handler type-asserts c.Req
// to its kmsg request type, fills the kmsg response from Call.NewResponse,
// and returns it in a Reply. ApiVersions advertises exactly the table.
package handlers

import (
	"context"
	"log/slog"
	"net"
	"time"

	"github.com/twmb/franz-go/pkg/kmsg"

	"sluice/netio"
)

// API is one served API key: its version range and handler.
type API struct {
	Key        int16
	Name       string
	MinVersion int16
	MaxVersion int16
	// Group APIs need the group coordinator (Env.Groups).
	Group  bool
	Handle func(env *Env, c *Call) Reply
}

// Call is one decoded request.
type Call struct {
	Key           int16
	Version       int16
	CorrelationID int32
	ClientID      string
	Req           kmsg.Request
	ConnID        uint64
	Remote        net.Addr
	// Ctx is cancelled when the connection closes or the server stops.
	Ctx context.Context
}

// NewResponse returns the empty kmsg response for the call's request at
// the call's version.
func (c *Call) NewResponse() kmsg.Response {
	r := c.Req.ResponseKind()
	r.SetVersion(c.Version)
	return r
}

// Reply is a handler's answer. Exactly one of Resp, Body (a raw response
// body the handler encoded itself), NoResponse, Close or Park is used.
type Reply struct {
	// Resp is encoded by the server after the response header.
	Resp kmsg.Response
	// Body is a raw response body of BodyLen bytes (memory and file-range
	// chunks) written after the response header. Done releases what the
	// chunks reference once written (or the connection closed).
	Body    []netio.Chunk
	BodyLen int64
	Done    func()
	// NoResponse: nothing is written (acks=0 produce that succeeded).
	NoResponse bool
	// Close: close the connection without answering (acks=0 produce that
	// failed, a request that cannot be answered).
	Close bool
	// Park: answer later. The server holds no worker while parked.
	Park *Park
	// Errors are the error codes of a raw Body response, for the errors
	// metric (a Resp is tallied by the server itself).
	Errors ErrorCounts
}

// Park is a long-poll wait: the server waits until one of Wake is closed,
// Deadline passes or the connection closes, then runs Resume on a worker.
// Resume may park again (same or earlier deadline).
type Park struct {
	Wake     []<-chan struct{}
	Deadline time.Time
	Resume   func(timedOut bool) Reply
}

// Env is what handlers work with; the server builds one per broker.
type Env struct {
	Deps
	Logger *slog.Logger
	Now    func() time.Time
	// APIs is the served table (ApiVersions lists it).
	APIs []API
	// Rec receives metrics events (never nil once the server built Env).
	Rec Recorder
}

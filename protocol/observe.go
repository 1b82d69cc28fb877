package protocol

import (
	"context"
	"log/slog"
	"strconv"
	"time"

	"sluice/protocol/handlers"
	"sluice/protocol/kerr"
)

// observe reports one answered request to the Recorder (count, size,
// latency, and every error code the response carries) and, when debug
// logging is on, writes its request log line (component "request"): client
// id, API, version, size, latency and error. Checking Enabled first keeps
// the log free at info level.
func (h *Handler) observe(p *pending, r *handlers.Reply) {
	latency := time.Since(p.start)
	e := &r.Errors
	if r.Resp != nil {
		countErrors(r.Resp, e)
	}
	switch {
	case !e.Empty():
	case r.NoResponse: // acks=0 produce that succeeded
		e.Add(0, 1)
	case r.Close: // closed without an answer: no code to count
	default:
		e.Add(0, 1)
	}
	key := p.call.Key
	e.Each(func(code int16, n int) { h.env.Rec.RequestErrors(key, code, n) })
	h.env.Rec.ObserveRequest(key, p.call.Version, p.size, latency, e.First())

	ctx := context.Background()
	if !h.log.Enabled(ctx, slog.LevelDebug) {
		return
	}
	errName := errorName(e.First())
	if r.Close && e.Empty() {
		errName = "CONNECTION_CLOSED"
	}
	h.log.LogAttrs(ctx, slog.LevelDebug, "request",
		slog.String("client_id", p.call.ClientID),
		slog.String("api", p.api.Name),
		slog.Int("version", int(p.call.Version)),
		slog.Int("correlation_id", int(p.call.CorrelationID)),
		slog.Int("size", p.size),
		slog.Duration("latency", latency),
		slog.String("error", errName),
		slog.Any("remote", p.call.Remote))
}

// errorName is Kafka's name for an error code ("NONE" for 0).
func errorName(code int16) string {
	if code == 0 {
		return "NONE"
	}
	if e := kerr.ForCode(code); e != nil {
		return e.Name
	}
	return "UNKNOWN_" + strconv.Itoa(int(code))
}

package handlers

import "time"

// Recorder receives what the protocol layer observes, for metrics.
// cmd/sluice passes its metrics registry (it has these methods); nil
// records nothing.
type Recorder interface {
	// ObserveRequest: one request answered (bytes: request size; errCode:
	// the top-level or first partition-level error code, 0 for none).
	ObserveRequest(apiKey, version int16, bytes int, latency time.Duration, errCode int16)
	// RequestErrors: the response carried code n times (Kafka's
	// ErrorsPerSec; code 0, NONE, counts successes).
	RequestErrors(apiKey, code int16, n int)
	// BytesIn / MessagesIn: appended by Produce (batch bytes, records).
	BytesIn(topic string, n int)
	MessagesIn(topic string, n int)
	// BytesOut: record bytes answered by Fetch.
	BytesOut(topic string, n int)
	ConnOpened()
	ConnClosed()
	// FetchWait: how long a fetch stayed parked; satisfied when data (not
	// max wait) ended it.
	FetchWait(d time.Duration, satisfied bool)
	// LogFlush: one log fsync took d (the broker wires the engine's
	// Options.OnFlush to it).
	LogFlush(d time.Duration)
}

// nopRecorder is the Recorder used when none is given.
type nopRecorder struct{}

func (nopRecorder) ObserveRequest(int16, int16, int, time.Duration, int16) {}
func (nopRecorder) RequestErrors(int16, int16, int)                        {}
func (nopRecorder) BytesIn(string, int)                                    {}
func (nopRecorder) MessagesIn(string, int)                                 {}
func (nopRecorder) BytesOut(string, int)                                   {}
func (nopRecorder) ConnOpened()                                            {}
func (nopRecorder) ConnClosed()                                            {}
func (nopRecorder) FetchWait(time.Duration, bool)                          {}
func (nopRecorder) LogFlush(time.Duration)                                 {}

// NopRecorder records nothing.
var NopRecorder Recorder = nopRecorder{}

package perf

import "errors"

// ErrStalled is returned when no record moved for Config.StallTimeout.
var ErrStalled = errors.New("perf: no progress")

// ErrConfig is returned for an invalid Config.
var ErrConfig = errors.New("perf: bad config")

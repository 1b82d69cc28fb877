package cli

import (
	"errors"
	"fmt"
	"strconv"
	"time"
)

// ErrBadTimestamp is returned by ParseTimestamp.
var ErrBadTimestamp = errors.New("cli: bad timestamp")

// ParseTimestamp reads a point in time as Unix milliseconds, or as RFC 3339
// ("2026-11-24T02:00:00Z"), or as a date ("2026-11-24", UTC midnight), and
// returns Unix milliseconds.
func ParseTimestamp(s string) (int64, error) {
	if ms, err := strconv.ParseInt(s, 10, 64); err == nil {
		if ms < 0 {
			return 0, fmt.Errorf("%w: %q is negative", ErrBadTimestamp, s)
		}
		return ms, nil
	}
	for _, layout := range []string{time.RFC3339Nano, "2006-01-02T15:04:05", "2006-01-02"} {
		if t, err := time.Parse(layout, s); err == nil {
			return t.UnixMilli(), nil
		}
	}
	return 0, fmt.Errorf("%w: %q (want Unix milliseconds or RFC 3339)", ErrBadTimestamp, s)
}

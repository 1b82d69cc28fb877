package zkdata

import (
	"errors"
	"fmt"
	"strconv"
)

// ErrMalformed: a znode's data is not what Kafka writes there (not JSON, a
// required field missing, a field of the wrong type or out of range).
// Decode functions return a *DecodeError that wraps it.
var ErrMalformed = errors.New("zkdata: malformed znode data")

// DecodeError says which znode is malformed and what is wrong with it.
type DecodeError struct {
	Path    string // the znode, e.g. /brokers/topics/foo
	Problem string // e.g. `field "leader": want an integer, got "x"`
	Data    []byte // the data as read (quoted, cut to 200 bytes, in Error)
}

func (e *DecodeError) Error() string {
	d := e.Data
	cut := ""
	if len(d) > 200 {
		d, cut = d[:200], "..."
	}
	return fmt.Sprintf("zkdata: malformed %s: %s (data %s%s)", e.Path, e.Problem, strconv.Quote(string(d)), cut)
}

// Unwrap makes errors.Is(err, ErrMalformed) true.
func (e *DecodeError) Unwrap() error { return ErrMalformed }

func malformed(path string, data []byte, format string, args ...any) error {
	return &DecodeError{Path: path, Problem: fmt.Sprintf(format, args...), Data: data}
}

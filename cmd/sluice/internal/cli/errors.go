package cli

import "errors"

// ErrUnreachable is returned by Connect when no seed broker accepts a
// connection.
var ErrUnreachable = errors.New("cli: no broker reachable")

// ErrMalformedKV is returned by ParseKV for an argument that is not key=value.
var ErrMalformedKV = errors.New("cli: malformed key=value")

package replica

import "errors"

// Sentinel errors. Everything a peer or client sends is answered with a
// Code; these are for bad construction only.
var (
	// ErrInvalidOptions wraps every bad Options or Config field.
	ErrInvalidOptions = errors.New("replica: invalid options")
)

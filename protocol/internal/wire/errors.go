package wire

import "errors"

// Sentinel errors of request decoding.
var (
	// ErrShortHeader: the frame ends inside the header.
	ErrShortHeader = errors.New("wire: truncated request header")
	// ErrBadHeader: a length or tag in the header is invalid.
	ErrBadHeader = errors.New("wire: malformed request header")
	// ErrMalformed: the body does not follow the request's schema.
	ErrMalformed = errors.New("wire: malformed request body")
	// ErrTooLarge: decoding the body would allocate more than allowed.
	ErrTooLarge = errors.New("wire: request would decode to too much memory")
)

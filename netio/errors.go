package netio

import "errors"

var (
	// ErrInvalidConfig is returned by NewServer for a Config field out of range.
	ErrInvalidConfig = errors.New("netio: invalid config")
	// ErrServerStarted is returned by a second call to Start.
	ErrServerStarted = errors.New("netio: server already started")
	// ErrServerClosed is returned by Start after Shutdown.
	ErrServerClosed = errors.New("netio: server closed")
	// ErrNotStarted is returned by Shutdown before Start.
	ErrNotStarted = errors.New("netio: server not started")
	// ErrFrameSize is the logged reason for closing a connection whose frame
	// length is <= 0 or above Config.MaxFrameBytes.
	ErrFrameSize = errors.New("netio: invalid frame size")
	// ErrShortFile is the logged reason for closing a connection whose file
	// chunk ended before Off+Len (the file was truncated under the response).
	ErrShortFile = errors.New("netio: file chunk beyond end of file")
	// ErrNoMute is the logged reason for refusing a connection when its
	// event loop's epoll cannot be found or changed (mute.go): a gnet
	// version this package was not written for.
	ErrNoMute = errors.New("netio: cannot pause reading in this gnet version")
	// ErrTooManyConnsFromIP is the logged reason for closing a connection
	// past MaxConnsPerIP (or its override) for its address.
	ErrTooManyConnsFromIP = errors.New("netio: too many connections from this address")
)

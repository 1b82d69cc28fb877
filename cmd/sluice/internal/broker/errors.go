package broker

import "errors"

// ErrBadListener: the configured listeners give no address to serve.
var ErrBadListener = errors.New("broker: bad listener")

package vfs

import "errors"

// ErrAllocateUnsupported: the file cannot reserve blocks ahead (Allocate).
var ErrAllocateUnsupported = errors.New("vfs: block reservation not supported")

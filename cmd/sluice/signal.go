package main

import (
	"context"
	"os"
	"os/signal"
	"syscall"
)

// signalContext is canceled on SIGINT or SIGTERM, so ^C ends a consume or a
// perf run cleanly (summary printed, exit status 0).
func signalContext(parent context.Context) (context.Context, context.CancelFunc) {
	if parent == nil {
		parent = context.Background()
	}
	return signal.NotifyContext(parent, os.Interrupt, syscall.SIGTERM)
}

package cli

import (
	"context"
	"fmt"
	"net"
	"strings"
	"time"

	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kgo"
)

// DialTimeout bounds the reachability probe Connect makes before handing
// the seeds to franz-go (which would otherwise retry until its own, much
// longer, timeouts).
const DialTimeout = 3 * time.Second

// SplitBrokers turns a comma-separated --brokers value into seed addresses.
func SplitBrokers(s string) []string {
	var out []string
	for _, b := range strings.Split(s, ",") {
		if b = strings.TrimSpace(b); b != "" {
			out = append(out, b)
		}
	}
	return out
}

// Probe returns nil once one of seeds accepts a TCP connection, or an
// ErrUnreachable error naming the first seed and why it failed.
func Probe(ctx context.Context, seeds []string) error {
	if len(seeds) == 0 {
		return fmt.Errorf("%w: --brokers is empty", ErrUnreachable)
	}
	var firstErr error
	d := net.Dialer{Timeout: DialTimeout}
	for _, s := range seeds {
		c, err := d.DialContext(ctx, "tcp", s)
		if err == nil {
			c.Close()
			return nil
		}
		if firstErr == nil {
			firstErr = err
		}
	}
	return fmt.Errorf("%w at %s: %v", ErrUnreachable, strings.Join(seeds, ","), unwrapNetErr(firstErr))
}

// unwrapNetErr reduces "dial tcp 127.0.0.1:1: connect: connection refused"
// to "connection refused".
func unwrapNetErr(err error) string {
	msg := err.Error()
	if i := strings.LastIndex(msg, ": "); i >= 0 {
		return msg[i+2:]
	}
	return msg
}

// Connect probes the seeds and returns a franz-go client with short dial
// and retry timeouts suited to a command-line tool.
func Connect(ctx context.Context, seeds []string, opts ...kgo.Opt) (*kgo.Client, error) {
	if err := Probe(ctx, seeds); err != nil {
		return nil, err
	}
	base := []kgo.Opt{
		kgo.SeedBrokers(seeds...),
		kgo.DialTimeout(DialTimeout),
		kgo.RetryTimeout(10 * time.Second),
		kgo.ClientID("sluice-cli"),
	}
	return kgo.NewClient(append(base, opts...)...)
}

// Admin wraps Connect for admin commands.
func Admin(ctx context.Context, seeds []string) (*kadm.Client, error) {
	cl, err := Connect(ctx, seeds)
	if err != nil {
		return nil, err
	}
	return kadm.NewClient(cl), nil
}

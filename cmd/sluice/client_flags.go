package main

import (
	"context"
	"errors"
	"os"
	"time"

	"github.com/spf13/cobra"
	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kgo"

	"sluice/cmd/sluice/internal/cli"
)

// clientFlags are the flags every command that talks to a broker takes.
type clientFlags struct {
	brokers string
	json    bool
	timeout time.Duration
}

// addClientFlags registers --brokers, --timeout and (if withJSON) --json as
// persistent flags of cmd, so every subcommand has them.
func addClientFlags(cmd *cobra.Command, f *clientFlags, withJSON bool) {
	pf := cmd.PersistentFlags()
	pf.StringVar(&f.brokers, "brokers", "127.0.0.1:9092", "comma-separated seed brokers (host:port)")
	pf.DurationVar(&f.timeout, "timeout", 30*time.Second, "give up on a request after this long")
	if withJSON {
		pf.BoolVar(&f.json, "json", false, "print JSON for scripts instead of tables")
	}
}

func (f *clientFlags) seeds() []string { return cli.SplitBrokers(f.brokers) }

func (f *clientFlags) printer() *cli.Printer {
	return &cli.Printer{Out: os.Stdout, JSON: f.json}
}

// ctx returns a context bounded by --timeout.
func (f *clientFlags) ctx(parent context.Context) (context.Context, context.CancelFunc) {
	if parent == nil {
		parent = context.Background()
	}
	if f.timeout <= 0 {
		return context.WithCancel(parent)
	}
	return context.WithTimeout(parent, f.timeout)
}

// admin connects an admin client; the caller closes it.
func (f *clientFlags) admin(ctx context.Context) (*kadm.Client, error) {
	adm, err := cli.Admin(ctx, f.seeds())
	return adm, wrapConnErr(err)
}

// adminSession is what every admin command starts with: a context bounded
// by --timeout and a connected admin client; done closes both.
func (f *clientFlags) adminSession(parent context.Context) (ctx context.Context, adm *kadm.Client, done func(), err error) {
	ctx, cancel := f.ctx(parent)
	if adm, err = f.admin(ctx); err != nil {
		cancel()
		return nil, nil, nil, err
	}
	return ctx, adm, func() { adm.Close(); cancel() }, nil
}

// client connects a plain client; the caller closes it.
func (f *clientFlags) client(ctx context.Context, opts ...kgo.Opt) (*kgo.Client, error) {
	cl, err := cli.Connect(ctx, f.seeds(), opts...)
	return cl, wrapConnErr(err)
}

func wrapConnErr(err error) error {
	if err == nil {
		return nil
	}
	if errors.Is(err, cli.ErrUnreachable) {
		// Drop the package prefix for the one line the user sees.
		return errors.New(err.Error()[len("cli: "):])
	}
	return err
}

// kvArgs parses -c style arguments; a malformed one is a usage error.
func kvArgs(args []string) (map[string]string, error) {
	m, err := cli.ParseKV(args)
	if err != nil {
		return nil, usageError{errors.New(err.Error()[len("cli: "):])}
	}
	return m, nil
}

// ctxErr makes a client error readable on one line: a context deadline
// becomes "timed out", and kadm's per-broker shard errors are reduced to
// the first one.
func ctxErr(op string, err error) error {
	if errors.Is(err, context.DeadlineExceeded) {
		return errors.New(op + ": timed out waiting for the broker")
	}
	var se *kadm.ShardErrors
	if errors.As(err, &se) && len(se.Errs) > 0 && se.Errs[0].Err != nil {
		return se.Errs[0].Err
	}
	return err
}

// parentCmd is a command that only groups subcommands: run alone, it
// prints its help.
func parentCmd(use, short string) *cobra.Command {
	return &cobra.Command{
		Use:   use,
		Short: short,
		Args:  cobra.NoArgs,
		RunE:  func(c *cobra.Command, _ []string) error { return c.Help() },
	}
}

// Command sluice is Sluice's one binary: the broker (`sluice broker`) and the
// tools that talk to it. Exit status: 0 on success, 2 for usage and
// configuration errors, 1 for failures at run time; errors are one line on
// stderr.
package main

import (
	"errors"
	"fmt"
	"os"
	"strings"

	"github.com/spf13/cobra"
)

// usageError marks an error as the user's (bad flag, bad value, bad config):
// exit status 2.
type usageError struct{ err error }

func (e usageError) Error() string { return e.err.Error() }
func (e usageError) Unwrap() error { return e.err }

// usagef returns a usage error (exit status 2).
func usagef(format string, args ...any) error {
	return usageError{fmt.Errorf(format, args...)}
}

func newRootCmd() *cobra.Command {
	root := &cobra.Command{
		Use:           "sluice",
		Short:         "Sluice, a Kafka-compatible message broker",
		SilenceUsage:  true,
		SilenceErrors: true,
	}
	root.SetFlagErrorFunc(func(_ *cobra.Command, err error) error { return usageError{err} })
	root.AddCommand(newBrokerCmd(), newTopicCmd(), newClusterCmd(), newProduceCmd(), newConsumeCmd(), newDumpCmd(), newPerfCmd(), newGroupCmd())
	return root
}

func main() {
	os.Exit(run(os.Args[1:]))
}

// run executes the command line and returns the exit status.
func run(args []string) int {
	root := newRootCmd()
	root.SetArgs(args)
	cmd, err := root.ExecuteC()
	if err == nil {
		return 0
	}
	fmt.Fprintf(os.Stderr, "sluice: %v\n", err)
	var ue usageError
	if errors.As(err, &ue) || isCobraUsageError(cmd, err) {
		return 2
	}
	return 1
}

// isCobraUsageError recognises cobra's own argument errors (unknown command,
// wrong number of arguments), which it does not type.
func isCobraUsageError(cmd *cobra.Command, err error) bool {
	if cmd == nil {
		return true
	}
	msg := err.Error()
	for _, p := range []string{"unknown command", "unknown flag", "unknown shorthand", "accepts ", "requires at least", "requires at most", "invalid argument", "flag needs an argument", "required flag"} {
		if strings.Contains(msg, p) {
			return true
		}
	}
	return false
}

package main

import (
	"errors"
	"os"

	"github.com/spf13/cobra"

	"sluice/cmd/sluice/internal/dump"
)

// newDumpCmd is `sluice dump FILE...`, kafka-dump-log.sh.
func newDumpCmd() *cobra.Command {
	var o dump.Options
	cmd := &cobra.Command{
		Use:   "dump FILE...",
		Short: "Print and check a log segment (.log) or index (.index, .timeindex) file",
		Long: "Print a segment's batches (offsets, timestamps, codec, record count, CRC validity) or an index's\n" +
			"entries and whether they agree with the .log next to it. Exit status 1 when anything is flagged.",
		Args: cobra.MinimumNArgs(1),
		RunE: func(c *cobra.Command, args []string) error {
			var firstErr error
			for _, path := range args {
				err := dump.File(os.Stdout, path, o)
				if errors.Is(err, dump.ErrUnknownKind) {
					return usagef("dump %s: want a .log, .index or .timeindex file", path)
				}
				if err != nil && firstErr == nil {
					firstErr = err
				}
			}
			return firstErr
		},
	}
	cmd.Flags().BoolVar(&o.Records, "records", false, "print each record (offset, timestamp, key, value, headers)")
	cmd.Flags().IntVar(&o.MaxValue, "max-value", 64, "print at most this many bytes of each key and value")
	return cmd
}

package main

import "github.com/spf13/cobra"

// newBrokerCmd is wired to the protocol layer once it lands (this session).
func newBrokerCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "broker",
		Short: "Run a broker",
		Args:  cobra.NoArgs,
		RunE: func(*cobra.Command, []string) error {
			return usagef("broker: not wired yet")
		},
	}
}

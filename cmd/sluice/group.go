package main

import (
	"context"
	"errors"
	"fmt"

	"github.com/spf13/cobra"
	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kerr"
)

// newGroupCmd is `sluice group ...`, what kafka-consumer-groups.sh does:
// list, describe (members, assignments, committed offsets and lag),
// reset-offsets (group_reset.go) and delete.
func newGroupCmd() *cobra.Command {
	f := &clientFlags{}
	cmd := parentCmd("group", "List, describe, reset the offsets of and delete consumer groups")
	addClientFlags(cmd, f, true)
	cmd.AddCommand(
		newGroupListCmd(f),
		newGroupDescribeCmd(f),
		newGroupResetCmd(f),
		newGroupDeleteCmd(f),
	)
	return cmd
}

// listedGroup is one row of `group list`.
type listedGroup struct {
	Group        string `json:"group"`
	State        string `json:"state"`
	ProtocolType string `json:"protocol_type"`
	Coordinator  int32  `json:"coordinator"`
}

func newGroupListCmd(f *clientFlags) *cobra.Command {
	return &cobra.Command{
		Use:   "list",
		Short: "List consumer groups with their state and protocol type",
		Args:  cobra.NoArgs,
		RunE: func(c *cobra.Command, _ []string) error {
			ctx, adm, done, err := f.adminSession(c.Context())
			if err != nil {
				return err
			}
			defer done()
			listed, err := adm.ListGroups(ctx)
			if err != nil {
				return fmt.Errorf("list groups: %w", ctxErr("list groups", err))
			}
			rows := []listedGroup{}
			for _, g := range listed.Sorted() {
				rows = append(rows, listedGroup{Group: g.Group, State: g.State, ProtocolType: g.ProtocolType, Coordinator: g.Coordinator})
			}
			p := f.printer()
			if p.JSON {
				return p.Encode(rows)
			}
			tab := make([][]string, 0, len(rows))
			for _, r := range rows {
				tab = append(tab, []string{r.Group, r.State, dash(r.ProtocolType), itoa(r.Coordinator)})
			}
			return p.Table([]string{"group", "state", "protocol-type", "coordinator"}, tab)
		},
	}
}

func newGroupDeleteCmd(f *clientFlags) *cobra.Command {
	return &cobra.Command{
		Use:   "delete GROUP",
		Short: "Delete an empty consumer group and its committed offsets",
		Args:  cobra.ExactArgs(1),
		RunE: func(c *cobra.Command, args []string) error {
			group := args[0]
			ctx, adm, done, err := f.adminSession(c.Context())
			if err != nil {
				return err
			}
			defer done()
			resp, err := adm.DeleteGroup(ctx, group)
			switch {
			case errors.Is(err, kerr.NonEmptyGroup):
				return fmt.Errorf("delete group %s: the group has active members (NON_EMPTY_GROUP); stop its consumers first", group)
			case errors.Is(err, kerr.GroupIDNotFound):
				return fmt.Errorf("delete group %s: no such group (GROUP_ID_NOT_FOUND)", group)
			case err != nil:
				return fmt.Errorf("delete group %s: %w", group, ctxErr("delete group", respErrOf(err, resp.ErrMessage)))
			}
			p := f.printer()
			if p.JSON {
				return p.Encode(map[string]any{"group": group, "deleted": true})
			}
			_, err = fmt.Fprintf(p.Out, "Deleted group %s\n", group)
			return err
		},
	}
}

// describeGroup describes one classic group; a group the coordinator does
// not know (Kafka reports it as Dead) is an error naming it.
func describeGroup(ctx context.Context, adm *kadm.Client, group string) (kadm.DescribedGroup, error) {
	described, err := adm.DescribeGroups(ctx, group)
	if err != nil {
		return kadm.DescribedGroup{}, ctxErr("describe group", err)
	}
	g, err := described.On(group, nil)
	if err == nil {
		err = respErrOf(g.Err, g.ErrMessage)
	}
	if err != nil {
		return g, err
	}
	if g.State == "Dead" {
		return g, errNoSuchGroup
	}
	return g, nil
}

// errNoSuchGroup is describeGroup's answer for a group the coordinator
// does not know.
var errNoSuchGroup = errors.New("no such group")

// dash prints an empty string as "-".
func dash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

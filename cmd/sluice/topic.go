package main

import (
	"fmt"
	"sort"
	"strconv"

	"github.com/spf13/cobra"
	"github.com/twmb/franz-go/pkg/kadm"

	"sluice/cmd/sluice/internal/cli"
)

// newTopicCmd is `sluice topic ...`, what kafka-topics.sh does.
func newTopicCmd() *cobra.Command {
	f := &clientFlags{}
	cmd := parentCmd("topic", "Create, list, describe, alter and delete topics")
	addClientFlags(cmd, f, true)
	cmd.AddCommand(
		newTopicCreateCmd(f),
		newTopicListCmd(f),
		newTopicDescribeCmd(f),
		newTopicAlterConfigCmd(f),
		newTopicAddPartitionsCmd(f),
		newTopicDeleteCmd(f),
		newTopicDeleteRecordsCmd(f),
		newTopicOffsetsCmd(f),
		newTopicReassignCmd(f),
	)
	return cmd
}

func newTopicCreateCmd(f *clientFlags) *cobra.Command {
	var (
		partitions int32
		replicas   int16
		configs    []string
	)
	cmd := &cobra.Command{
		Use:   "create NAME",
		Short: "Create a topic",
		Args:  cobra.ExactArgs(1),
		RunE: func(c *cobra.Command, args []string) error {
			kv, err := kvArgs(configs)
			if err != nil {
				return err
			}
			ctx, adm, done, err := f.adminSession(c.Context())
			if err != nil {
				return err
			}
			defer done()
			cfg := make(map[string]*string, len(kv))
			for k, v := range kv {
				cfg[k] = kadm.StringPtr(v)
			}
			resp, err := adm.CreateTopic(ctx, partitions, replicas, cfg, args[0])
			if err == nil {
				err = resp.Err
			}
			if err != nil {
				return fmt.Errorf("create topic %s: %w", args[0], ctxErr("create", respErrOf(err, resp.ErrMessage)))
			}
			p := f.printer()
			if p.JSON {
				return p.Encode(map[string]any{
					"topic": resp.Topic, "id": cli.TopicID(resp.ID),
					"partitions": resp.NumPartitions, "replication_factor": resp.ReplicationFactor,
				})
			}
			return p.Table([]string{"topic", "id", "partitions", "replicas"}, [][]string{{
				resp.Topic, cli.TopicID(resp.ID), itoa(resp.NumPartitions), itoa(resp.ReplicationFactor),
			}})
		},
	}
	fl := cmd.Flags()
	fl.Int32VarP(&partitions, "partitions", "p", -1, "number of partitions (-1: the broker's num.partitions)")
	fl.Int16VarP(&replicas, "replicas", "r", -1, "replication factor (-1: the broker's default.replication.factor)")
	fl.StringArrayVarP(&configs, "config", "c", nil, "topic config key=value (repeatable)")
	return cmd
}

func newTopicListCmd(f *clientFlags) *cobra.Command {
	var internal bool
	cmd := &cobra.Command{
		Use:     "list",
		Aliases: []string{"ls"},
		Short:   "List topics",
		Args:    cobra.NoArgs,
		RunE: func(c *cobra.Command, _ []string) error {
			ctx, adm, done, err := f.adminSession(c.Context())
			if err != nil {
				return err
			}
			defer done()
			var td kadm.TopicDetails
			if internal {
				td, err = adm.ListTopicsWithInternal(ctx)
			} else {
				td, err = adm.ListTopics(ctx)
			}
			if err != nil {
				return fmt.Errorf("list topics: %w", ctxErr("list", err))
			}
			type row struct {
				Topic      string `json:"topic"`
				ID         string `json:"id"`
				Partitions int    `json:"partitions"`
				Replicas   int    `json:"replication_factor"`
				Internal   bool   `json:"internal"`
			}
			var rows []row
			for _, t := range td.Sorted() {
				rf := 0
				if p, ok := t.Partitions[0]; ok {
					rf = len(p.Replicas)
				}
				rows = append(rows, row{t.Topic, cli.TopicID(t.ID), len(t.Partitions), rf, t.IsInternal})
			}
			p := f.printer()
			if p.JSON {
				if rows == nil {
					rows = []row{}
				}
				return p.Encode(rows)
			}
			var tab [][]string
			for _, r := range rows {
				tab = append(tab, []string{r.Topic, itoa(r.Partitions), itoa(r.Replicas)})
			}
			return p.Table([]string{"name", "partitions", "replicas"}, tab)
		},
	}
	cmd.Flags().BoolVar(&internal, "internal", false, "include internal topics (__consumer_offsets)")
	return cmd
}

func newTopicDeleteCmd(f *clientFlags) *cobra.Command {
	return &cobra.Command{
		Use:   "delete NAME",
		Short: "Delete a topic",
		Args:  cobra.ExactArgs(1),
		RunE: func(c *cobra.Command, args []string) error {
			ctx, adm, done, err := f.adminSession(c.Context())
			if err != nil {
				return err
			}
			defer done()
			resp, err := adm.DeleteTopic(ctx, args[0])
			if err == nil {
				err = resp.Err
			}
			if err != nil {
				return fmt.Errorf("delete topic %s: %w", args[0], ctxErr("delete", respErrOf(err, resp.ErrMessage)))
			}
			p := f.printer()
			if p.JSON {
				return p.Encode(map[string]any{"topic": args[0], "deleted": true})
			}
			_, err = fmt.Fprintf(p.Out, "deleted topic %s\n", args[0])
			return err
		},
	}
}

func newTopicAddPartitionsCmd(f *clientFlags) *cobra.Command {
	var to int
	cmd := &cobra.Command{
		Use:   "add-partitions NAME --to N",
		Short: "Raise a topic's partition count to N",
		Args:  cobra.ExactArgs(1),
		RunE: func(c *cobra.Command, args []string) error {
			if to <= 0 {
				return usagef("add-partitions: --to must be a positive partition count")
			}
			ctx, adm, done, err := f.adminSession(c.Context())
			if err != nil {
				return err
			}
			defer done()
			rs, err := adm.UpdatePartitions(ctx, to, args[0])
			var msg string
			if err == nil {
				r := rs[args[0]]
				err, msg = r.Err, r.ErrMessage
			}
			if err != nil {
				return fmt.Errorf("add partitions to %s: %w", args[0], ctxErr("add-partitions", respErrOf(err, msg)))
			}
			p := f.printer()
			if p.JSON {
				return p.Encode(map[string]any{"topic": args[0], "partitions": to})
			}
			_, err = fmt.Fprintf(p.Out, "topic %s now has %d partitions\n", args[0], to)
			return err
		},
	}
	cmd.Flags().IntVar(&to, "to", 0, "the new total number of partitions")
	_ = cmd.MarkFlagRequired("to")
	return cmd
}

func newTopicDeleteRecordsCmd(f *clientFlags) *cobra.Command {
	var (
		partition int32
		before    int64
	)
	cmd := &cobra.Command{
		Use:   "delete-records NAME --partition P --before OFFSET",
		Short: "Delete a partition's records below OFFSET (moves its log start offset)",
		Args:  cobra.ExactArgs(1),
		RunE: func(c *cobra.Command, args []string) error {
			if partition < 0 || before < -1 {
				return usagef("delete-records: --partition must be >= 0 and --before >= -1 (-1: the high watermark)")
			}
			ctx, adm, done, err := f.adminSession(c.Context())
			if err != nil {
				return err
			}
			defer done()
			var offs kadm.Offsets
			offs.Add(kadm.Offset{Topic: args[0], Partition: partition, At: before, LeaderEpoch: -1})
			rs, err := adm.DeleteRecords(ctx, offs)
			var low int64
			if err == nil {
				r, ok := rs.Lookup(args[0], partition)
				if !ok {
					err = fmt.Errorf("no response for partition %d", partition)
				} else {
					err, low = r.Err, r.LowWatermark
				}
			}
			if err != nil {
				return fmt.Errorf("delete records of %s-%d: %w", args[0], partition, ctxErr("delete-records", err))
			}
			p := f.printer()
			if p.JSON {
				return p.Encode(map[string]any{"topic": args[0], "partition": partition, "log_start_offset": low})
			}
			return p.Table([]string{"topic", "partition", "log-start"}, [][]string{{args[0], itoa(partition), itoa(low)}})
		},
	}
	fl := cmd.Flags()
	fl.Int32Var(&partition, "partition", 0, "the partition")
	fl.Int64Var(&before, "before", 0, "delete records with offsets below this one")
	_ = cmd.MarkFlagRequired("partition")
	_ = cmd.MarkFlagRequired("before")
	return cmd
}

// respErrOf joins a response's error code and message into one line.
func respErrOf(err error, msg string) error { return cli.RespErr(err, msg) }

func itoa[T ~int | ~int16 | ~int32 | ~int64](v T) string { return strconv.FormatInt(int64(v), 10) }

func sortedKeys[V any](m map[string]V) []string {
	ks := make([]string, 0, len(m))
	for k := range m {
		ks = append(ks, k)
	}
	sort.Strings(ks)
	return ks
}

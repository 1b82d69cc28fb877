package main

import (
	"context"
	"fmt"
	"strings"

	"github.com/spf13/cobra"
	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kmsg"

	"sluice/cmd/sluice/internal/cli"
)

// partitionView is one row of `topic describe`.
type partitionView struct {
	Partition       int32   `json:"partition"`
	Leader          int32   `json:"leader"`
	LeaderEpoch     int32   `json:"leader_epoch"`
	Replicas        []int32 `json:"replicas"`
	ISR             []int32 `json:"isr"`
	LogStart        int64   `json:"log_start_offset"`
	HighWatermark   int64   `json:"high_watermark"`
	Size            int64   `json:"size_bytes"`
	UnderReplicated bool    `json:"under_replicated"`
	Offline         bool    `json:"offline"`
	Error           string  `json:"error,omitempty"`
}

// configView is one topic or broker config entry.
type configView struct {
	Name      string `json:"name"`
	Value     string `json:"value"`
	Source    string `json:"source"`
	Sensitive bool   `json:"sensitive,omitempty"`
}

type topicView struct {
	Topic      string          `json:"topic"`
	ID         string          `json:"id"`
	Internal   bool            `json:"internal"`
	Partitions []partitionView `json:"partitions"`
	Configs    []configView    `json:"configs"`
}

func newTopicDescribeCmd(f *clientFlags) *cobra.Command {
	var all, underReplicated, unavailable, excludeInternal bool
	cmd := &cobra.Command{
		Use:   "describe [NAME]",
		Short: "Show a topic's partitions (leader, replicas, ISR, offsets, size) and its non-default configs; every topic without NAME",
		Long: `Show a topic's partitions (leader, replicas, ISR, offsets, size) and its
non-default configs, or every topic's without NAME. Under-replicated
partitions (fewer in-sync replicas than replicas) and offline ones (no
leader, or a leader that is not a live broker) are marked.

--under-replicated and --unavailable list only those partitions, one line
each and nothing when there are none, as kafka-topics.sh's
--under-replicated-partitions and --unavailable-partitions.`,
		Args: cobra.MaximumNArgs(1),
		RunE: func(c *cobra.Command, args []string) error {
			filter := allPartitions
			switch {
			case underReplicated && unavailable:
				return usagef("describe: give --under-replicated or --unavailable, not both")
			case underReplicated:
				filter = underReplicatedOnly
			case unavailable:
				filter = unavailableOnly
			}
			what := "describe topics"
			if len(args) == 1 {
				what = "describe topic " + args[0]
			}
			ctx, adm, done, err := f.adminSession(c.Context())
			if err != nil {
				return err
			}
			defer done()
			if filter != allPartitions {
				md, err := topicsMetadata(ctx, adm, args)
				if err != nil {
					return fmt.Errorf("%s: %w", what, ctxErr("describe", err))
				}
				return printHealth(f.printer(), healthOf(md, filter, excludeInternal))
			}
			vs, err := describeTopics(ctx, adm, args, all, excludeInternal)
			if err != nil {
				return fmt.Errorf("%s: %w", what, ctxErr("describe", err))
			}
			if len(args) == 1 {
				return printTopicView(f, vs[0], all)
			}
			return printTopicViews(f, vs, all)
		},
	}
	fl := cmd.Flags()
	fl.BoolVar(&all, "all-configs", false, "show every config, not only those that differ from the defaults")
	fl.BoolVar(&underReplicated, "under-replicated", false, "list only partitions whose ISR is smaller than their replica list")
	fl.BoolVar(&unavailable, "unavailable", false, "list only partitions without a leader, or whose leader is not a live broker")
	fl.BoolVar(&excludeInternal, "exclude-internal", false, "leave out internal topics (__consumer_offsets) when describing every topic")
	return cmd
}

// topicsMetadata is Metadata for the named topics (every topic if none);
// a named topic that the broker does not know is an error.
func topicsMetadata(ctx context.Context, adm *kadm.Client, topics []string) (kadm.Metadata, error) {
	md, err := adm.Metadata(ctx, topics...)
	if err != nil {
		return md, err
	}
	for _, t := range topics {
		td, ok := md.Topics[t]
		if !ok {
			return md, fmt.Errorf("%s is not in the metadata response", t)
		}
		if td.Err != nil {
			return md, td.Err
		}
	}
	return md, nil
}

// describeTopics describes the named topics, or every topic (internal ones
// unless excludeInternal) if none are named.
func describeTopics(ctx context.Context, adm *kadm.Client, topics []string, allConfigs, excludeInternal bool) ([]topicView, error) {
	md, err := topicsMetadata(ctx, adm, topics)
	if err != nil {
		return nil, err
	}
	var names []string
	for _, td := range md.Topics.Sorted() {
		if td.Err == nil && (len(topics) > 0 || !excludeInternal || !td.IsInternal) {
			names = append(names, td.Topic)
		}
	}
	vs := []topicView{}
	if len(names) == 0 {
		return vs, nil
	}
	// Offsets of partitions without a leader cannot be listed: they stay
	// -1 (the partition is shown offline) rather than failing the command.
	starts, _ := adm.ListStartOffsets(ctx, names...)
	ends, _ := adm.ListEndOffsets(ctx, names...)
	// Sizes come from DescribeLogDirs on every broker; a partition's size is
	// its leader's copy. The partitions are named so that every broker
	// holding one is asked (an empty set asks one broker only).
	set := kadm.TopicsSet{}
	for _, n := range names {
		for _, p := range md.Topics[n].Partitions {
			set.Add(n, p.Partition)
		}
	}
	// A broker that is down fails its share only: the others' sizes stay.
	dirs, _ := adm.DescribeAllLogDirs(ctx, set)
	rcs, err := adm.DescribeTopicConfigs(ctx, names...)
	if err != nil {
		return nil, err
	}
	live := liveBrokers(md)
	for _, name := range names {
		td := md.Topics[name]
		v := topicView{Topic: name, ID: cli.TopicID(td.ID), Internal: td.IsInternal, Partitions: []partitionView{}}
		for _, p := range td.Partitions.Sorted() {
			h := partitionOf(p, live)
			pv := partitionView{
				Partition: p.Partition, Leader: p.Leader, LeaderEpoch: p.LeaderEpoch,
				Replicas: h.Replicas, ISR: h.ISR, LogStart: -1, HighWatermark: -1, Size: -1,
				UnderReplicated: h.UnderReplicated, Offline: h.Offline, Error: h.Error,
			}
			if o, ok := starts.Lookup(name, p.Partition); ok && o.Err == nil {
				pv.LogStart = o.Offset
			}
			if o, ok := ends.Lookup(name, p.Partition); ok && o.Err == nil {
				pv.HighWatermark = o.Offset
			}
			for _, d := range dirs[p.Leader] {
				if dp, ok := d.Topics.Lookup(name, p.Partition); ok {
					pv.Size = dp.Size
				}
			}
			v.Partitions = append(v.Partitions, pv)
		}
		rc, err := rcs.On(name, nil)
		if err == nil {
			err = rc.Err
		}
		if err != nil {
			return nil, fmt.Errorf("configs of %s: %w", name, respErrOf(err, rc.ErrMessage))
		}
		v.Configs = configViews(rc.Configs, allConfigs, kmsg.ConfigSourceDynamicTopicConfig)
		vs = append(vs, v)
	}
	return vs, nil
}

// configViews converts configs, keeping only those set at one of the given
// sources unless all is true.
func configViews(cs []kadm.Config, all bool, sources ...kmsg.ConfigSource) []configView {
	out := []configView{}
	for _, c := range cs {
		keep := all
		for _, s := range sources {
			keep = keep || c.Source == s
		}
		if !keep {
			continue
		}
		out = append(out, configView{Name: c.Key, Value: c.MaybeValue(), Source: sourceName(c.Source), Sensitive: c.Sensitive})
	}
	return out
}

// sourceName is kmsg's ConfigSource name in Kafka's lower-case spelling,
// e.g. DYNAMIC_TOPIC_CONFIG -> dynamic_topic_config.
func sourceName(s kmsg.ConfigSource) string {
	return strings.ToLower(s.String())
}

func printTopicView(f *clientFlags, v topicView, all bool) error {
	p := f.printer()
	if p.JSON {
		return p.Encode(v)
	}
	if err := p.KV([][2]string{
		{"Topic", v.Topic}, {"ID", v.ID}, {"Internal", fmt.Sprint(v.Internal)}, {"Partitions", itoa(len(v.Partitions))},
	}); err != nil {
		return err
	}
	var rows [][]string
	for _, pv := range v.Partitions {
		status := partitionHealth{UnderReplicated: pv.UnderReplicated, Offline: pv.Offline}.status()
		if pv.Error != "" {
			status = strings.TrimSpace(status + " " + pv.Error)
		}
		rows = append(rows, []string{
			itoa(pv.Partition), itoa(pv.Leader), itoa(pv.LeaderEpoch), ints(pv.Replicas), ints(pv.ISR),
			itoa(pv.LogStart), itoa(pv.HighWatermark), itoa(pv.Size), status,
		})
	}
	if err := p.Section(false, "PARTITIONS", []string{"partition", "leader", "epoch", "replicas", "isr", "log-start", "high-watermark", "size", "status"}, rows); err != nil {
		return err
	}
	title := "CONFIGS (non-default)"
	if all {
		title = "CONFIGS"
	}
	rows = nil
	for _, c := range v.Configs {
		rows = append(rows, []string{c.Name, c.Value, c.Source})
	}
	if len(rows) == 0 {
		_, err := fmt.Fprintf(p.Out, "\n%s\n(none)\n", title)
		return err
	}
	return p.Section(false, title, []string{"name", "value", "source"}, rows)
}

// printTopicViews prints every described topic: a JSON array, or one
// block per topic separated by a blank line.
func printTopicViews(f *clientFlags, vs []topicView, all bool) error {
	if f.json {
		return f.printer().Encode(vs)
	}
	for i, v := range vs {
		if i > 0 {
			fmt.Println()
		}
		if err := printTopicView(f, v, all); err != nil {
			return err
		}
	}
	return nil
}

// printHealth prints the partitions --under-replicated or --unavailable
// selected: a JSON array, or a table, or nothing at all when there are
// none (so a script can test for empty output, as with kafka-topics.sh).
func printHealth(p *cli.Printer, hs []partitionHealth) error {
	if p.JSON {
		return p.Encode(hs)
	}
	if len(hs) == 0 {
		return nil
	}
	var rows [][]string
	for _, h := range hs {
		rows = append(rows, []string{h.Topic, itoa(h.Partition), itoa(h.Leader), ints(h.Replicas), ints(h.ISR), ints(h.OfflineReplicas), h.status()})
	}
	return p.Table([]string{"topic", "partition", "leader", "replicas", "isr", "offline-replicas", "status"}, rows)
}

func ints(v []int32) string {
	s := make([]string, len(v))
	for i, x := range v {
		s[i] = itoa(x)
	}
	return "[" + strings.Join(s, ",") + "]"
}

func nonNil(v []int32) []int32 {
	if v == nil {
		return []int32{}
	}
	return v
}

func newTopicAlterConfigCmd(f *clientFlags) *cobra.Command {
	var (
		set []string
		del []string
	)
	cmd := &cobra.Command{
		Use:   "alter-config NAME (-c key=value | --delete key)...",
		Short: "Set or remove topic config overrides (incremental)",
		Args:  cobra.ExactArgs(1),
		RunE: func(c *cobra.Command, args []string) error {
			alters, err := alterOps(set, del)
			if err != nil {
				return err
			}
			ctx, adm, done, err := f.adminSession(c.Context())
			if err != nil {
				return err
			}
			defer done()
			rs, err := adm.AlterTopicConfigs(ctx, alters, args[0])
			if err == nil {
				err = firstAlterErr(rs)
			}
			if err != nil {
				return fmt.Errorf("alter configs of %s: %w", args[0], ctxErr("alter-config", err))
			}
			return printAltered(f, "topic", args[0], alters)
		},
	}
	cmd.Flags().StringArrayVarP(&set, "config", "c", nil, "config key=value to set (repeatable)")
	cmd.Flags().StringArrayVar(&del, "delete", nil, "config key to remove, reverting it to the default (repeatable)")
	return cmd
}

// alterOps builds incremental alter operations from -c and --delete.
func alterOps(set, del []string) ([]kadm.AlterConfig, error) {
	if len(set) == 0 && len(del) == 0 {
		return nil, usagef("give at least one -c key=value or --delete key")
	}
	kv, err := kvArgs(set)
	if err != nil {
		return nil, err
	}
	var out []kadm.AlterConfig
	for _, k := range sortedKeys(kv) {
		out = append(out, kadm.AlterConfig{Op: kadm.SetConfig, Name: k, Value: kadm.StringPtr(kv[k])})
	}
	for _, k := range del {
		if strings.TrimSpace(k) == "" || strings.Contains(k, "=") {
			return nil, usagef("--delete takes a config name, got %q", k)
		}
		out = append(out, kadm.AlterConfig{Op: kadm.DeleteConfig, Name: k})
	}
	return out, nil
}

func firstAlterErr(rs kadm.AlterConfigsResponses) error {
	for _, r := range rs {
		if r.Err != nil {
			return respErrOf(r.Err, r.ErrMessage)
		}
	}
	return nil
}

func printAltered(f *clientFlags, kind, name string, alters []kadm.AlterConfig) error {
	p := f.printer()
	type op struct {
		Name  string  `json:"name"`
		Op    string  `json:"op"`
		Value *string `json:"value,omitempty"`
	}
	ops := []op{}
	var rows [][]string
	for _, a := range alters {
		o := op{Name: a.Name, Op: "set", Value: a.Value}
		if a.Op == kadm.DeleteConfig {
			o.Op = "delete"
		}
		ops = append(ops, o)
		val := ""
		if a.Value != nil {
			val = *a.Value
		}
		rows = append(rows, []string{a.Name, o.Op, val})
	}
	if p.JSON {
		return p.Encode(map[string]any{kind: name, "altered": ops})
	}
	return p.Table([]string{"name", "op", "value"}, rows)
}

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
	Partition     int32   `json:"partition"`
	Leader        int32   `json:"leader"`
	LeaderEpoch   int32   `json:"leader_epoch"`
	Replicas      []int32 `json:"replicas"`
	ISR           []int32 `json:"isr"`
	LogStart      int64   `json:"log_start_offset"`
	HighWatermark int64   `json:"high_watermark"`
	Size          int64   `json:"size_bytes"`
	Error         string  `json:"error,omitempty"`
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
	var all bool
	cmd := &cobra.Command{
		Use:   "describe NAME",
		Short: "Show a topic's partitions (leader, replicas, ISR, offsets, size) and its non-default configs",
		Args:  cobra.ExactArgs(1),
		RunE: func(c *cobra.Command, args []string) error {
			ctx, adm, done, err := f.adminSession(c.Context())
			if err != nil {
				return err
			}
			defer done()
			v, err := describeTopic(ctx, adm, args[0], all)
			if err != nil {
				return fmt.Errorf("describe topic %s: %w", args[0], ctxErr("describe", err))
			}
			return printTopicView(f, v, all)
		},
	}
	cmd.Flags().BoolVar(&all, "all-configs", false, "show every config, not only those that differ from the defaults")
	return cmd
}

func describeTopic(ctx context.Context, adm *kadm.Client, topic string, allConfigs bool) (topicView, error) {
	md, err := adm.Metadata(ctx, topic)
	if err != nil {
		return topicView{}, err
	}
	td, ok := md.Topics[topic]
	if !ok {
		return topicView{}, fmt.Errorf("not in the metadata response")
	}
	if td.Err != nil {
		return topicView{}, td.Err
	}
	starts, err := adm.ListStartOffsets(ctx, topic)
	if err != nil {
		return topicView{}, err
	}
	ends, err := adm.ListEndOffsets(ctx, topic)
	if err != nil {
		return topicView{}, err
	}
	// Sizes come from DescribeLogDirs on every broker; a partition's size is
	// its leader's copy.
	dirs, dirErr := adm.DescribeAllLogDirs(ctx, kadm.TopicsSet{topic: nil})
	v := topicView{Topic: topic, ID: cli.TopicID(td.ID), Internal: td.IsInternal, Partitions: []partitionView{}}
	for _, p := range td.Partitions.Sorted() {
		pv := partitionView{
			Partition: p.Partition, Leader: p.Leader, LeaderEpoch: p.LeaderEpoch,
			Replicas: nonNil(p.Replicas), ISR: nonNil(p.ISR), LogStart: -1, HighWatermark: -1, Size: -1,
		}
		if p.Err != nil {
			pv.Error = p.Err.Error()
		}
		if o, ok := starts.Lookup(topic, p.Partition); ok && o.Err == nil {
			pv.LogStart = o.Offset
		}
		if o, ok := ends.Lookup(topic, p.Partition); ok && o.Err == nil {
			pv.HighWatermark = o.Offset
		}
		if dirErr == nil {
			if bd, ok := dirs[p.Leader]; ok {
				for _, d := range bd {
					if dp, ok := d.Topics.Lookup(topic, p.Partition); ok {
						pv.Size = dp.Size
					}
				}
			}
		}
		v.Partitions = append(v.Partitions, pv)
	}
	rcs, err := adm.DescribeTopicConfigs(ctx, topic)
	if err != nil {
		return topicView{}, err
	}
	rc, err := rcs.On(topic, nil)
	if err == nil {
		err = rc.Err
	}
	if err != nil {
		return topicView{}, fmt.Errorf("configs: %w", respErrOf(err, rc.ErrMessage))
	}
	v.Configs = configViews(rc.Configs, allConfigs, kmsg.ConfigSourceDynamicTopicConfig)
	return v, nil
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
		row := []string{
			itoa(pv.Partition), itoa(pv.Leader), itoa(pv.LeaderEpoch), ints(pv.Replicas), ints(pv.ISR),
			itoa(pv.LogStart), itoa(pv.HighWatermark), itoa(pv.Size),
		}
		if pv.Error != "" {
			row = append(row, pv.Error)
		}
		rows = append(rows, row)
	}
	if err := p.Section(false, "PARTITIONS", []string{"partition", "leader", "epoch", "replicas", "isr", "log-start", "high-watermark", "size"}, rows); err != nil {
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

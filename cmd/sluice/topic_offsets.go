package main

import (
	"context"
	"fmt"
	"strings"

	"github.com/spf13/cobra"
	"github.com/twmb/franz-go/pkg/kadm"

	"sluice/cmd/sluice/internal/cli"
)

type offsetView struct {
	Partition int32  `json:"partition"`
	Start     *int64 `json:"log_start_offset,omitempty"`
	End       *int64 `json:"high_watermark,omitempty"`
	Offset    *int64 `json:"offset,omitempty"`
	Timestamp *int64 `json:"timestamp,omitempty"`
}

func newTopicOffsetsCmd(f *clientFlags) *cobra.Command {
	var at string
	cmd := &cobra.Command{
		Use:   "offsets NAME [--at earliest|latest|TIMESTAMP]",
		Short: "Show each partition's start and end offsets, or the offset at a time",
		Args:  cobra.ExactArgs(1),
		RunE: func(c *cobra.Command, args []string) error {
			topic := args[0]
			var ts int64 = -1
			switch strings.ToLower(at) {
			case "", "earliest", "latest":
			default:
				var err error
				if ts, err = cli.ParseTimestamp(at); err != nil {
					return usagef("--at: want earliest, latest or a timestamp: %s", strings.TrimPrefix(err.Error(), "cli: "))
				}
			}
			ctx, adm, done, err := f.adminSession(c.Context())
			if err != nil {
				return err
			}
			defer done()
			// ListOffsets on an unknown topic reports nothing useful; check it first.
			md, err := adm.Metadata(ctx, topic)
			if err == nil {
				if td, ok := md.Topics[topic]; !ok {
					err = fmt.Errorf("not in the metadata response")
				} else {
					err = td.Err
				}
			}
			if err != nil {
				return fmt.Errorf("offsets of %s: %w", topic, ctxErr("offsets", err))
			}
			rows, err := listOffsets(ctx, adm, topic, strings.ToLower(at), ts)
			if err != nil {
				return fmt.Errorf("offsets of %s: %w", topic, ctxErr("offsets", err))
			}
			return printOffsets(f, rows, at)
		},
	}
	cmd.Flags().StringVar(&at, "at", "", "earliest, latest, or a timestamp (Unix ms or RFC 3339); default: both ends")
	return cmd
}

func listOffsets(ctx context.Context, adm *kadm.Client, topic, at string, ts int64) ([]offsetView, error) {
	var (
		a, b kadm.ListedOffsets
		err  error
	)
	switch at {
	case "":
		if a, err = adm.ListStartOffsets(ctx, topic); err != nil {
			return nil, err
		}
		b, err = adm.ListEndOffsets(ctx, topic)
	case "earliest":
		a, err = adm.ListStartOffsets(ctx, topic)
	case "latest":
		a, err = adm.ListEndOffsets(ctx, topic)
	default:
		a, err = adm.ListOffsetsAfterMilli(ctx, ts, topic)
	}
	if err != nil {
		return nil, err
	}
	var rows []offsetView
	for p := int32(0); ; p++ {
		o, ok := a.Lookup(topic, p)
		if !ok {
			break
		}
		if o.Err != nil {
			return nil, fmt.Errorf("partition %d: %w", p, o.Err)
		}
		v := offsetView{Partition: p}
		switch at {
		case "":
			e, ok := b.Lookup(topic, p)
			if !ok || e.Err != nil {
				return nil, fmt.Errorf("partition %d: no end offset", p)
			}
			v.Start, v.End = ptr(o.Offset), ptr(e.Offset)
		case "earliest", "latest":
			v.Offset = ptr(o.Offset)
		default:
			v.Offset, v.Timestamp = ptr(o.Offset), ptr(o.Timestamp)
		}
		rows = append(rows, v)
	}
	return rows, nil
}

func printOffsets(f *clientFlags, rows []offsetView, at string) error {
	p := f.printer()
	if p.JSON {
		if rows == nil {
			rows = []offsetView{}
		}
		return p.Encode(rows)
	}
	var tab [][]string
	for _, r := range rows {
		switch {
		case r.Start != nil:
			tab = append(tab, []string{itoa(r.Partition), itoa(*r.Start), itoa(*r.End)})
		case r.Timestamp != nil:
			tab = append(tab, []string{itoa(r.Partition), itoa(*r.Offset), itoa(*r.Timestamp)})
		default:
			tab = append(tab, []string{itoa(r.Partition), itoa(*r.Offset)})
		}
	}
	switch strings.ToLower(at) {
	case "":
		return p.Table([]string{"partition", "log-start", "high-watermark"}, tab)
	case "earliest", "latest":
		return p.Table([]string{"partition", "offset"}, tab)
	default:
		return p.Table([]string{"partition", "offset", "timestamp"}, tab)
	}
}

func ptr[T any](v T) *T { return &v }

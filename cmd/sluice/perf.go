package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"time"

	"github.com/spf13/cobra"
	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kgo"
	"github.com/twmb/franz-go/pkg/kmsg"

	"sluice/cmd/sluice/internal/perf"
)

// newPerfCmd is `sluice perf produce|consume`, the Kafka perf-test scripts.
func newPerfCmd() *cobra.Command {
	f := &clientFlags{}
	cmd := parentCmd("perf", "Load-test a topic: throughput and latency")
	addClientFlags(cmd, f, true)
	cmd.AddCommand(newPerfProduceCmd(f), newPerfConsumeCmd(f))
	return cmd
}

type perfFlags struct {
	records  int64
	size     int
	rate     float64
	clients  int
	interval time.Duration
	quiet    bool
}

func (pf *perfFlags) register(cmd *cobra.Command, recordsHelp string) {
	fl := cmd.Flags()
	fl.Int64Var(&pf.records, "records", 0, recordsHelp)
	fl.IntVar(&pf.clients, "clients", 1, "independent clients (connections) sharing the work")
	fl.DurationVar(&pf.interval, "interval", 5*time.Second, "progress line period when stderr is not a terminal")
	fl.BoolVarP(&pf.quiet, "quiet", "q", false, "no progress output, only the summary")
}

func (pf *perfFlags) config(f *clientFlags, topic string, ctx context.Context, extra ...kgo.Opt) perf.Config {
	cfg := perf.Config{
		Topic: topic, Records: pf.records, Size: pf.size, Rate: pf.rate, Clients: pf.clients,
		Interval: pf.interval, StallTimeout: f.timeout,
		NewClient: func(opts ...kgo.Opt) (*kgo.Client, error) {
			return f.client(ctx, append(append([]kgo.Opt{}, extra...), opts...)...)
		},
	}
	if !pf.quiet {
		cfg.Progress, cfg.TTY = os.Stderr, perf.IsTerminal(os.Stderr)
	}
	return cfg
}

func printPerf(f *clientFlags, res perf.Result, err error) error {
	p := f.printer()
	if p.JSON {
		if perr := p.Encode(res); perr != nil {
			return perr
		}
	} else if perr := res.WriteText(p.Out); perr != nil {
		return perr
	}
	if err != nil {
		return err
	}
	if res.Errors > 0 {
		return fmt.Errorf("%d records failed (first: %s)", res.Errors, res.FirstError)
	}
	return nil
}

func newPerfProduceCmd(f *clientFlags) *cobra.Command {
	var (
		pf          perfFlags
		acks        string
		compression string
		linger      time.Duration
	)
	cmd := &cobra.Command{
		Use:   "produce TOPIC",
		Short: "Produce --records records of --size bytes as fast as allowed; print throughput and ack latency",
		Long: "Produce --records records of --size bytes as fast as allowed; print throughput and ack latency.\n" +
			"A missing topic is created by the broker if its auto.create.topics.enable is on (the default),\n" +
			"as with Kafka's kafka-producer-perf-test.sh.",
		Args: cobra.ExactArgs(1),
		RunE: func(c *cobra.Command, args []string) error {
			if pf.records <= 0 || pf.size <= 0 || pf.clients <= 0 || pf.rate < 0 {
				return usagef("perf produce: --records, --size and --clients must be positive, --rate >= 0")
			}
			opts, err := producerOpts(acks, compression)
			if err != nil {
				return err
			}
			opts = append(opts, kgo.ProducerLinger(linger), kgo.UnknownTopicRetries(2))
			ctx, cancel := signalContext(c.Context())
			defer cancel()
			if err := ensureProduceTopic(ctx, f, args[0]); err != nil {
				return err
			}
			res, err := perf.Produce(ctx, pf.config(f, args[0], ctx, opts...))
			if err != nil && !errors.Is(err, perf.ErrStalled) {
				return fmt.Errorf("perf produce: %w", err)
			}
			return printPerf(f, res, err)
		},
	}
	pf.register(cmd, "records to produce (required)")
	fl := cmd.Flags()
	fl.IntVar(&pf.size, "size", 100, "bytes per record value")
	fl.Float64Var(&pf.rate, "rate", 0, "throughput cap in records/sec over all clients (0: none)")
	fl.StringVar(&acks, "acks", "all", "acks: all (-1), 1 or 0")
	fl.StringVarP(&compression, "compression", "z", "none", "compression: none, gzip, snappy, lz4, zstd")
	fl.DurationVar(&linger, "linger", 5*time.Millisecond, "producer linger (batching delay)")
	return cmd
}

func newPerfConsumeCmd(f *clientFlags) *cobra.Command {
	var (
		pf     perfFlags
		offset string
	)
	cmd := &cobra.Command{
		Use:   "consume TOPIC",
		Short: "Consume --records records (default: up to the current end); print throughput and record age",
		Args:  cobra.ExactArgs(1),
		RunE: func(c *cobra.Command, args []string) error {
			if pf.records < 0 || pf.clients <= 0 {
				return usagef("perf consume: --records must be >= 0 and --clients positive")
			}
			start, startArg, err := startOffset(offset)
			if err != nil {
				return err
			}
			ctx, cancel := signalContext(c.Context())
			defer cancel()
			mctx, mcancel := f.ctx(ctx)
			defer mcancel()
			adm, err := f.admin(mctx)
			if err != nil {
				return err
			}
			defer adm.Close()
			parts, err := topicPartitions(mctx, adm, args[0], nil)
			if err != nil {
				return fmt.Errorf("perf consume %s: %w", args[0], ctxErr("perf consume", err))
			}
			cfg := pf.config(f, args[0], ctx)
			cfg.Partitions, cfg.Offset = parts, start
			if pf.records == 0 {
				if cfg.Ends, err = partitionsToDrain(mctx, adm, args[0], parts, offset, startArg, nil); err != nil {
					return fmt.Errorf("perf consume %s: %w", args[0], ctxErr("perf consume", err))
				}
			}
			res, err := perf.Consume(ctx, cfg)
			if err != nil && !errors.Is(err, perf.ErrStalled) {
				return fmt.Errorf("perf consume: %w", err)
			}
			return printPerf(f, res, err)
		},
	}
	pf.register(cmd, "records to consume (0: everything up to each partition's end at start-up)")
	cmd.Flags().StringVarP(&offset, "offset", "o", "earliest", "where to start: earliest, latest, N or @TIMESTAMP")
	return cmd
}

// ensureProduceTopic fails fast (one line) when the broker is unreachable,
// and otherwise makes sure topic exists before any load starts. As Kafka's
// kafka-producer-perf-test.sh (its producer's Metadata requests allow
// auto-creation), a missing topic is created by the broker when
// auto.create.topics.enable is on (the default); when it is off the broker
// answers UNKNOWN_TOPIC_OR_PARTITION and this says so.
func ensureProduceTopic(ctx context.Context, f *clientFlags, topic string) error {
	mctx, cancel := f.ctx(ctx)
	defer cancel()
	cl, err := f.client(mctx)
	if err != nil {
		return err
	}
	defer cl.Close()
	req := kmsg.NewPtrMetadataRequest()
	req.AllowAutoTopicCreation = true
	rt := kmsg.NewMetadataRequestTopic()
	rt.Topic = kmsg.StringPtr(topic)
	req.Topics = append(req.Topics, rt)
	for {
		resp, err := req.RequestWith(mctx, cl)
		if err != nil {
			return fmt.Errorf("%s: %w", topic, ctxErr("metadata", err))
		}
		code := kerr.UnknownTopicOrPartition.Code
		for _, t := range resp.Topics {
			if t.Topic != nil && *t.Topic == topic {
				code = t.ErrorCode
				if code == 0 && len(t.Partitions) == 0 {
					code = kerr.LeaderNotAvailable.Code
				}
			}
		}
		switch err := kerr.ErrorForCode(code); {
		case code == 0:
			return nil
		case code == kerr.UnknownTopicOrPartition.Code:
			return fmt.Errorf("%s: %w: the topic does not exist and the broker does not create topics on use "+
				"(auto.create.topics.enable=false); create it first: sluice topic create %s", topic, err, topic)
		case !kerr.IsRetriable(err):
			return fmt.Errorf("%s: %w", topic, err)
		}
		// Being created (LEADER_NOT_AVAILABLE until it has a leader).
		select {
		case <-mctx.Done():
			return fmt.Errorf("%s: %w", topic, ctxErr("metadata", mctx.Err()))
		case <-time.After(100 * time.Millisecond):
		}
	}
}

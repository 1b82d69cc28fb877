package main

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"sync"

	"github.com/spf13/cobra"
	"github.com/twmb/franz-go/pkg/kgo"
)

// newProduceCmd is `sluice produce TOPIC`, kafka-console-producer.sh: one
// record per stdin line (the line without its '\n').
func newProduceCmd() *cobra.Command {
	f := &clientFlags{}
	var (
		keySep      string
		headers     []string
		partition   int32
		acks        string
		compression string
		verbose     bool
	)
	cmd := &cobra.Command{
		Use:   "produce TOPIC",
		Short: "Produce records read from stdin, one a line",
		Long: "Produce records read from stdin, one a line (without the newline). With --key-separator the\n" +
			"text before the first separator is the key. -v prints each record's partition and offset.",
		Args: cobra.ExactArgs(1),
		RunE: func(c *cobra.Command, args []string) error {
			opts, err := producerOpts(acks, compression)
			if err != nil {
				return err
			}
			hdrs, err := headerArgs(headers)
			if err != nil {
				return err
			}
			if partition >= 0 {
				opts = append(opts, kgo.RecordPartitioner(kgo.ManualPartitioner()))
			}
			opts = append(opts, kgo.DefaultProduceTopic(args[0]), kgo.RecordDeliveryTimeout(f.timeout), kgo.UnknownTopicRetries(2))
			ctx, cancel := signalContext(c.Context())
			defer cancel()
			cl, err := f.client(ctx, opts...)
			if err != nil {
				return err
			}
			defer cl.Close()
			p := &lineProducer{cl: cl, out: bufio.NewWriter(os.Stdout), verbose: verbose, json: f.json}
			err = p.run(ctx, os.Stdin, []byte(keySep), hdrs, partition)
			if err != nil {
				return fmt.Errorf("produce to %s: %w", args[0], ctxErr("produce", err))
			}
			return nil
		},
	}
	addClientFlags(cmd, f, true)
	fl := cmd.Flags()
	fl.StringVar(&keySep, "key-separator", "", "split each line into key and value at the first occurrence of this string")
	fl.StringArrayVarP(&headers, "header", "H", nil, "record header k=v added to every record (repeatable)")
	fl.Int32VarP(&partition, "partition", "p", -1, "produce to this partition (-1: the default partitioner)")
	fl.StringVar(&acks, "acks", "all", "acks: all (-1), 1 or 0")
	fl.StringVarP(&compression, "compression", "z", "none", "compression: none, gzip, snappy, lz4, zstd")
	fl.BoolVarP(&verbose, "verbose", "v", false, "print the partition and offset of each record")
	return cmd
}

// producerOpts maps --acks and --compression to franz-go options; bad
// values are usage errors.
func producerOpts(acks, compression string) ([]kgo.Opt, error) {
	var opts []kgo.Opt
	switch strings.ToLower(acks) {
	case "all", "-1":
		opts = append(opts, kgo.RequiredAcks(kgo.AllISRAcks()))
	case "1":
		opts = append(opts, kgo.RequiredAcks(kgo.LeaderAck()), kgo.DisableIdempotentWrite())
	case "0":
		opts = append(opts, kgo.RequiredAcks(kgo.NoAck()), kgo.DisableIdempotentWrite())
	default:
		return nil, usagef("--acks: want all, -1, 1 or 0, got %q", acks)
	}
	codec, err := compressionCodec(compression)
	if err != nil {
		return nil, err
	}
	return append(opts, kgo.ProducerBatchCompression(codec)), nil
}

func compressionCodec(name string) (kgo.CompressionCodec, error) {
	switch strings.ToLower(name) {
	case "", "none":
		return kgo.NoCompression(), nil
	case "gzip":
		return kgo.GzipCompression(), nil
	case "snappy":
		return kgo.SnappyCompression(), nil
	case "lz4":
		return kgo.Lz4Compression(), nil
	case "zstd":
		return kgo.ZstdCompression(), nil
	}
	return kgo.CompressionCodec{}, usagef("--compression: want none, gzip, snappy, lz4 or zstd, got %q", name)
}

func headerArgs(args []string) ([]kgo.RecordHeader, error) {
	var out []kgo.RecordHeader
	for _, a := range args {
		k, v, ok := strings.Cut(a, "=")
		if !ok || k == "" {
			return nil, usagef("--header: malformed %q (want key=value)", a)
		}
		out = append(out, kgo.RecordHeader{Key: k, Value: []byte(v)})
	}
	return out, nil
}

// lineProducer sends stdin lines asynchronously and reports the first
// delivery failure.
type lineProducer struct {
	cl      *kgo.Client
	out     *bufio.Writer
	verbose bool
	json    bool

	mu struct {
		sync.Mutex
		err error
	}
}

func (p *lineProducer) run(ctx context.Context, in io.Reader, sep []byte, hdrs []kgo.RecordHeader, partition int32) error {
	br := bufio.NewReaderSize(in, 1<<20)
	for {
		line, rerr := br.ReadBytes('\n')
		if len(line) > 0 {
			line = bytes.TrimSuffix(line, []byte{'\n'})
			r := &kgo.Record{Value: line, Headers: hdrs, Partition: partition}
			if len(sep) > 0 {
				if k, v, ok := bytes.Cut(line, sep); ok {
					r.Key, r.Value = k, v
				}
			}
			if err := p.firstErr(); err != nil {
				return err
			}
			p.cl.Produce(ctx, r, p.done)
		}
		if rerr == io.EOF {
			break
		}
		if rerr != nil {
			return fmt.Errorf("reading stdin: %w", rerr)
		}
	}
	if err := p.cl.Flush(ctx); err != nil && p.firstErr() == nil {
		return err
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if err := p.out.Flush(); err != nil && p.mu.err == nil {
		p.mu.err = err
	}
	return p.mu.err
}

func (p *lineProducer) firstErr() error {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.mu.err
}

// done is the produce promise; franz-go calls it serially.
func (p *lineProducer) done(r *kgo.Record, err error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if err != nil {
		if p.mu.err == nil && !errors.Is(err, context.Canceled) {
			p.mu.err = err
		}
		return
	}
	if !p.verbose {
		return
	}
	if p.json {
		fmt.Fprintf(p.out, "{\"topic\":%q,\"partition\":%d,\"offset\":%d}\n", r.Topic, r.Partition, r.Offset)
	} else {
		fmt.Fprintf(p.out, "partition %d offset %d\n", r.Partition, r.Offset)
	}
}

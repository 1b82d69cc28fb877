package clustertest

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kgo"
)

// Producer is the safety workload's writer: one idempotent franz-go client
// with acks=all and unlimited retries (Jepsen's "safe" settings) sending
// values 0, 1, 2, ... as decimal strings, keyed by value mod Keys, and
// recording every acknowledgement. Values are sent one at a time through
// a window of MaxInFlight unacknowledged records.
type Producer struct {
	cl     *kgo.Client
	cancel context.CancelFunc
	done   chan struct{}

	mu      sync.Mutex
	hist    History
	lastAck time.Time
	maxGap  time.Duration
	gapEnd  time.Time // when the longest gap ended
	errs    map[string]int

	acked atomic.Int64
}

// ProducerOptions configure a Producer.
type ProducerOptions struct {
	Topic       string
	Keys        int           // distinct keys (default 16)
	MaxInFlight int           // unacknowledged records at most (default 100)
	Interval    time.Duration // pause between sends (default none)
	// DeliveryTimeout bounds one record's retries (default 2 minutes).
	DeliveryTimeout time.Duration
	Extra           []kgo.Opt
}

// StartProducer starts the workload against seeds.
func StartProducer(seeds []string, o ProducerOptions) (*Producer, error) {
	if o.Keys <= 0 {
		o.Keys = 16
	}
	if o.MaxInFlight <= 0 {
		o.MaxInFlight = 100
	}
	if o.DeliveryTimeout <= 0 {
		o.DeliveryTimeout = 2 * time.Minute
	}
	opts := append([]kgo.Opt{
		kgo.SeedBrokers(seeds...),
		kgo.DefaultProduceTopic(o.Topic),
		kgo.RequiredAcks(kgo.AllISRAcks()),
		kgo.RecordRetries(1 << 30),
		kgo.RecordDeliveryTimeout(o.DeliveryTimeout),
		kgo.ProducerLinger(2 * time.Millisecond),
		kgo.RetryBackoffFn(func(int) time.Duration { return 100 * time.Millisecond }),
	}, o.Extra...)
	cl, err := kgo.NewClient(opts...)
	if err != nil {
		return nil, err
	}
	ctx, cancel := context.WithCancel(context.Background())
	p := &Producer{cl: cl, cancel: cancel, done: make(chan struct{}), errs: map[string]int{}, lastAck: time.Now()}
	go p.run(ctx, o)
	return p, nil
}

func (p *Producer) run(ctx context.Context, o ProducerOptions) {
	defer close(p.done)
	window := make(chan struct{}, o.MaxInFlight)
	var wg sync.WaitGroup
	defer wg.Wait()
	for v := int64(0); ; v++ {
		select {
		case window <- struct{}{}:
		case <-ctx.Done():
			return
		}
		if ctx.Err() != nil {
			return
		}
		rec := &kgo.Record{Key: []byte("k" + strconv.Itoa(int(v)%o.Keys)), Value: []byte(strconv.FormatInt(v, 10))}
		p.mu.Lock()
		p.hist.Sent = v + 1
		p.mu.Unlock()
		wg.Add(1)
		value := v
		p.cl.Produce(context.Background(), rec, func(r *kgo.Record, err error) {
			defer wg.Done()
			defer func() { <-window }()
			p.mu.Lock()
			defer p.mu.Unlock()
			if err != nil {
				p.hist.Failed = append(p.hist.Failed, value)
				p.errs[errName(err)]++
				return
			}
			now := time.Now()
			if gap := now.Sub(p.lastAck); gap > p.maxGap {
				p.maxGap, p.gapEnd = gap, now
			}
			p.lastAck = now
			p.hist.Acked = append(p.hist.Acked, Ack{Value: value, Partition: r.Partition, Offset: r.Offset})
			p.acked.Add(1)
		})
		if o.Interval > 0 {
			select {
			case <-time.After(o.Interval):
			case <-ctx.Done():
				return
			}
		}
	}
}

func errName(err error) string {
	var s fmt.Stringer
	if errors.As(err, &s) {
		return s.String()
	}
	return err.Error()
}

// LongestGap is the longest time between two acknowledgements so far and
// when it ended.
func (p *Producer) LongestGap() (time.Duration, time.Time) {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.maxGap, p.gapEnd
}

// Acked is how many records were acknowledged so far.
func (p *Producer) Acked() int64 { return p.acked.Load() }

// WaitAcked waits until n more records than now were acknowledged, or ctx
// ends.
func (p *Producer) WaitAcked(ctx context.Context, n int64) error {
	want := p.Acked() + n
	for p.Acked() < want {
		select {
		case <-ctx.Done():
			return fmt.Errorf("%d acknowledgements, waiting for %d: %w", p.Acked(), want, ctx.Err())
		case <-time.After(20 * time.Millisecond):
		}
	}
	return nil
}

// Stop stops sending, waits for the records in flight to end (flushing
// them at most flushFor) and returns the history, the longest time
// between two acknowledgements, and the produce errors seen by name.
func (p *Producer) Stop(flushFor time.Duration) (History, time.Duration, map[string]int) {
	p.cancel()
	ctx, cancel := context.WithTimeout(context.Background(), flushFor)
	defer cancel()
	_ = p.cl.Flush(ctx)
	p.cl.Close() // fails what is still buffered
	<-p.done
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.hist, p.maxGap, p.errs
}

// ReadAll reads every partition of topic from the log start to the end
// offsets it finds first, with a fresh client.
func ReadAll(ctx context.Context, seeds []string, topic string, extra ...kgo.Opt) ([]Read, error) {
	cl, err := kgo.NewClient(append([]kgo.Opt{kgo.SeedBrokers(seeds...)}, extra...)...)
	if err != nil {
		return nil, err
	}
	defer cl.Close()
	ends, err := endOffsets(ctx, cl, topic)
	if err != nil {
		return nil, err
	}
	cl.Close()
	offsets := map[string]map[int32]kgo.Offset{topic: {}}
	remaining := 0
	for p, end := range ends {
		if end > 0 {
			offsets[topic][p] = kgo.NewOffset().AtStart()
			remaining++
		}
	}
	if remaining == 0 {
		return nil, nil
	}
	cl, err = kgo.NewClient(append([]kgo.Opt{kgo.SeedBrokers(seeds...), kgo.ConsumePartitions(offsets)}, extra...)...)
	if err != nil {
		return nil, err
	}
	defer cl.Close()
	var out []Read
	done := map[int32]bool{}
	for len(done) < remaining {
		fs := cl.PollFetches(ctx)
		if ctx.Err() != nil {
			return out, fmt.Errorf("read %d records, %d of %d partitions complete: %w", len(out), len(done), remaining, ctx.Err())
		}
		var ferr error
		fs.EachError(func(_ string, p int32, err error) { ferr = fmt.Errorf("partition %d: %w", p, err) })
		if ferr != nil && !kgoRetriable(ferr) {
			return out, ferr
		}
		fs.EachRecord(func(r *kgo.Record) {
			v, err := strconv.ParseInt(string(r.Value), 10, 64)
			if err != nil {
				v = -1
			}
			out = append(out, Read{Value: v, Partition: r.Partition, Offset: r.Offset})
			if r.Offset+1 >= ends[r.Partition] {
				done[r.Partition] = true
			}
		})
	}
	return out, nil
}

// endOffsets lists the topic's end offsets, retrying while leaders move.
func endOffsets(ctx context.Context, cl *kgo.Client, topic string) (map[int32]int64, error) {
	adm := kadm.NewClient(cl)
	for {
		res, err := adm.ListEndOffsets(ctx, topic)
		if err == nil {
			err = res.Error()
		}
		if err == nil {
			out := map[int32]int64{}
			res.Each(func(o kadm.ListedOffset) { out[o.Partition] = o.Offset })
			if len(out) > 0 {
				return out, nil
			}
			err = fmt.Errorf("topic %s has no partitions", topic)
		}
		select {
		case <-ctx.Done():
			return nil, fmt.Errorf("list end offsets: %w (%w)", err, ctx.Err())
		case <-time.After(200 * time.Millisecond):
		}
	}
}

func kgoRetriable(err error) bool { return kerr.IsRetriable(err) }

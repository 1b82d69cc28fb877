package clustertest

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os/exec"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/IBM/sarama"
	kafka "github.com/segmentio/kafka-go"
	"github.com/twmb/franz-go/pkg/kadm"
)

// recorder is a History written by one client's produce loop.
type recorder struct {
	mu    sync.Mutex
	h     History
	errs  map[string]int
	acked atomic.Int64
}

func newRecorder() *recorder { return &recorder{errs: map[string]int{}} }

func (r *recorder) sent(n int64) {
	r.mu.Lock()
	r.h.Sent = max(r.h.Sent, n)
	r.mu.Unlock()
}

func (r *recorder) ack(v int64, p int32, off int64) {
	r.mu.Lock()
	r.h.Acked = append(r.h.Acked, Ack{Value: v, Partition: p, Offset: off})
	r.mu.Unlock()
	r.acked.Add(1)
}

func (r *recorder) fail(v int64, err error) {
	r.mu.Lock()
	r.h.Failed = append(r.h.Failed, v)
	r.errs[err.Error()]++
	r.mu.Unlock()
}

func (r *recorder) history() (History, map[string]int) {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.h, r.errs
}

func (r *recorder) waitAcked(ctx context.Context, n int64) error {
	want := r.acked.Load() + n
	for r.acked.Load() < want {
		select {
		case <-ctx.Done():
			return fmt.Errorf("%d acknowledgements, waiting for %d: %w", r.acked.Load(), want, ctx.Err())
		case <-time.After(20 * time.Millisecond):
		}
	}
	return nil
}

const clientBatch = 50

// pace waits a little between batches (the test needs a steady stream,
// not throughput) and reports whether to go on.
func pace(ctx context.Context) bool {
	select {
	case <-ctx.Done():
		return false
	case <-time.After(5 * time.Millisecond):
		return true
	}
}

// saramaLoop sends 0, 1, 2, ... in batches through an idempotent sarama
// SyncProducer with acks=all until ctx ends.
func saramaLoop(ctx context.Context, seeds []string, topic string, r *recorder) error {
	cfg := sarama.NewConfig()
	cfg.Version = sarama.V3_6_0_0
	cfg.Producer.Return.Successes = true
	cfg.Producer.RequiredAcks = sarama.WaitForAll
	cfg.Producer.Idempotent = true
	cfg.Producer.Retry.Max = 200
	cfg.Producer.Retry.Backoff = 100 * time.Millisecond
	cfg.Producer.Partitioner = sarama.NewHashPartitioner
	cfg.Net.MaxOpenRequests = 1
	cfg.Metadata.Retry.Max = 100
	cfg.Metadata.Retry.Backoff = 200 * time.Millisecond
	prod, err := sarama.NewSyncProducer(seeds, cfg)
	if err != nil {
		return err
	}
	defer prod.Close()
	for v := int64(0); pace(ctx); v += clientBatch {
		msgs := make([]*sarama.ProducerMessage, clientBatch)
		for i := range msgs {
			val := v + int64(i)
			msgs[i] = &sarama.ProducerMessage{Topic: topic, Key: sarama.StringEncoder("k" + strconv.Itoa(int(val%16))),
				Value: sarama.StringEncoder(strconv.FormatInt(val, 10)), Metadata: val}
		}
		r.sent(v + clientBatch)
		err := prod.SendMessages(msgs)
		failed := map[*sarama.ProducerMessage]error{}
		var perrs sarama.ProducerErrors
		if errors.As(err, &perrs) {
			for _, pe := range perrs {
				failed[pe.Msg] = pe.Err
			}
		} else if err != nil {
			for _, m := range msgs {
				failed[m] = err
			}
		}
		for _, m := range msgs {
			if e, ok := failed[m]; ok {
				r.fail(m.Metadata.(int64), e)
			} else {
				r.ack(m.Metadata.(int64), m.Partition, m.Offset)
			}
		}
	}
	return nil
}

// kafkaGoLoop sends 0, 1, 2, ... in batches through a kafka-go Writer
// with acks=all (not idempotent: a retried batch may be written twice).
func kafkaGoLoop(ctx context.Context, seeds []string, topic string, r *recorder) error {
	w := &kafka.Writer{Addr: kafka.TCP(seeds...), Topic: topic, RequiredAcks: kafka.RequireAll,
		Balancer: &kafka.Hash{}, BatchTimeout: 2 * time.Millisecond, MaxAttempts: 200,
		WriteBackoffMin: 50 * time.Millisecond, WriteBackoffMax: 250 * time.Millisecond,
		Transport: &kafka.Transport{MetadataTTL: time.Second},
		Completion: func(msgs []kafka.Message, err error) {
			for _, m := range msgs {
				v, _ := strconv.ParseInt(string(m.Value), 10, 64)
				if err != nil {
					r.fail(v, err)
				} else {
					r.ack(v, int32(m.Partition), m.Offset)
				}
			}
		}}
	defer w.Close()
	for v := int64(0); pace(ctx); v += clientBatch {
		msgs := make([]kafka.Message, clientBatch)
		for i := range msgs {
			val := v + int64(i)
			msgs[i] = kafka.Message{Key: []byte("k" + strconv.Itoa(int(val%16))), Value: []byte(strconv.FormatInt(val, 10))}
		}
		r.sent(v + clientBatch)
		// Completion records the outcome; the error repeats it. A
		// background context: stopping must not cancel a batch midway.
		_ = w.WriteMessages(context.Background(), msgs...)
	}
	return nil
}

// TestClientsAcrossLeaderFailover: sarama, kafka-go and franz-go each
// produce with acks=all to their own RF-3 topic (min.insync.replicas 2)
// while a broker leading a partition of every topic is SIGKILLed; each
// carries on, and every acknowledged record is read back where it was
// acknowledged. kcat then produces and consumes with the broker still
// down.
func TestClientsAcrossLeaderFailover(t *testing.T) {
	c := startCluster(t, 3, nil)
	adm := c.admin()
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	minISR := map[string]*string{"min.insync.replicas": kadm.StringPtr("2")}
	topics := []string{"c-sarama", "c-kafkago", "c-franz", "c-kcat"}
	if _, err := adm.CreateTopics(ctx, 3, 3, minISR, topics...); err != nil {
		t.Fatal(err)
	}
	for _, tp := range topics {
		c.waitTopic(adm, tp, 3, 30*time.Second)
	}

	seeds := c.Seeds()
	wctx, stopWriters := context.WithCancel(context.Background())
	recs := map[string]*recorder{"c-sarama": newRecorder(), "c-kafkago": newRecorder()}
	loops := map[string]func(context.Context, []string, string, *recorder) error{"c-sarama": saramaLoop, "c-kafkago": kafkaGoLoop}
	var wg sync.WaitGroup
	loopErrs := make(chan error, len(loops))
	for tp, loop := range loops {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if err := loop(wctx, seeds, tp, recs[tp]); err != nil {
				loopErrs <- fmt.Errorf("%s: %w", tp, err)
			}
		}()
	}
	franz, err := StartProducer(seeds, ProducerOptions{Topic: "c-franz", MaxInFlight: 50, Interval: 100 * time.Microsecond})
	if err != nil {
		t.Fatal(err)
	}
	progress := func(n int64, what string) {
		t.Helper()
		pctx, pcancel := context.WithTimeout(ctx, 60*time.Second)
		defer pcancel()
		start := time.Now()
		for tp, r := range recs {
			if err := r.waitAcked(pctx, n); err != nil {
				t.Fatalf("%s %s: %v", tp, what, err)
			}
			t.Logf("%s: %d more acknowledged %s after %v", tp, n, what, time.Since(start).Round(time.Millisecond))
		}
		if err := franz.WaitAcked(pctx, n); err != nil {
			t.Fatalf("c-franz %s: %v", what, err)
		}
		t.Logf("c-franz: %d more acknowledged %s after %v", n, what, time.Since(start).Round(time.Millisecond))
	}
	progress(500, "before the kill")
	victim := c.broker(leaderOf(t, adm, "c-franz", 0))
	killedAt := time.Now()
	victim.Kill()
	t.Logf("killed broker %d", victim.ID)
	waitLeaderNot(t, adm, "c-franz", 0, victim.ID, 30*time.Second)
	progress(500, fmt.Sprintf("with broker %d down", victim.ID))
	t.Logf("every client made progress %v after the kill", time.Since(killedAt).Round(time.Millisecond))

	stopWriters()
	wg.Wait()
	close(loopErrs)
	for err := range loopErrs {
		t.Fatal(err)
	}
	franzHist, gap, franzErrs := franz.Stop(30 * time.Second)
	hists := map[string]History{"c-franz": franzHist}
	errsBy := map[string]map[string]int{"c-franz": franzErrs}
	for tp, r := range recs {
		hists[tp], errsBy[tp] = r.history()
	}
	t.Logf("franz-go: longest pause between acknowledgements %v", gap)
	for _, tp := range []string{"c-sarama", "c-kafkago", "c-franz"} {
		reads, err := ReadAll(ctx, seeds, tp)
		if err != nil {
			t.Fatalf("%s: %v", tp, err)
		}
		rep := Check(hists[tp], reads)
		t.Logf("%s: %s; failed %d; produce errors %v", tp, rep, len(hists[tp].Failed), errsBy[tp])
		if len(rep.Lost)+len(rep.Moved)+len(rep.Unexpected) > 0 {
			t.Errorf("%s lost or moved acknowledged records: %s", tp, rep)
		}
		// kafka-go's Writer is not idempotent: a retried batch may be
		// written twice (at-least-once), later than its successors.
		if tp != "c-kafkago" && !rep.OK() {
			t.Errorf("%s (idempotent): %s", tp, rep)
		}
	}

	kcatRoundTrip(t, ctx, seeds, "c-kcat")
}

// kcatRoundTrip produces lines with kcat (acks=all) and consumes them back
// with kcat, if the binary is installed.
func kcatRoundTrip(t *testing.T, ctx context.Context, seeds []string, topic string) {
	kcat, err := exec.LookPath("kcat")
	if err != nil {
		t.Log("kcat not installed (scripts/install-test-deps.sh): skipping its round trip")
		return
	}
	const n = 300
	var in strings.Builder
	for i := range n {
		fmt.Fprintf(&in, "kcat-%d\n", i)
	}
	kctx, kcancel := context.WithTimeout(ctx, 60*time.Second)
	defer kcancel()
	brokers := strings.Join(seeds, ",")
	prod := exec.CommandContext(kctx, kcat, "-b", brokers, "-P", "-t", topic, "-X", "acks=all",
		"-X", "message.send.max.retries=100", "-X", "retry.backoff.ms=200")
	prod.Stdin = strings.NewReader(in.String())
	if out, err := prod.CombinedOutput(); err != nil {
		t.Fatalf("kcat -P: %v\n%s", err, out)
	}
	cons := exec.CommandContext(kctx, kcat, "-b", brokers, "-C", "-t", topic, "-o", "beginning", "-e", "-q", "-f", "%s\n")
	var stderr bytes.Buffer
	cons.Stderr = &stderr
	out, err := cons.Output()
	if err != nil {
		t.Fatalf("kcat -C: %v\n%s", err, stderr.String())
	}
	seen := map[string]bool{}
	for _, l := range strings.Split(strings.TrimSpace(string(out)), "\n") {
		seen[l] = true
	}
	for i := range n {
		if !seen[fmt.Sprintf("kcat-%d", i)] {
			t.Fatalf("kcat read %d distinct lines, missing kcat-%d; stderr:\n%s", len(seen), i, stderr.String())
		}
	}
	t.Logf("kcat: produced %d lines and read them back (%d distinct)", n, len(seen))
}

package main

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kgo"
)

// mountTmpfs mounts a tmpfs of size ("64m") on a new dir for the test and
// unmounts it at the end; the test is skipped when that is not allowed.
func mountTmpfs(t *testing.T, size string) string {
	t.Helper()
	dir := t.TempDir()
	if err := syscall.Mount("tmpfs", dir, "tmpfs", 0, "size="+size); err != nil {
		t.Skipf("cannot mount a tmpfs (needs root): %v", err)
	}
	t.Cleanup(func() {
		if err := syscall.Unmount(dir, syscall.MNT_DETACH); err != nil {
			t.Errorf("unmount %s: %v", dir, err)
		}
	})
	return dir
}

// produceUntilFull produces distinct values to topic until produces fail
// with KAFKA_STORAGE_ERROR, and returns the values acknowledged.
func produceUntilFull(t *testing.T, cl *kgo.Client, topic string, from int) (acked map[string]bool, next int) {
	t.Helper()
	acked = map[string]bool{}
	var mu sync.Mutex
	var storageErrs int
	payload := make([]byte, 1000)
	rand.Read(payload) // incompressible: the volume fills with ~1 KiB per record
	deadline := time.Now().Add(60 * time.Second)
	for next = from; time.Now().Before(deadline); {
		var wg sync.WaitGroup
		for i := 0; i < 200; i++ {
			v := fmt.Sprintf("%08d-%x", next, payload[:500])
			next++
			wg.Add(1)
			cl.Produce(context.Background(), &kgo.Record{Topic: topic, Value: []byte(v)}, func(r *kgo.Record, err error) {
				defer wg.Done()
				mu.Lock()
				defer mu.Unlock()
				switch {
				case err == nil:
					acked[string(r.Value[:8])] = true
				case errors.Is(err, kerr.KafkaStorageError):
					storageErrs++
				default:
					t.Errorf("produce: %v", err)
				}
			})
		}
		wg.Wait()
		mu.Lock()
		full := storageErrs > 0
		mu.Unlock()
		if full {
			return acked, next
		}
	}
	t.Fatal("the volume never filled")
	return nil, 0
}

// consumeAll reads every partition of topic from the start to its high
// watermark and returns the values' keys.
func consumeAll(t *testing.T, brokers, topic string) map[string]bool {
	t.Helper()
	adm, err := kgo.NewClient(kgo.SeedBrokers(brokers))
	if err != nil {
		t.Fatal(err)
	}
	defer adm.Close()
	ends, err := kadm.NewClient(adm).ListEndOffsets(context.Background(), topic)
	if err != nil || ends.Error() != nil {
		t.Fatalf("list end offsets: %v %v", err, ends.Error())
	}
	want := map[int32]int64{}
	offsets := map[string]map[int32]kgo.Offset{topic: {}}
	ends.Each(func(o kadm.ListedOffset) {
		if o.Offset > 0 {
			want[o.Partition] = o.Offset
			offsets[topic][o.Partition] = kgo.NewOffset().AtStart()
		}
	})
	got := map[string]bool{}
	if len(want) == 0 {
		return got
	}
	cl, err := kgo.NewClient(kgo.SeedBrokers(brokers), kgo.ConsumePartitions(offsets))
	if err != nil {
		t.Fatal(err)
	}
	defer cl.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	for len(want) > 0 {
		fs := cl.PollFetches(ctx)
		if ctx.Err() != nil {
			t.Fatalf("consume %s: partitions %v not read to their end", topic, want)
		}
		fs.EachError(func(_ string, p int32, err error) { t.Fatalf("fetch %s-%d: %v", topic, p, err) })
		fs.EachRecord(func(r *kgo.Record) {
			got[string(r.Value[:8])] = true
			if end, ok := want[r.Partition]; ok && r.Offset+1 >= end {
				delete(want, r.Partition)
			}
		})
	}
	return got
}

// TestE2EDiskFull reproduces probe 5 of issue 9 on a real 64 MiB tmpfs
// with a real broker process and a real client: producing until the volume
// is full, every acknowledged record is read back; reads, DeleteRecords and
// DeleteTopics work while it is full; /readyz and the metrics report it;
// once space is freed (a ballast file removed) appends resume without a
// restart, and again no acknowledged record is lost.
func TestE2EDiskFull(t *testing.T) {
	needBinary(t)
	mnt := mountTmpfs(t, "64m")
	ballast := filepath.Join(mnt, "ballast")
	if err := os.WriteFile(ballast, make([]byte, 12<<20), 0o644); err != nil {
		t.Fatal(err)
	}
	data := filepath.Join(mnt, "data")
	metrics := fmt.Sprintf("127.0.0.1:%d", freePort())
	bp, err := startBroker(data, "sluice.metrics.listener="+metrics, "log.segment.bytes=2097152")
	if err != nil {
		t.Fatal(err)
	}
	defer bp.stop()
	for _, c := range [][]string{{"topic", "create", "fill", "-p", "3"}, {"topic", "create", "victim", "-p", "1"}, {"topic", "create", "trim", "-p", "1"}} {
		if r := sluice(t, "", append(c, "--brokers", bp.addr)...); r.code != 0 {
			t.Fatalf("%v: %s", c, r.stderr)
		}
	}
	for _, topic := range []string{"victim", "trim"} {
		if r := sluice(t, strings.Repeat("some data\n", 100), "produce", topic, "--brokers", bp.addr); r.code != 0 {
			t.Fatalf("produce %s: %s", topic, r.stderr)
		}
	}
	cl, err := kgo.NewClient(kgo.SeedBrokers(bp.addr), kgo.DisableIdempotentWrite(), kgo.RequiredAcks(kgo.AllISRAcks()),
		kgo.ProducerBatchCompression(kgo.NoCompression()),
		kgo.RecordRetries(2), kgo.RecordDeliveryTimeout(10*time.Second), kgo.ProducerLinger(5*time.Millisecond))
	if err != nil {
		t.Fatal(err)
	}
	defer cl.Close()

	acked, next := produceUntilFull(t, cl, "fill", 0)
	t.Logf("volume full after %d acknowledged records", len(acked))
	code, body := httpGet(t, "http://"+metrics+"/readyz")
	if code != 503 || !strings.Contains(body, "degraded") || !strings.Contains(body, "full") {
		t.Fatalf("/readyz while full: %d %q", code, body)
	}
	if _, m := httpGet(t, "http://"+metrics+"/metrics"); !strings.Contains(m, fmt.Sprintf("sluice_log_dir_full{dir=%q} 1", data)) {
		t.Fatalf("metrics while full lack sluice_log_dir_full 1:\n%s", grepLines(m, "sluice_log_dir"))
	}
	// Reads of everything acknowledged, while full.
	got := consumeAll(t, bp.addr, "fill")
	for v := range acked {
		if !got[v] {
			t.Fatalf("acknowledged record %s not read back while full (%d of %d read)", v, len(got), len(acked))
		}
	}
	// Deletes while full.
	adm := kadm.NewClient(cl)
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	dr, err := adm.DeleteRecords(ctx, kadm.Offsets{"trim": {0: {Topic: "trim", Partition: 0, At: 50}}})
	if err != nil || dr.Error() != nil {
		t.Fatalf("DeleteRecords while full: %v %v", err, dr.Error())
	}
	dt, err := adm.DeleteTopics(ctx, "victim")
	if err != nil || dt.Error() != nil {
		t.Fatalf("DeleteTopics while full: %v %v", err, dt.Error())
	}

	// Space back: appends resume by themselves.
	if err := os.Remove(ballast); err != nil {
		t.Fatal(err)
	}
	resumed := false
	for deadline := time.Now().Add(30 * time.Second); time.Now().Before(deadline); time.Sleep(200 * time.Millisecond) {
		v := fmt.Sprintf("%08d-resume", next)
		if err := cl.ProduceSync(ctx, &kgo.Record{Topic: "fill", Value: []byte(v)}).FirstErr(); err == nil {
			acked[v[:8]] = true
			next++
			resumed = true
			break
		}
	}
	if !resumed {
		t.Fatal("appends did not resume after space was freed")
	}
	for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(100 * time.Millisecond) {
		if code, body := httpGet(t, "http://"+metrics+"/readyz"); code == 200 {
			break
		} else if time.Now().After(deadline) {
			t.Fatalf("/readyz after space came back: %d %q", code, body)
		}
	}
	for i := 0; i < 500; i++ {
		v := fmt.Sprintf("%08d-after", next)
		next++
		if err := cl.ProduceSync(ctx, &kgo.Record{Topic: "fill", Value: []byte(v)}).FirstErr(); err != nil {
			t.Fatalf("produce after space came back: %v", err)
		}
		acked[v[:8]] = true
	}
	got = consumeAll(t, bp.addr, "fill")
	lost := 0
	for v := range acked {
		if !got[v] {
			lost++
		}
	}
	if lost > 0 {
		t.Fatalf("%d of %d acknowledged records lost", lost, len(acked))
	}
	t.Logf("%d acknowledged records, all read back; reads, DeleteRecords and DeleteTopics worked while full; appends resumed without a restart", len(acked))
	if out := bp.out.String(); !strings.Contains(out, "log dir full") || strings.Contains(out, "log dir offline") {
		t.Fatalf("broker log: want the full dir reported and never taken offline:\n%s", grepLines(out, "log dir"))
	}
}

func grepLines(s, sub string) string {
	var out []string
	for _, l := range strings.Split(s, "\n") {
		if strings.Contains(l, sub) {
			out = append(out, l)
		}
	}
	return strings.Join(out, "\n")
}

package protocol

import (
	"bytes"
	"context"
	"log/slog"
	"maps"
	"net"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kgo"
	"github.com/twmb/franz-go/pkg/kmsg"

	"sluice/cluster"
	"sluice/protocol/kerr"
)

// lockedBuffer is a bytes.Buffer safe for the logger's concurrent writes.
type lockedBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *lockedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *lockedBuffer) String() string { b.mu.Lock(); defer b.mu.Unlock(); return b.buf.String() }

// TestErrorCodesAndRequestLog: every error code of a response is counted
// (per partition for Produce, per topic and partition for Metadata, top-level for the
// KIP-511 ApiVersions answer), successes as NONE, and at debug level each
// request writes one request log line with its fields.
func TestErrorCodesAndRequestLog(t *testing.T) {
	props := map[string]string{"listeners": "PLAINTEXT://127.0.0.1:0", "log.dirs": t.TempDir()}
	cfg, _, err := cluster.ParseBrokerConfig(maps.Clone(props))
	if err != nil {
		t.Fatal(err)
	}
	rec := &countingRecorder{requests: map[int16]int{}}
	var logs lockedBuffer
	logger := slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	b, err := startTestBrokerWith(testBrokerOptions{Config: cfg, Recorder: rec, Logger: logger})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { closeBroker(t, b) })
	createTopic(t, b, "fine", 1, map[string]string{"flush.messages": "1"})

	c, err := net.Dial("tcp", b.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	roundTrip := func(req kmsg.Request, corr int32) {
		t.Helper()
		if _, err := c.Write(rawRequest(req, corr)); err != nil {
			t.Fatal(err)
		}
		if _, err := readFrame(t, c); err != nil {
			t.Fatal(err)
		}
	}
	// Produce to two partitions of a missing topic: two errors.
	prod := kmsg.NewPtrProduceRequest()
	prod.SetVersion(9)
	prod.Acks, prod.TimeoutMillis = 1, 1000
	pt := kmsg.NewProduceRequestTopic()
	pt.Topic = "missing"
	for p := range int32(2) {
		pp := kmsg.NewProduceRequestTopicPartition()
		pp.Partition = p
		pp.Records = buildBatch(t, -1, -1, -1, 1)
		pt.Partitions = append(pt.Partitions, pp)
	}
	prod.Topics = append(prod.Topics, pt)
	roundTrip(prod, 1)
	// Metadata for the missing topic and the existing one: one error, and
	// NONE for the existing topic and its partition.
	md := kmsg.NewPtrMetadataRequest()
	md.SetVersion(12)
	for _, name := range []string{"missing", "fine"} {
		mt := kmsg.NewMetadataRequestTopic()
		mt.Topic = kmsg.StringPtr(name)
		md.Topics = append(md.Topics, mt)
	}
	roundTrip(md, 2)
	// ApiVersions at a version the broker does not serve (KIP-511).
	av := kmsg.NewPtrApiVersionsRequest()
	av.SetVersion(99)
	roundTrip(av, 3)

	rec.mu.Lock()
	raw := maps.Clone(rec.errs)
	rec.mu.Unlock()

	// A successful produce through kgo flushes (flush.messages=1).
	cl := newKgo(t, b, kgo.DefaultProduceTopic("fine"), kgo.ClientID("obs-test"))
	if err := cl.ProduceSync(context.Background(), &kgo.Record{Value: []byte("v")}).FirstErr(); err != nil {
		t.Fatal(err)
	}

	unknown := kerr.UnknownTopicOrPartition.Code
	want := map[[2]int16]int{ // the three raw requests' codes, exactly
		{0, unknown}: 2, {3, unknown}: 1,
		{3, 0}:                             2, // Metadata: topic "fine" and its partition
		{18, kerr.UnsupportedVersion.Code}: 1,
	}
	if !maps.Equal(raw, want) {
		t.Errorf("error counts after the raw requests = %v, want %v", raw, want)
	}
	rec.mu.Lock()
	if rec.errs[[2]int16{0, 0}] != 1 {
		t.Errorf("Produce NONE count = %d, want 1 (the kgo produce's one partition)", rec.errs[[2]int16{0, 0}])
	}
	if rec.flushes < 1 {
		t.Errorf("log flushes recorded: %d, want >= 1 after a produce with flush.messages=1", rec.flushes)
	}
	rec.mu.Unlock()

	lines := requestLines(logs.String())
	wantLines := []string{
		`client_id=test api=Produce version=9 correlation_id=1 size=`,
		`error=UNKNOWN_TOPIC_OR_PARTITION`,
		`client_id=test api=Metadata version=12 correlation_id=2 size=`,
		`client_id=test api=ApiVersions version=99 correlation_id=3 size=`,
		`error=UNSUPPORTED_VERSION`,
		`client_id=obs-test api=Produce`,
	}
	all := strings.Join(lines, "\n")
	for _, w := range wantLines {
		if !strings.Contains(all, w) {
			t.Errorf("request log lacks %q:\n%s", w, all)
		}
	}
	for _, l := range lines {
		for _, f := range []string{"component=request", "client_id=", "api=", "version=", "size=", "latency=", "error="} {
			if !strings.Contains(l, f) {
				t.Errorf("request line lacks %s: %s", f, l)
			}
		}
	}
	rec.mu.Lock()
	total := 0
	for _, n := range rec.requests {
		total += n
	}
	rec.mu.Unlock()
	if len(lines) != total {
		t.Errorf("%d request log lines for %d requests", len(lines), total)
	}
}

// requestLines returns the request log lines (msg=request).
func requestLines(s string) []string {
	var out []string
	for l := range strings.Lines(s) {
		if strings.Contains(l, "msg=request ") {
			out = append(out, strings.TrimSpace(l))
		}
	}
	return out
}

// TestRequestLogOffAtInfo: at info level no request lines are written.
func TestRequestLogOffAtInfo(t *testing.T) {
	props := map[string]string{"listeners": "PLAINTEXT://127.0.0.1:0", "log.dirs": t.TempDir()}
	cfg, _, err := cluster.ParseBrokerConfig(props)
	if err != nil {
		t.Fatal(err)
	}
	var logs lockedBuffer
	b, err := startTestBrokerWith(testBrokerOptions{Config: cfg, Logger: slog.New(slog.NewTextHandler(&logs, nil))})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { closeBroker(t, b) })
	cl := newKgo(t, b)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if _, err := kmsg.NewPtrMetadataRequest().RequestWith(ctx, cl); err != nil {
		t.Fatal(err)
	}
	if n := len(requestLines(logs.String())); n != 0 {
		t.Errorf("%d request lines at info level", n)
	}
}

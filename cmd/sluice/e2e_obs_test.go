package main

import (
	"encoding/binary"
	"encoding/json"
	"io"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kmsg"

	"sluice/engine/record"
)

// rawConn speaks the Kafka protocol directly, to send requests the CLI
// would not (a produce to a missing topic, an unsupported version).
type rawConn struct {
	t    *testing.T
	c    net.Conn
	corr int32
}

func dialRaw(t *testing.T, addr string) *rawConn {
	t.Helper()
	c, err := net.DialTimeout("tcp", addr, 5*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return &rawConn{t: t, c: c}
}

// send frames req with client id "e2e-raw" and returns the frame's size
// without its length prefix (what the broker reports as the request size).
func (r *rawConn) send(req kmsg.Request) int {
	r.t.Helper()
	r.corr++
	b := make([]byte, 4, 128)
	b = binary.BigEndian.AppendUint16(b, uint16(req.Key()))
	b = binary.BigEndian.AppendUint16(b, uint16(req.GetVersion()))
	b = binary.BigEndian.AppendUint32(b, uint32(r.corr))
	b = binary.BigEndian.AppendUint16(b, 7)
	b = append(b, "e2e-raw"...)
	if req.IsFlexible() {
		b = append(b, 0)
	}
	b = req.AppendTo(b)
	binary.BigEndian.PutUint32(b, uint32(len(b)-4))
	if _, err := r.c.Write(b); err != nil {
		r.t.Fatal(err)
	}
	return len(b) - 4
}

// recv reads one response frame.
func (r *rawConn) recv() {
	r.t.Helper()
	_ = r.c.SetReadDeadline(time.Now().Add(10 * time.Second))
	var sz [4]byte
	if _, err := io.ReadFull(r.c, sz[:]); err != nil {
		r.t.Fatal(err)
	}
	if _, err := io.ReadFull(r.c, make([]byte, binary.BigEndian.Uint32(sz[:]))); err != nil {
		r.t.Fatal(err)
	}
}

// TestE2EErrorsPurgatoryFlushAndRequestLog runs a broker at debug level
// with per-component log files and checks: the errors counter moves by one
// per partition for a produce to a missing topic and by one for an
// unsupported ApiVersions; a parked fetch shows in the Fetch purgatory; a
// produce to a flush.messages=1 topic populates the flush histogram; and
// request.log has one line per request with its fields.
func TestE2EErrorsPurgatoryFlushAndRequestLog(t *testing.T) {
	needBinary(t)
	dir := t.TempDir()
	logs := filepath.Join(dir, "logs")
	metrics := "127.0.0.1:" + itoa(freePort())
	bp, err := startBroker(filepath.Join(dir, "data"), "sluice.log.level=debug", "sluice.log.format=json",
		"sluice.log.files.dir="+logs, "sluice.metrics.listener="+metrics)
	if err != nil {
		t.Fatal(err)
	}
	defer bp.stop()
	base := "http://" + metrics + "/metrics"
	run := func(stdin string, args ...string) {
		t.Helper()
		if r := sluice(t, stdin, append(args, "--brokers", bp.addr)...); r.code != 0 {
			t.Fatalf("sluice %v: exit %d: %s", args, r.code, r.stderr)
		}
	}
	run("", "topic", "create", "flushed", "-p", "1", "-c", "flush.messages=1")
	run("a\nb\n", "produce", "flushed", "--acks", "1")
	// Only the raw client below talks to the broker from here on (the
	// first scrape also connects the group-lag admin client beforehand).
	httpGet(t, base)
	_, before := httpGet(t, base)

	rc := dialRaw(t, bp.addr)
	prod := kmsg.NewPtrProduceRequest()
	prod.SetVersion(9)
	prod.Acks, prod.TimeoutMillis = 1, 1000
	pt := kmsg.NewProduceRequestTopic()
	pt.Topic = "missing"
	for p := range int32(2) {
		pp := kmsg.NewProduceRequestTopicPartition()
		pp.Partition = p
		bl := record.NewBuilder(record.BuilderOptions{ProducerID: -1, ProducerEpoch: -1, BaseSequence: -1})
		bl.Add(nil, []byte("x"), time.Now().UnixMilli())
		pp.Records = bl.Build()
		pt.Partitions = append(pt.Partitions, pp)
	}
	prod.Topics = append(prod.Topics, pt)
	prodSize := rc.send(prod)
	rc.recv()
	av := kmsg.NewPtrApiVersionsRequest()
	av.SetVersion(99)
	rc.send(av)
	rc.recv()

	// A fetch at the log end parks for up to 3 s: the Fetch purgatory has it.
	fetch := kmsg.NewPtrFetchRequest()
	fetch.SetVersion(12)
	fetch.ReplicaID, fetch.MaxWaitMillis, fetch.MinBytes, fetch.MaxBytes, fetch.SessionEpoch = -1, 3000, 1, 1<<20, -1
	ft := kmsg.NewFetchRequestTopic()
	ft.Topic = "flushed"
	fp := kmsg.NewFetchRequestTopicPartition()
	fp.FetchOffset, fp.PartitionMaxBytes, fp.CurrentLeaderEpoch, fp.LogStartOffset = 2, 1<<20, -1, -1
	ft.Partitions = append(ft.Partitions, fp)
	fetch.Topics = append(fetch.Topics, ft)
	rc.send(fetch)
	fetchSeries := `kafka_server_delayedoperationpurgatory_purgatorysize{delayedoperation="Fetch"}`
	var parked string
	for deadline := time.Now().Add(2 * time.Second); time.Now().Before(deadline); time.Sleep(50 * time.Millisecond) {
		if _, parked = httpGet(t, base); metricValue(parked, fetchSeries) == 1 {
			break
		}
	}
	if got := metricValue(parked, fetchSeries); got != 1 {
		t.Errorf("Fetch purgatory size while a fetch is parked = %v, want 1", got)
	}
	if got := metricValue(parked, `kafka_server_delayedoperationpurgatory_purgatorysize{delayedoperation="Produce"}`); got != 0 {
		t.Errorf("Produce purgatory size = %v, want 0", got)
	}
	rc.recv()
	_, after := httpGet(t, base)
	if got := metricValue(after, fetchSeries); got != 0 {
		t.Errorf("Fetch purgatory size after the fetch answered = %v, want 0", got)
	}

	delta := func(series string) float64 {
		b := max(metricValue(before, series), 0)
		return metricValue(after, series) - b
	}
	for series, want := range map[string]float64{
		`kafka_network_requestmetrics_errors_total{error="UNKNOWN_TOPIC_OR_PARTITION",request="Produce"}`: 2,
		`kafka_network_requestmetrics_errors_total{error="UNSUPPORTED_VERSION",request="ApiVersions"}`:    1,
	} {
		if got := delta(series); got != want {
			t.Errorf("%s moved by %v, want %v", series, got, want)
		}
	}
	if got := metricValue(after, `kafka_network_requestmetrics_errors_total{error="NONE",request="Produce"}`); got < 1 {
		t.Errorf("Produce NONE errors = %v after the CLI produce, want >= 1", got)
	}
	// As Kafka's FetchResponse.errorCounts: the top-level code and each partition's.
	if got := delta(`kafka_network_requestmetrics_errors_total{error="NONE",request="Fetch"}`); got != 2 {
		t.Errorf("Fetch NONE moved by %v, want 2 (the raw fetch's top level and its one partition)", got)
	}
	if got := metricValue(after, "kafka_log_logflushstats_logflushtime_seconds_count"); got < 1 {
		t.Errorf("log flush histogram count = %v after a produce with flush.messages=1", got)
	}

	// request.log: one JSON line per request, written before the answer.
	b, err := os.ReadFile(filepath.Join(logs, "request.log"))
	if err != nil {
		t.Fatal(err)
	}
	var raw []map[string]any
	for l := range strings.Lines(string(b)) {
		var rec map[string]any
		if err := json.Unmarshal([]byte(l), &rec); err != nil {
			t.Fatalf("request.log line is not JSON: %q", l)
		}
		if rec["msg"] != "request" {
			continue
		}
		for _, f := range []string{"component", "client_id", "api", "version", "size", "latency", "error"} {
			if _, ok := rec[f]; !ok {
				t.Errorf("request line lacks %s: %s", f, l)
			}
		}
		if rec["client_id"] == "e2e-raw" {
			raw = append(raw, rec)
		}
	}
	want := []struct {
		api     string
		version float64
		err     string
	}{{"Produce", 9, "UNKNOWN_TOPIC_OR_PARTITION"}, {"ApiVersions", 99, "UNSUPPORTED_VERSION"}, {"Fetch", 12, "NONE"}}
	if len(raw) != len(want) {
		t.Fatalf("request.log has %d lines from the raw client, want %d:\n%s", len(raw), len(want), b)
	}
	for i, w := range want {
		r := raw[i]
		if r["api"] != w.api || r["version"] != w.version || r["error"] != w.err || r["component"] != "request" {
			t.Errorf("request line %d = %v, want api %s v%v error %s", i, r, w.api, w.version, w.err)
		}
	}
	if raw[0]["size"] != float64(prodSize) {
		t.Errorf("Produce size = %v, want %d", raw[0]["size"], prodSize)
	}
}

package main

import (
	"bufio"
	"encoding/json"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"sluice/cmd/sluice/internal/cli"
)

func TestE2EProduceConsumeByteIdentical(t *testing.T) {
	needBroker(t)
	topic := newTopic(t)
	ok(t, "", "topic", "create", topic, "-p", "1")
	lines := []string{
		"plain",
		"",
		"tabs\tand  spaces ",
		"unicode: żółć 日本 🚀",
		"carriage\rreturn",
		`quotes "and" \backslashes\ %v %k`,
		strings.Repeat("x", 100_000),
		"last",
	}
	in := strings.Join(lines, "\n") + "\n"
	out := ok(t, in, "produce", topic, "-v")
	if n := strings.Count(out, "partition 0 offset "); n != len(lines) {
		t.Errorf("produce -v printed %d offsets, want %d:\n%.300s", n, len(lines), out)
	}
	got := ok(t, "", "consume", topic, "-o", "earliest", "--exit-at-end")
	if got != in {
		t.Errorf("consumed bytes differ from produced: got %d bytes, want %d\n%.300q", len(got), len(in), got)
	}
	// -n stops early, from an offset
	if got := ok(t, "", "consume", topic, "-o", "2", "-n", "2"); got != lines[2]+"\n"+lines[3]+"\n" {
		t.Errorf("consume -o 2 -n 2: %q", got)
	}
}

func TestE2EKeysHeadersFormatJSON(t *testing.T) {
	needBroker(t)
	topic := newTopic(t)
	ok(t, "", "topic", "create", topic, "-p", "1")
	in := "k1:v1\nk2:v:with:colons\nnokey\n"
	out := ok(t, in, "produce", topic, "--key-separator", ":", "--header", "trace=abc", "--header", "eq=a=b",
		"--acks", "1", "--compression", "gzip", "-v", "--json")
	var acks []map[string]any
	for _, l := range strings.Split(strings.TrimSpace(out), "\n") {
		acks = append(acks, decode[map[string]any](t, l))
	}
	if len(acks) != 3 || acks[2]["offset"] != float64(2) {
		t.Errorf("produce -v --json: %s", out)
	}
	got := ok(t, "", "consume", topic, "-o", "earliest", "-e", "--format", `%p %o %k|%v|%h\n`)
	want := "0 0 k1|v1|trace=abc,eq=a=b\n0 1 k2|v:with:colons|trace=abc,eq=a=b\n0 2 |nokey|trace=abc,eq=a=b\n"
	if got != want {
		t.Errorf("--format output:\n%q\nwant\n%q", got, want)
	}
	out = ok(t, "", "consume", topic, "-o", "earliest", "-e", "--json")
	var recs []cli.JSONRecord
	sc := bufio.NewScanner(strings.NewReader(out))
	for sc.Scan() {
		var r cli.JSONRecord
		if err := json.Unmarshal(sc.Bytes(), &r); err != nil {
			t.Fatalf("line %q: %v", sc.Text(), err)
		}
		recs = append(recs, r)
	}
	if len(recs) != 3 || *recs[0].Key != "k1" || *recs[1].Value != "v:with:colons" || recs[2].Key != nil ||
		len(recs[0].Headers) != 2 || recs[0].Headers[1].Key != "eq" || *recs[0].Headers[1].Value != "a=b" ||
		recs[2].Offset != 2 || recs[0].Timestamp <= 0 || recs[0].Topic != topic {
		t.Errorf("consume --json:\n%s", out)
	}
}

func TestE2EConsumeFromTimestamp(t *testing.T) {
	needBroker(t)
	topic := newTopic(t)
	ok(t, "", "topic", "create", topic, "-p", "2")
	ok(t, "old-1\nold-2\nold-3\n", "produce", topic, "--partition", "1")
	time.Sleep(50 * time.Millisecond)
	mid := time.Now().UnixMilli()
	time.Sleep(50 * time.Millisecond)
	ok(t, "new-1\nnew-2\n", "produce", topic, "--partition", "1")
	got := ok(t, "", "consume", topic, "-o", "@"+strconv.FormatInt(mid, 10), "-e")
	if got != "new-1\nnew-2\n" {
		t.Errorf("consume -o @%d: %q", mid, got)
	}
	rfc := time.UnixMilli(mid).UTC().Format(time.RFC3339Nano)
	if got := ok(t, "", "consume", topic, "-o", "@"+rfc, "-e", "--format", `%v@%p\n`); got != "new-1@1\nnew-2@1\n" {
		t.Errorf("consume -o @%s: %q", rfc, got)
	}
	out := ok(t, "", "topic", "offsets", topic, "--at", strconv.FormatInt(mid, 10), "--json")
	offs := decode[[]offsetView](t, out)
	if len(offs) != 2 || *offs[1].Offset != 3 || *offs[1].Timestamp < mid {
		t.Errorf("offsets --at %d: %s", mid, out)
	}
}

func TestE2EPerf(t *testing.T) {
	needBroker(t)
	topic := newTopic(t)
	ok(t, "", "topic", "create", topic, "-p", "2")
	out := ok(t, "", "perf", "produce", topic, "--records", "3000", "--size", "256", "--clients", "2", "--interval", "100ms")
	for _, want := range []string{"3000 records sent", "records/sec", "MB/sec", "p50", "p95", "p99", "p99.9", "max"} {
		if !strings.Contains(out, want) {
			t.Errorf("perf produce lacks %q:\n%s", want, out)
		}
	}
	res := decode[perfSummary](t, ok(t, "", "perf", "produce", topic, "--records", "1000", "--size", "100", "--rate", "2000", "--json", "-q"))
	if res.Records != 1000 || res.Bytes != 100_000 || res.RecordsPerSec <= 0 || res.RecordsPerSec > 2300 || res.MBPerSec <= 0 {
		t.Errorf("perf produce --json: %+v", res)
	}
	for _, k := range []string{"avg", "p50", "p95", "p99", "p99_9", "max"} {
		if v, ok := res.Latency[k]; !ok || v <= 0 {
			t.Errorf("latency %s = %v", k, v)
		}
	}
	if res.Latency["p50"] > res.Latency["p99"] || res.Latency["p99"] > res.Latency["max"] {
		t.Errorf("quantiles out of order: %v", res.Latency)
	}
	out = ok(t, "", "perf", "consume", topic, "--clients", "2")
	if !strings.Contains(out, "4000 records consumed") || !strings.Contains(out, "p99.9") {
		t.Errorf("perf consume:\n%s", out)
	}
}

func TestE2EDumpSegment(t *testing.T) {
	needBroker(t)
	if e2e.logDir == "" {
		t.Skip("external broker: its files are not here")
	}
	topic := newTopic(t)
	ok(t, "", "topic", "create", topic, "-p", "1")
	ok(t, "a\nb\nc\n", "produce", topic)
	// How the client splits records into batches is its choice; the checks
	// below do not depend on it. Compressible values: franz-go sends a batch uncompressed when
	// compressing does not make it smaller.
	ok(t, strings.Repeat("d", 300)+"\n"+strings.Repeat("e", 300)+"\n", "produce", topic, "--compression", "lz4")
	seg := filepath.Join(e2e.logDir, topic+"-0", "00000000000000000000.log")
	r := sluice(t, "", "dump", seg, "--records")
	if r.code != 0 {
		t.Fatalf("dump: exit %d\n%s\n%s", r.code, r.stdout, r.stderr)
	}
	out := r.stdout
	for _, want := range []string{"baseOffset: 0 ", "position: 0 ", "codec: lz4", "isValid: true", "valueSize: 300", `payload: "eeeeeeee`, " batches, 5 records, ", " 0 problems"} {
		if !strings.Contains(out, want) {
			t.Errorf("dump lacks %q:\n%s", want, out)
		}
	}
	// A corrupted copy: flip a byte inside the second batch.
	data, err := os.ReadFile(seg)
	if err != nil {
		t.Fatal(err)
	}
	bad := filepath.Join(t.TempDir(), "00000000000000000000.log")
	pos := strings.Index(out, "baseOffset: 3 ")
	if pos < 0 {
		t.Fatalf("no second batch in:\n%s", out)
	}
	p := strings.Fields(out[pos:])[7] // "baseOffset: 3 lastOffset: 4 count: 2 position: N"
	n, _ := strconv.Atoi(p)
	data[n+70] ^= 0x55
	os.WriteFile(bad, data, 0o644)
	r = sluice(t, "", "dump", bad)
	if r.code != 1 || !strings.Contains(r.stdout, "! CORRUPT: batch at position "+p) || strings.Count(r.stdout, "isValid: false") != 1 {
		t.Errorf("corrupt dump: exit %d\n%s\n%s", r.code, r.stdout, r.stderr)
	}
	oneLine(t, r.stderr)
}

// perfSummary is the part of `perf --json` the tests read.
type perfSummary struct {
	Records       int64              `json:"records"`
	Bytes         int64              `json:"bytes"`
	RecordsPerSec float64            `json:"records_per_sec"`
	MBPerSec      float64            `json:"mb_per_sec"`
	Latency       map[string]float64 `json:"latency_ms"`
}

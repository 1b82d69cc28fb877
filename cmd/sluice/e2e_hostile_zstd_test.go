package main

import (
	"bytes"
	"encoding/binary"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kmsg"

	"sluice/engine/record/recordtest"
)

// procCPU returns the user+system CPU time a process has used, from
// /proc/<pid>/stat (fields 14 and 15, in clock ticks of 1/100 s).
func procCPU(t *testing.T, pid int) time.Duration {
	t.Helper()
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		t.Fatal(err)
	}
	// The command name (field 2) is in parentheses and may hold spaces.
	f := strings.Fields(string(b[bytes.LastIndexByte(b, ')')+2:]))
	utime, err1 := strconv.ParseInt(f[11], 10, 64)
	stime, err2 := strconv.ParseInt(f[12], 10, 64)
	if err1 != nil || err2 != nil {
		t.Fatalf("cannot parse /proc/%d/stat: %q", pid, b)
	}
	return time.Duration(utime+stime) * 10 * time.Millisecond
}

// roundTrip sends req on the raw connection and decodes the response.
func (r *rawConn) roundTrip(req kmsg.Request, resp kmsg.Response, timeout time.Duration) {
	r.t.Helper()
	r.send(req)
	_ = r.c.SetReadDeadline(time.Now().Add(timeout))
	var sz [4]byte
	if _, err := io.ReadFull(r.c, sz[:]); err != nil {
		r.t.Fatal(err)
	}
	body := make([]byte, binary.BigEndian.Uint32(sz[:]))
	if _, err := io.ReadFull(r.c, body); err != nil {
		r.t.Fatal(err)
	}
	body = body[4:] // correlation id
	if resp.IsFlexible() {
		body = body[1:] // empty tagged fields of the response header
	}
	resp.SetVersion(req.GetVersion())
	if err := resp.ReadFrom(body); err != nil {
		r.t.Fatal(err)
	}
}

// TestE2EHostileZstdBombs reproduces probe 4 of issue 9 against a real
// broker process with default settings: one ~850 KB Produce request of 400
// zstd "bombs" (2 KB batches of RLE blocks without a frame content size,
// each announcing about 64 MiB) costs the broker less than 5 s of CPU (the
// probe measured 78 s before decompression was streamed and capped per
// request; issue 9 asks this of 100), every batch answers INVALID_RECORD,
// and the broker then serves a healthy producer and consumer.
func TestE2EHostileZstdBombs(t *testing.T) {
	needBinary(t)
	dir := t.TempDir()
	bp, err := startBroker(filepath.Join(dir, "data"), "sluice.metrics.listener=")
	if err != nil {
		t.Fatal(err)
	}
	defer bp.stop()
	if r := sluice(t, "", "topic", "create", "bombs", "-p", "400", "--brokers", bp.addr); r.code != 0 {
		t.Fatalf("topic create: %s", r.stderr)
	}
	const bombs = 400
	bomb := recordtest.ZstdBomb(2048)
	req := kmsg.NewPtrProduceRequest()
	req.Version, req.Acks, req.TimeoutMillis = 8, 1, 30000
	rt := kmsg.NewProduceRequestTopic()
	rt.Topic = "bombs"
	for p := int32(0); p < bombs; p++ {
		rp := kmsg.NewProduceRequestTopicPartition()
		rp.Partition, rp.Records = p, bomb
		rt.Partitions = append(rt.Partitions, rp)
	}
	req.Topics = append(req.Topics, rt)
	pid := bp.cmd.Process.Pid
	conn := dialRaw(t, bp.addr)
	before := procCPU(t, pid)
	resp := kmsg.NewPtrProduceResponse()
	conn.roundTrip(req, resp, 60*time.Second)
	cpu := procCPU(t, pid) - before
	t.Logf("one Produce of %d zstd bombs (%d bytes each, %d KiB request): %v of broker CPU", bombs, len(bomb), bombs*len(bomb)>>10, cpu)
	if len(resp.Topics) != 1 || len(resp.Topics[0].Partitions) != bombs {
		t.Fatalf("response: %+v", resp.Topics)
	}
	for _, p := range resp.Topics[0].Partitions {
		if p.ErrorCode != 87 { // INVALID_RECORD
			t.Fatalf("partition %d: error %d, want INVALID_RECORD (87)", p.Partition, p.ErrorCode)
		}
	}
	if msg := resp.Topics[0].Partitions[bombs-1].ErrorMessage; msg == nil || !strings.Contains(*msg, "request's limit") {
		t.Fatalf("last partition's message %v does not name the request's limit", msg)
	}
	if cpu >= 5*time.Second {
		t.Fatalf("%d zstd bombs cost %v of broker CPU, want < 5s", bombs, cpu)
	}
	if r := sluice(t, "ok\n", "produce", "bombs", "-p", "0", "--brokers", bp.addr); r.code != 0 {
		t.Fatalf("produce after the bombs: %s", r.stderr)
	}
	if out := sluice(t, "", "consume", "bombs", "-p", "0", "-n", "1", "-o", "earliest", "--brokers", bp.addr); out.code != 0 || strings.TrimSpace(out.stdout) != "ok" {
		t.Fatalf("consume after the bombs: %q %s", out.stdout, out.stderr)
	}
}

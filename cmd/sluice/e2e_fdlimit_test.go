package main

import (
	"context"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kgo"
)

// startBrokerNofile starts a broker whose file-descriptor limit (soft and
// hard: Go raises the soft one to the hard one) is nofile, with prlimit.
func startBrokerNofile(t *testing.T, nofile int, dir string, overrides ...string) *brokerProc {
	t.Helper()
	prlimit, err := exec.LookPath("prlimit")
	if err != nil {
		t.Skip("prlimit not installed")
	}
	bp := &brokerProc{addr: fmt.Sprintf("127.0.0.1:%d", freePort()), out: &syncBuffer{}, done: make(chan struct{})}
	args := []string{fmt.Sprintf("--nofile=%d:%d", nofile, nofile), "--", e2e.bin, "broker",
		"--override", "listeners=PLAINTEXT://" + bp.addr, "--override", "log.dirs=" + dir}
	for _, o := range overrides {
		args = append(args, "--override", o)
	}
	bp.cmd = exec.Command(prlimit, args...)
	bp.cmd.Stdout, bp.cmd.Stderr = bp.out, bp.out
	if err := bp.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() { bp.cmd.Wait(); close(bp.done) }()
	for deadline := time.Now().Add(20 * time.Second); time.Now().Before(deadline); time.Sleep(50 * time.Millisecond) {
		select {
		case <-bp.done:
			t.Fatalf("broker exited at start-up: %s", bp.out.String())
		default:
		}
		if c, err := net.DialTimeout("tcp", bp.addr, 200*time.Millisecond); err == nil {
			c.Close()
			return bp
		}
	}
	bp.stop()
	t.Fatalf("broker not listening: %s", bp.out.String())
	return nil
}

// openFDs counts a process's open file descriptors.
func openFDs(t *testing.T, pid int) int {
	ents, err := os.ReadDir(fmt.Sprintf("/proc/%d/fd", pid))
	if err != nil {
		t.Fatal(err)
	}
	return len(ents)
}

// TestE2ETooManyOpenFiles reproduces probe 9 of issue 9 against a real
// broker process under a low descriptor limit: a CreateTopics whose
// partitions cannot all open their files fails with KAFKA_STORAGE_ERROR
// and a message naming the limit to raise, the broker log says the same,
// and nothing else changes: the topic does not exist, its files and
// descriptors are gone, the log dir stays online (existing partitions
// produce and fetch, /readyz ready), and a smaller topic is created.
func TestE2ETooManyOpenFiles(t *testing.T) {
	needBinary(t)
	dir := filepath.Join(t.TempDir(), "data")
	metrics := fmt.Sprintf("127.0.0.1:%d", freePort())
	bp := startBrokerNofile(t, 200, dir, "sluice.metrics.listener="+metrics)
	defer bp.stop()
	if r := sluice(t, "", "topic", "create", "ok", "-p", "1", "--brokers", bp.addr); r.code != 0 {
		t.Fatalf("topic create ok: %s", r.stderr)
	}
	if r := sluice(t, "before\n", "produce", "ok", "--brokers", bp.addr); r.code != 0 {
		t.Fatalf("produce: %s", r.stderr)
	}
	cl, err := kgo.NewClient(kgo.SeedBrokers(bp.addr))
	if err != nil {
		t.Fatal(err)
	}
	defer cl.Close()
	adm := kadm.NewClient(cl)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	fdsBefore := openFDs(t, bp.cmd.Process.Pid)
	resp, err := adm.CreateTopics(ctx, 400, 1, nil, "big")
	if err != nil {
		t.Fatal(err)
	}
	res := resp["big"]
	if res.Err == nil || !strings.Contains(res.Err.Error(), "KAFKA_STORAGE_ERROR") {
		t.Fatalf("CreateTopics of 400 partitions under a 200-descriptor limit: %v, want KAFKA_STORAGE_ERROR", res.Err)
	}
	if res.ErrMessage == "" || !strings.Contains(res.ErrMessage, "ulimit -n") {
		t.Fatalf("error message %q does not name the limit to raise", res.ErrMessage)
	}
	if !strings.Contains(bp.out.String(), "too many open files: raise the broker's file-descriptor limit") {
		t.Fatalf("broker log lacks the advice:\n%s", grepLines(bp.out.String(), "open files"))
	}
	// Nothing else changed.
	topics, err := adm.ListTopics(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if topics.Has("big") {
		t.Fatal("the failed topic exists")
	}
	ents, _ := filepath.Glob(filepath.Join(dir, "big-*"))
	for _, e := range ents {
		if !strings.HasSuffix(e, "-delete") { // deleted ones wait for file.delete.delay.ms
			t.Fatalf("partition dir of the failed topic left: %s", e)
		}
	}
	if fds := openFDs(t, bp.cmd.Process.Pid); fds > fdsBefore+10 {
		t.Fatalf("%d descriptors open after the failed creation, %d before", fds, fdsBefore)
	}
	if code, body := httpGet(t, "http://"+metrics+"/readyz"); code != 200 {
		t.Fatalf("/readyz after the failed creation: %d %q", code, body)
	}
	if r := sluice(t, "after\n", "produce", "ok", "--brokers", bp.addr); r.code != 0 {
		t.Fatalf("produce to an existing topic after the failed creation: %s", r.stderr)
	}
	if out := sluice(t, "", "consume", "ok", "-n", "2", "-o", "earliest", "--brokers", bp.addr); out.code != 0 || out.stdout != "before\nafter\n" {
		t.Fatalf("consume after the failed creation: %q %s", out.stdout, out.stderr)
	}
	if r := sluice(t, "", "topic", "create", "small", "-p", "10", "--brokers", bp.addr); r.code != 0 {
		t.Fatalf("a topic that fits: %s", r.stderr)
	}
	if strings.Contains(bp.out.String(), "log dir offline") {
		t.Fatal("the log dir went offline")
	}
}

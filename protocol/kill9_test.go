package protocol

import (
	"context"
	"fmt"
	"maps"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kgo"
)

var sluiceBin struct {
	once sync.Once
	path string
	err  error
}

// buildSluice builds cmd/sluice once per test binary.
func buildSluice(t *testing.T) string {
	t.Helper()
	sluiceBin.once.Do(func() {
		dir, err := os.MkdirTemp("", "sluice-bin")
		if err != nil {
			sluiceBin.err = err
			return
		}
		sluiceBin.path = filepath.Join(dir, "sluice")
		out, err := exec.Command("go", "build", "-o", sluiceBin.path, "sluice/cmd/sluice").CombinedOutput()
		if err != nil {
			sluiceBin.err = fmt.Errorf("go build: %v\n%s", err, out)
		}
	})
	if sluiceBin.err != nil {
		t.Fatal(sluiceBin.err)
	}
	return sluiceBin.path
}

func freePort(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().String()
}

// startProcess runs `sluice broker` on addr with data in dir and waits
// until it accepts connections.
func startProcess(t *testing.T, bin, dir, addr string) *exec.Cmd {
	t.Helper()
	cmd := exec.Command(bin, "broker", "--override", "listeners=PLAINTEXT://"+addr, "--override", "log.dirs="+dir,
		"--override", "sluice.metrics.listener=")
	cmd.Stdout, cmd.Stderr = os.Stderr, os.Stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = cmd.Process.Kill(); _ = cmd.Wait() })
	for range 100 {
		if c, err := net.Dial("tcp", addr); err == nil {
			c.Close()
			return cmd
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Fatal("broker did not start")
	return nil
}

// TestKill9KeepsAcknowledgedRecords kills the broker process with SIGKILL
// while an idempotent producer is writing; after a restart every record
// that was acknowledged is there.
func TestKill9KeepsAcknowledgedRecords(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary")
	}
	bin := buildSluice(t)
	dir := t.TempDir()
	addr := freePort(t)
	proc := startProcess(t, bin, dir, addr)

	cl, err := kgo.NewClient(kgo.SeedBrokers(addr), kgo.DefaultProduceTopic("k9"), kgo.AllowAutoTopicCreation(),
		kgo.RecordRetries(2), kgo.RecordDeliveryTimeout(3*time.Second))
	if err != nil {
		t.Fatal(err)
	}
	var mu sync.Mutex
	acked := map[string]bool{}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		defer close(done)
		for i := 0; ctx.Err() == nil; i++ {
			v := fmt.Sprintf("k9-%07d", i)
			cl.Produce(ctx, &kgo.Record{Value: []byte(v)}, func(_ *kgo.Record, err error) {
				if err == nil {
					mu.Lock()
					acked[v] = true
					mu.Unlock()
				}
			})
			if i%100 == 99 {
				time.Sleep(time.Millisecond)
			}
		}
	}()
	deadline := time.Now().Add(10 * time.Second)
	for {
		mu.Lock()
		n := len(acked)
		mu.Unlock()
		if n >= 2000 || time.Now().After(deadline) {
			break
		}
		time.Sleep(20 * time.Millisecond)
	}
	if err := proc.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	_ = proc.Wait()
	cancel()
	<-done
	cl.Close()
	// kgo may still run promises of batches acknowledged before the kill
	// after Close returns: check a copy of what was acknowledged by now.
	mu.Lock()
	snap := maps.Clone(acked)
	want := len(snap)
	mu.Unlock()
	if want < 100 {
		t.Fatalf("only %d records acknowledged before the kill", want)
	}

	addr2 := freePort(t)
	startProcess(t, bin, dir, addr2)
	cons, err := kgo.NewClient(kgo.SeedBrokers(addr2), kgo.ConsumeTopics("k9"), kgo.ConsumeResetOffset(kgo.NewOffset().AtStart()))
	if err != nil {
		t.Fatal(err)
	}
	defer cons.Close()
	pctx, pcancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer pcancel()
	found := 0
	for found < want {
		fs := cons.PollFetches(pctx)
		if pctx.Err() != nil {
			break
		}
		fs.EachRecord(func(r *kgo.Record) {
			if snap[string(r.Value)] {
				found++
				delete(snap, string(r.Value))
			}
		})
	}
	if found != want {
		t.Fatalf("%d of %d acknowledged records after kill -9 and restart", found, want)
	}
	t.Logf("%d acknowledged records all present after kill -9", want)
}

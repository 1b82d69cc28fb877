package main

// End-to-end tests: they build bin/sluice, start `sluice broker` on free
// loopback ports with a temporary log dir, and run the client subcommands
// as a user would, checking their output and exit status.
//
// SLUICE_TEST_BROKERS=host:port runs them against an already running
// broker instead (the tests that read the broker's files or metrics are
// then skipped).

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"sluice/cluster/clustertest"
)

var e2e struct {
	bin       string // the built sluice binary
	brokers   string // --brokers value
	logDir    string // the broker's log.dirs ("" for an external broker)
	metrics   string // host:port of the metrics listener ("" for an external broker)
	buildErr  error  // the binary could not be built
	setupErr  error  // the broker could not be started
	brokerOut *syncBuffer
}

func TestMain(m *testing.M) {
	code := func() int {
		tmp, err := os.MkdirTemp("", "sluice-e2e-")
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			return 1
		}
		defer os.RemoveAll(tmp)
		stop := setupE2E(tmp)
		defer stop()
		return m.Run()
	}()
	os.Exit(code)
}

// setupE2E builds the binary and starts a broker; failures are recorded in
// e2e.setupErr and reported by each end-to-end test (unit tests in this
// package still run).
func setupE2E(tmp string) (stop func()) {
	stop = func() {}
	e2e.bin = filepath.Join(tmp, "sluice")
	build := exec.Command("go", "build", "-o", e2e.bin, ".")
	if out, err := build.CombinedOutput(); err != nil {
		e2e.buildErr = fmt.Errorf("go build: %v\n%s", err, out)
		e2e.setupErr = e2e.buildErr
		return stop
	}
	if ext := os.Getenv("SLUICE_TEST_BROKERS"); ext != "" {
		e2e.brokers = ext
		return stop
	}
	e2e.logDir = filepath.Join(tmp, "data")
	e2e.metrics = fmt.Sprintf("127.0.0.1:%d", freePort())
	bp, err := startBroker(e2e.logDir, "sluice.metrics.listener="+e2e.metrics)
	if bp != nil {
		e2e.brokers, e2e.brokerOut = bp.addr, bp.out
		stop = bp.stop
	}
	e2e.setupErr = err
	return stop
}

// brokerProc is a `sluice broker` child process.
type brokerProc struct {
	addr string
	out  *syncBuffer // its stdout and stderr
	cmd  *exec.Cmd
	done chan struct{}
}

// startBroker starts a broker on a free port with its logs in dir and the
// extra key=value overrides, and waits until it accepts connections. On a
// start-up failure it returns the (stopped) process too, for its output.
func startBroker(dir string, overrides ...string) (*brokerProc, error) {
	bp := &brokerProc{addr: fmt.Sprintf("127.0.0.1:%d", freePort()), out: &syncBuffer{}, done: make(chan struct{})}
	args := []string{"broker", "--override", "listeners=PLAINTEXT://" + bp.addr, "--override", "log.dirs=" + dir}
	for _, o := range overrides {
		args = append(args, "--override", o)
	}
	bp.cmd = exec.Command(e2e.bin, args...)
	bp.cmd.Stdout, bp.cmd.Stderr = bp.out, bp.out
	if err := bp.cmd.Start(); err != nil {
		return nil, fmt.Errorf("start broker: %v", err)
	}
	go func() { bp.cmd.Wait(); close(bp.done) }()
	deadline := time.Now().Add(20 * time.Second)
	for time.Now().Before(deadline) {
		select {
		case <-bp.done:
			return bp, fmt.Errorf("broker exited at start-up: %s", strings.TrimSpace(bp.out.String()))
		default:
		}
		if c, err := net.DialTimeout("tcp", bp.addr, 200*time.Millisecond); err == nil {
			c.Close()
			return bp, nil
		}
		time.Sleep(50 * time.Millisecond)
	}
	bp.stop()
	return bp, fmt.Errorf("broker not listening on %s after 20s: %s", bp.addr, bp.out.String())
}

// stop sends SIGINT and waits (SIGKILL after 10 s).
func (bp *brokerProc) stop() {
	_ = bp.cmd.Process.Signal(os.Interrupt)
	select {
	case <-bp.done:
	case <-time.After(10 * time.Second):
		_ = bp.cmd.Process.Kill()
		<-bp.done
	}
}

// syncBuffer is a bytes.Buffer written by exec's copying goroutines and
// read by tests.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// freePort is a free loopback port, never one handed out before in this
// process (a broker's listener and metrics ports must differ).
func freePort() int { return clustertest.FreePort() }

// needBinary fails the test when the binary could not be built.
func needBinary(t *testing.T) {
	t.Helper()
	if e2e.buildErr != nil {
		t.Fatalf("end-to-end setup: %v", e2e.buildErr)
	}
}

// needBroker fails the test when the broker could not be started.
func needBroker(t *testing.T) {
	t.Helper()
	if e2e.setupErr != nil {
		t.Fatalf("end-to-end setup: %v", e2e.setupErr)
	}
}

// result is one run of the binary.
type result struct {
	stdout, stderr string
	code           int
	took           time.Duration
}

// sluice runs the binary with args (and --brokers appended for client
// commands when withBrokers) and stdin.
func sluice(t *testing.T, stdin string, args ...string) result {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, e2e.bin, args...)
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	if stdin != "" {
		cmd.Stdin = strings.NewReader(stdin)
	}
	start := time.Now()
	err := cmd.Run()
	r := result{stdout: out.String(), stderr: errb.String(), took: time.Since(start)}
	if ee, ok := err.(*exec.ExitError); ok {
		r.code = ee.ExitCode()
	} else if err != nil {
		t.Fatalf("sluice %v: %v", args, err)
	}
	return r
}

// ok runs a client command against the test broker and requires exit 0.
func ok(t *testing.T, stdin string, args ...string) string {
	t.Helper()
	r := sluice(t, stdin, append(args, "--brokers", e2e.brokers)...)
	if r.code != 0 {
		t.Fatalf("sluice %s: exit %d\nstderr: %s\nstdout: %s", strings.Join(args, " "), r.code, r.stderr, r.stdout)
	}
	return r.stdout
}

// fails runs a client command and requires exit status code and one
// stderr line.
func fails(t *testing.T, code int, stdin string, args ...string) result {
	t.Helper()
	r := sluice(t, stdin, args...)
	if r.code != code {
		t.Errorf("sluice %s: exit %d, want %d\nstderr: %s", strings.Join(args, " "), r.code, code, r.stderr)
	}
	oneLine(t, r.stderr)
	return r
}

// oneLine checks an error output is exactly one "sluice: ..." line with no
// stack trace.
func oneLine(t *testing.T, stderr string) {
	t.Helper()
	if strings.Count(stderr, "\n") != 1 || !strings.HasPrefix(stderr, "sluice: ") ||
		strings.Contains(stderr, "goroutine ") || strings.Contains(stderr, "panic") {
		t.Errorf("stderr is not one clean line: %q", stderr)
	}
}

// scrapeMetrics returns the broker's /metrics text.
func httpGet(t *testing.T, url string) (int, string) {
	t.Helper()
	c := http.Client{Timeout: 5 * time.Second}
	resp, err := c.Get(url)
	if err != nil {
		t.Fatalf("GET %s: %v", url, err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

var topicSeq atomic.Int64

// newTopic returns a unique topic name for a test.
func newTopic(t *testing.T) string {
	return fmt.Sprintf("e2e-%s-%d-%d", strings.ToLower(strings.ReplaceAll(t.Name(), "/", "-")), os.Getpid()%1000, topicSeq.Add(1))
}

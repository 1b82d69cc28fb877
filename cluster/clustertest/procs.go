package clustertest

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
	"sort"
	"strings"
	"sync"
	"syscall"
	"time"
)

// BuildBinary builds bin/sluice from this tree into dir, without the race
// detector (brokers in fault loops run at full speed), and returns its
// path. root is the module root (the directory holding go.mod).
func BuildBinary(root, dir string) (string, error) {
	bin := filepath.Join(dir, "sluice")
	cmd := exec.Command("go", "build", "-o", bin, "./cmd/sluice")
	cmd.Dir = root
	if out, err := cmd.CombinedOutput(); err != nil {
		return "", fmt.Errorf("go build: %v\n%s", err, out)
	}
	return bin, nil
}

// ModuleRoot finds the directory holding go.mod above the working
// directory.
func ModuleRoot() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", fmt.Errorf("no go.mod above the working directory")
		}
		dir = parent
	}
}

// handedOut are the ports FreePort returned: the kernel may give a port
// just probed and closed to the next probe, and two brokers told the same
// port (one's listener, another's metrics) would fight over it.
var handedOut struct {
	sync.Mutex
	ports map[int]bool
}

// FreePort returns a loopback TCP port nobody listens on now, never one
// it returned before in this process.
func FreePort() int {
	handedOut.Lock()
	defer handedOut.Unlock()
	if handedOut.ports == nil {
		handedOut.ports = map[int]bool{}
	}
	for {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			panic(err)
		}
		port := l.Addr().(*net.TCPAddr).Port
		l.Close()
		if !handedOut.ports[port] {
			handedOut.ports[port] = true
			return port
		}
	}
}

// Broker is one `sluice broker` process of a test cluster. Its port, data
// dir and properties stay the same across restarts.
type Broker struct {
	ID      int32
	Addr    string // host:port of its listener
	Metrics string // host:port of its metrics listener
	Dir     string // log.dirs
	Props   map[string]string
	// ConfigFile, when set, is passed as --config and replaces the
	// harness's own settings (broker.id, listeners, log.dirs, metrics
	// listener): only Props are added, as overrides.
	ConfigFile string

	bin string
	mu  sync.Mutex
	cmd *exec.Cmd
	out *Output
	// done is closed when the current process exited.
	done chan struct{}
	// everStarted: the broker ran once (its address is known).
	everStarted bool
}

// Output collects a process's stdout and stderr.
type Output struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (o *Output) Write(p []byte) (int, error) {
	o.mu.Lock()
	defer o.mu.Unlock()
	return o.buf.Write(p)
}

func (o *Output) String() string {
	o.mu.Lock()
	defer o.mu.Unlock()
	return o.buf.String()
}

// NewBroker prepares a broker (not started) with its data in dir.
func NewBroker(bin string, id int32, dir string, props map[string]string) *Broker {
	b := &Broker{ID: id, bin: bin, Dir: dir, Addr: fmt.Sprintf("127.0.0.1:%d", FreePort()),
		Metrics: fmt.Sprintf("127.0.0.1:%d", FreePort()), Props: map[string]string{}}
	for k, v := range props {
		b.Props[k] = v
	}
	return b
}

// Start starts the process and waits until it accepts connections. The
// ports were free when NewBroker picked them; if another process took one
// meanwhile, a first start moves to fresh ports (a restart keeps its
// address: clients and the cluster know it).
func (b *Broker) Start() error {
	for attempt := 0; ; attempt++ {
		err := b.start()
		if err == nil || b.everStarted || attempt == 3 || !strings.Contains(err.Error(), "address already in use") {
			if err == nil {
				b.everStarted = true
			}
			return err
		}
		b.Addr = fmt.Sprintf("127.0.0.1:%d", FreePort())
		b.Metrics = fmt.Sprintf("127.0.0.1:%d", FreePort())
	}
}

func (b *Broker) start() error {
	b.mu.Lock()
	props := map[string]string{}
	if b.ConfigFile == "" {
		props = b.defaultProps()
	}
	for k, v := range b.Props {
		props[k] = v
	}
	keys := make([]string, 0, len(props))
	for k := range props {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	args := []string{"broker"}
	if b.ConfigFile != "" {
		args = append(args, "--config", b.ConfigFile)
	}
	for _, k := range keys {
		args = append(args, "--override", k+"="+props[k])
	}
	return b.startLocked(args)
}

// defaultProps are the harness's settings for the broker.
func (b *Broker) defaultProps() map[string]string {
	return map[string]string{
		"broker.id":                 fmt.Sprint(b.ID),
		"listeners":                 "PLAINTEXT://" + b.Addr,
		"log.dirs":                  b.Dir,
		"sluice.metrics.listener":   b.Metrics,
		"num.network.threads":       "1",
		"num.io.threads":            "4",
		"auto.create.topics.enable": "false",
	}
}

// startLocked runs the binary with args and waits until it listens.
// REQUIRES: b.mu held; it unlocks it.
func (b *Broker) startLocked(args []string) error {
	b.out = &Output{}
	b.cmd = exec.Command(b.bin, args...)
	b.cmd.Stdout, b.cmd.Stderr = b.out, b.out
	b.cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	if err := b.cmd.Start(); err != nil {
		b.mu.Unlock()
		return fmt.Errorf("broker %d: start: %v", b.ID, err)
	}
	done := make(chan struct{})
	b.done = done
	cmd := b.cmd
	go func() { cmd.Wait(); close(done) }()
	b.mu.Unlock()
	deadline := time.Now().Add(30 * time.Second)
	for time.Now().Before(deadline) {
		select {
		case <-done:
			return fmt.Errorf("broker %d exited at start-up: %s", b.ID, strings.TrimSpace(b.out.String()))
		default:
		}
		if c, err := net.DialTimeout("tcp", b.Addr, 200*time.Millisecond); err == nil {
			c.Close()
			return nil
		}
		time.Sleep(50 * time.Millisecond)
	}
	b.Kill()
	return fmt.Errorf("broker %d not listening on %s after 30s: %s", b.ID, b.Addr, b.out.String())
}

// Running reports whether the process is alive (it may be paused).
func (b *Broker) Running() bool {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.done == nil {
		return false
	}
	select {
	case <-b.done:
		return false
	default:
		return true
	}
}

func (b *Broker) signal(sig syscall.Signal) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.cmd != nil && b.cmd.Process != nil {
		b.cmd.Process.Signal(sig)
	}
}

// Kill sends SIGKILL and waits for the process to end.
func (b *Broker) Kill() {
	b.signal(syscall.SIGCONT)
	b.signal(syscall.SIGKILL)
	b.wait(30 * time.Second)
}

// Stop sends SIGTERM (a controlled shutdown) and waits up to timeout for
// the process to end, then kills it. It reports whether it ended by itself.
func (b *Broker) Stop(timeout time.Duration) bool {
	b.signal(syscall.SIGTERM)
	if b.wait(timeout) {
		return true
	}
	b.Kill()
	return false
}

// ExitCode is the exit status of the last process once it ended, or -1
// while it runs (or was never started, or died of a signal).
func (b *Broker) ExitCode() int {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.done == nil {
		return -1
	}
	select {
	case <-b.done:
		return b.cmd.ProcessState.ExitCode()
	default:
		return -1
	}
}

// Pause freezes the process (SIGSTOP); Resume thaws it.
func (b *Broker) Pause()  { b.signal(syscall.SIGSTOP) }
func (b *Broker) Resume() { b.signal(syscall.SIGCONT) }

func (b *Broker) wait(timeout time.Duration) bool {
	b.mu.Lock()
	done := b.done
	b.mu.Unlock()
	if done == nil {
		return true
	}
	select {
	case <-done:
		return true
	case <-time.After(timeout):
		return false
	}
}

// Output is what the current (or last) process printed.
func (b *Broker) Output() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.out == nil {
		return ""
	}
	return b.out.String()
}

// Metric returns the value of a Prometheus sample line starting with name
// (including labels, e.g. `kafka_server_replicamanager_underreplicatedpartitions`)
// from the broker's /metrics, summed over matching lines.
func (b *Broker) Metric(ctx context.Context, name string) (float64, error) {
	body, err := httpGet(ctx, "http://"+b.Metrics+"/metrics")
	if err != nil {
		return 0, err
	}
	var sum float64
	found := false
	for _, line := range strings.Split(body, "\n") {
		if strings.HasPrefix(line, "#") || !strings.HasPrefix(line, name) {
			continue
		}
		rest := line[len(name):]
		if rest != "" && rest[0] != ' ' && rest[0] != '{' {
			continue
		}
		var v float64
		if _, err := fmt.Sscan(rest[strings.LastIndexByte(rest, ' ')+1:], &v); err == nil {
			sum += v
			found = true
		}
	}
	if !found {
		return 0, fmt.Errorf("metric %s not found", name)
	}
	return sum, nil
}

func httpGet(ctx context.Context, url string) (string, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return "", err
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return "", err
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(resp.Body)
	if err != nil {
		return "", err
	}
	if resp.StatusCode != http.StatusOK {
		return "", fmt.Errorf("GET %s: %s", url, resp.Status)
	}
	return string(data), nil
}

package zktest

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"
)

// Options configure a server. The zero value means the defaults.
type Options struct {
	Java         string        // the java binary ("java")
	ClassPath    string        // "/etc/zookeeper/conf:/usr/share/java/zookeeper.jar"
	HeapMax      string        // -Xmx ("256m")
	TickTime     time.Duration // 200 ms
	StartTimeout time.Duration // how long to wait for it to serve (60 s)
	// MinSessionTimeout and MaxSessionTimeout bound what clients may ask
	// (1 s and 60 s).
	MinSessionTimeout, MaxSessionTimeout time.Duration
}

// EnsureDefaults fills in zero fields.
func (o *Options) EnsureDefaults() {
	if o.Java == "" {
		o.Java = "java"
	}
	if o.ClassPath == "" {
		o.ClassPath = "/etc/zookeeper/conf:/usr/share/java/zookeeper.jar"
	}
	if o.HeapMax == "" {
		o.HeapMax = "256m"
	}
	if o.TickTime <= 0 {
		o.TickTime = 200 * time.Millisecond
	}
	if o.StartTimeout <= 0 {
		o.StartTimeout = 60 * time.Second
	}
	if o.MinSessionTimeout <= 0 {
		o.MinSessionTimeout = time.Second
	}
	if o.MaxSessionTimeout <= 0 {
		o.MaxSessionTimeout = 60 * time.Second
	}
}

// Server is one ZooKeeper server process (standalone or an ensemble
// member). Its data survives Stop/Kill and Start.
type Server struct {
	opts       Options
	dir        string
	id         int // myid in an ensemble, 0 standalone
	clientPort int
	peers      []peer // ensemble members (empty standalone)

	mu struct {
		sync.Mutex
		cmd    *exec.Cmd
		exited chan struct{} // closed when cmd has exited
		log    *os.File
	}
}

type peer struct{ id, client, quorum, election int }

// Addr is the server's client address, 127.0.0.1:port.
func (s *Server) Addr() string { return "127.0.0.1:" + strconv.Itoa(s.clientPort) }

// Dir is the server's directory (zoo.cfg, data, zookeeper.out).
func (s *Server) Dir() string { return s.dir }

// StartServer starts a standalone server in a new temp dir. Close stops
// it and removes the dir.
func StartServer(opts Options) (*Server, error) {
	opts.EnsureDefaults()
	if err := checkInstalled(opts); err != nil {
		return nil, err
	}
	var lastErr error
	for attempt := 0; attempt < 3; attempt++ { // a free port may be taken before java binds it
		dir, err := os.MkdirTemp("", "zktest-")
		if err != nil {
			return nil, err
		}
		ports, err := freePorts(1)
		if err != nil {
			os.RemoveAll(dir)
			return nil, err
		}
		s := &Server{opts: opts, dir: dir, clientPort: ports[0]}
		if err := s.writeConfig(); err != nil {
			os.RemoveAll(dir)
			return nil, err
		}
		if lastErr = s.Start(); lastErr == nil {
			return s, nil
		}
		s.Close()
	}
	return nil, lastErr
}

func checkInstalled(opts Options) error {
	if _, err := exec.LookPath(opts.Java); err != nil {
		return fmt.Errorf("zktest: no %s: install the test dependencies (scripts/install-test-deps.sh): %w", opts.Java, err)
	}
	for _, p := range strings.Split(opts.ClassPath, ":") {
		if _, err := os.Stat(p); err != nil {
			return fmt.Errorf("zktest: ZooKeeper not installed (%v): run scripts/install-test-deps.sh", err)
		}
	}
	return nil
}

func (s *Server) writeConfig() error {
	data := filepath.Join(s.dir, "data")
	if err := os.MkdirAll(data, 0o755); err != nil {
		return err
	}
	tick := s.opts.TickTime.Milliseconds()
	var b strings.Builder
	fmt.Fprintf(&b, "tickTime=%d\n", tick)
	fmt.Fprintf(&b, "dataDir=%s\n", data)
	fmt.Fprintf(&b, "clientPort=%d\n", s.clientPort)
	b.WriteString("clientPortAddress=127.0.0.1\n")
	b.WriteString("forceSync=no\n")
	b.WriteString("admin.enableServer=false\n")
	b.WriteString("4lw.commands.whitelist=srvr,ruok,mntr,stat\n")
	b.WriteString("maxClientCnxns=0\n")
	fmt.Fprintf(&b, "minSessionTimeout=%d\n", s.opts.MinSessionTimeout.Milliseconds())
	fmt.Fprintf(&b, "maxSessionTimeout=%d\n", s.opts.MaxSessionTimeout.Milliseconds())
	if len(s.peers) > 0 {
		// Generous limits in ticks: the machine may be loaded.
		fmt.Fprintf(&b, "initLimit=%d\n", 10000/tick)
		fmt.Fprintf(&b, "syncLimit=%d\n", 5000/tick)
		for _, p := range s.peers {
			fmt.Fprintf(&b, "server.%d=127.0.0.1:%d:%d\n", p.id, p.quorum, p.election)
		}
		if err := os.WriteFile(filepath.Join(data, "myid"), []byte(strconv.Itoa(s.id)+"\n"), 0o644); err != nil {
			return err
		}
	}
	return os.WriteFile(filepath.Join(s.dir, "zoo.cfg"), []byte(b.String()), 0o644)
}

// The spawner starts processes from one OS thread that lives as long as
// the test binary, so that Pdeathsig (sent when the parent *thread*
// dies) fires only when the binary exits.
var spawner struct {
	once sync.Once
	reqs chan *exec.Cmd
	errs chan error
}

func spawn(cmd *exec.Cmd) error {
	spawner.once.Do(func() {
		spawner.reqs = make(chan *exec.Cmd)
		spawner.errs = make(chan error)
		go func() {
			runtime.LockOSThread() // never unlocked: the thread stays
			for c := range spawner.reqs {
				spawner.errs <- c.Start()
			}
		}()
	})
	spawner.reqs <- cmd
	return <-spawner.errs
}

var spawnMu sync.Mutex // one spawn at a time through the channel pair

// Start starts the server process (if not running) and waits until it
// serves clients (an ensemble member: until it has joined a quorum, which
// needs a majority running).
func (s *Server) Start() error {
	s.mu.Lock()
	if s.mu.cmd != nil {
		s.mu.Unlock()
		return s.WaitServing(s.opts.StartTimeout)
	}
	logf, err := os.OpenFile(filepath.Join(s.dir, "zookeeper.out"), os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		s.mu.Unlock()
		return err
	}
	cmd := exec.Command(s.opts.Java,
		"-Xmx"+s.opts.HeapMax, "-XX:+UseSerialGC", "-XX:-UsePerfData",
		"-Djava.net.preferIPv4Stack=true", "-Dzookeeper.cnxTimeout=1000",
		"-cp", s.opts.ClassPath, "org.apache.zookeeper.server.quorum.QuorumPeerMain",
		filepath.Join(s.dir, "zoo.cfg"))
	cmd.Dir = s.dir
	cmd.Stdout, cmd.Stderr = logf, logf
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL, Setpgid: true}
	spawnMu.Lock()
	err = spawn(cmd)
	spawnMu.Unlock()
	if err != nil {
		logf.Close()
		s.mu.Unlock()
		return fmt.Errorf("zktest: start %s: %w", s.opts.Java, err)
	}
	exited := make(chan struct{})
	s.mu.cmd, s.mu.exited, s.mu.log = cmd, exited, logf
	go func() { // owned by s: ends when the process exits
		_ = cmd.Wait()
		logf.Close()
		close(exited)
	}()
	s.mu.Unlock()
	if err := s.WaitServing(s.opts.StartTimeout); err != nil {
		s.Kill()
		return err
	}
	return nil
}

// WaitServing waits until the server answers "srvr" with its mode
// (standalone, leader or follower).
func (s *Server) WaitServing(timeout time.Duration) error {
	deadline := time.Now().Add(timeout)
	for {
		s.mu.Lock()
		exited := s.mu.exited
		s.mu.Unlock()
		if exited == nil {
			return fmt.Errorf("zktest: server %s is not running", s.Addr())
		}
		select {
		case <-exited:
			return fmt.Errorf("zktest: server %s exited while starting:\n%s", s.Addr(), s.LogTail())
		default:
		}
		if mode, err := s.Mode(); err == nil && mode != "" {
			return nil
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("zktest: server %s not serving after %v:\n%s", s.Addr(), timeout, s.LogTail())
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// Mode asks the server (four-letter word "srvr") for its mode:
// "standalone", "leader", "follower", or "" when it is up but not serving
// (no quorum).
func (s *Server) Mode() (string, error) {
	out, err := s.FourLetter("srvr")
	if err != nil {
		return "", err
	}
	sc := bufio.NewScanner(bytes.NewReader(out))
	for sc.Scan() {
		if m, ok := strings.CutPrefix(sc.Text(), "Mode: "); ok {
			return strings.TrimSpace(m), nil
		}
	}
	return "", nil
}

// FourLetter sends a four-letter command and returns the answer.
func (s *Server) FourLetter(cmd string) ([]byte, error) {
	c, err := net.DialTimeout("tcp", s.Addr(), time.Second)
	if err != nil {
		return nil, err
	}
	defer c.Close()
	_ = c.SetDeadline(time.Now().Add(2 * time.Second))
	if _, err := c.Write([]byte(cmd)); err != nil {
		return nil, err
	}
	return io.ReadAll(c)
}

// Running says whether the process is running.
func (s *Server) Running() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.mu.exited == nil {
		return false
	}
	select {
	case <-s.mu.exited:
		return false
	default:
		return true
	}
}

// Kill stops the process with SIGKILL and waits for it to exit.
func (s *Server) Kill() { s.stop(syscall.SIGKILL, 0) }

// Stop stops the process with SIGTERM (SIGKILL after 10 s) and waits.
func (s *Server) Stop() { s.stop(syscall.SIGTERM, 10*time.Second) }

func (s *Server) stop(sig syscall.Signal, grace time.Duration) {
	s.mu.Lock()
	cmd, exited := s.mu.cmd, s.mu.exited
	s.mu.cmd = nil
	s.mu.Unlock()
	if cmd == nil {
		return
	}
	_ = cmd.Process.Signal(sig)
	if grace > 0 {
		select {
		case <-exited:
			return
		case <-time.After(grace):
			_ = cmd.Process.Kill()
		}
	}
	<-exited
}

// Close kills the process and removes the server's directory.
func (s *Server) Close() {
	s.Kill()
	os.RemoveAll(s.dir)
}

// LogTail returns the end of the process's output.
func (s *Server) LogTail() string {
	b, err := os.ReadFile(filepath.Join(s.dir, "zookeeper.out"))
	if err != nil {
		return err.Error()
	}
	if len(b) > 4000 {
		b = b[len(b)-4000:]
	}
	return string(b)
}

// freePorts returns n loopback ports that were free a moment ago.
func freePorts(n int) ([]int, error) {
	var ls []net.Listener
	defer func() {
		for _, l := range ls {
			l.Close()
		}
	}()
	ports := make([]int, 0, n)
	for i := 0; i < n; i++ {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			return nil, err
		}
		ls = append(ls, l)
		ports = append(ports, l.Addr().(*net.TCPAddr).Port)
	}
	return ports, nil
}

var errNoMain = errors.New("zktest: Shared needs TestMain to call zktest.RunMain (it stops the server)")

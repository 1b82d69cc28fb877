package zktest

import (
	"bytes"
	"io"
	"net"
	"os"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/go-zookeeper/zk"
)

func TestMain(m *testing.M) { os.Exit(RunMain(m)) }

func connect(t *testing.T, addrs ...string) *zk.Conn {
	t.Helper()
	c, _, err := zk.Connect(addrs, 4*time.Second, zk.WithLogInfo(false), zk.WithLogger(discard{}))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(c.Close)
	return c
}

type discard struct{}

func (discard) Printf(string, ...any) {}

// waitFor polls cond every 50 ms until it holds or the deadline passes.
func waitFor(t *testing.T, what string, timeout time.Duration, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out after %v waiting for %s", timeout, what)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func TestSharedServerServes(t *testing.T) {
	s := Shared(t)
	if s2 := Shared(t); s2 != s {
		t.Fatal("Shared started a second server")
	}
	if mode, err := s.Mode(); err != nil || mode != "standalone" {
		t.Fatalf("mode %q %v", mode, err)
	}
	c := connect(t, s.Addr())
	if _, err := c.Create("/zktest-probe", []byte("x"), zk.FlagEphemeral, zk.WorldACL(zk.PermAll)); err != nil {
		t.Fatal(err)
	}
	cfg, err := os.ReadFile(s.Dir() + "/zoo.cfg")
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"forceSync=no", "admin.enableServer=false", "clientPortAddress=127.0.0.1"} {
		if !strings.Contains(string(cfg), want) {
			t.Errorf("zoo.cfg lacks %s", want)
		}
	}
}

func TestChrootsAreUnique(t *testing.T) {
	a, b := Chroot(t), Chroot(t)
	if a == b || !strings.HasPrefix(a, "/zktest/TestChrootsAreUnique-") {
		t.Fatalf("%q %q", a, b)
	}
	if s := Shared(t).ConnectString(t); !strings.HasPrefix(s, "127.0.0.1:") || !strings.Contains(s, "/zktest/") {
		t.Fatal(s)
	}
}

// Killing the test binary kills the server: the child has Pdeathsig set.
// Checked on the process attributes, and by Kill/Start of a private server.
func TestServerKillAndRestart(t *testing.T) {
	s, err := StartServer(Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	s.mu.Lock()
	attr := s.mu.cmd.SysProcAttr
	s.mu.Unlock()
	if attr == nil || attr.Pdeathsig != syscall.SIGKILL {
		t.Fatal("server started without Pdeathsig")
	}
	c := connect(t, s.Addr())
	if _, err := c.Create("/persist", []byte("v"), 0, zk.WorldACL(zk.PermAll)); err != nil {
		t.Fatal(err)
	}
	s.Kill()
	if s.Running() {
		t.Fatal("running after Kill")
	}
	if _, err := s.Mode(); err == nil {
		t.Fatal("still answering after Kill")
	}
	if err := s.Start(); err != nil {
		t.Fatal(err)
	}
	c2 := connect(t, s.Addr())
	if d, _, err := c2.Get("/persist"); err != nil || string(d) != "v" {
		t.Fatalf("data after restart: %q %v", d, err)
	}
}

func TestEnsembleSurvivesOneMember(t *testing.T) {
	e := StartEnsemble(t, 3)
	leader := e.Leader()
	if leader < 0 {
		t.Fatal("no leader")
	}
	c := connect(t, strings.Split(e.Connect(), ",")...)
	if _, err := c.Create("/before", []byte("1"), 0, zk.WorldACL(zk.PermAll)); err != nil {
		t.Fatal(err)
	}
	e.Servers[leader].Kill()
	// The two others elect a leader and serve.
	waitFor(t, "a new leader", 30*time.Second, func() bool { l := e.Leader(); return l >= 0 && l != leader })
	waitFor(t, "a write after the leader died", 30*time.Second, func() bool {
		_, err := c.Create("/after", []byte("2"), 0, zk.WorldACL(zk.PermAll))
		return err == nil || err == zk.ErrNodeExists
	})
	if err := e.Servers[leader].Start(); err != nil {
		t.Fatal(err)
	}
	c2 := connect(t, e.Servers[leader].Addr())
	waitFor(t, "the restarted member to catch up", 30*time.Second, func() bool {
		d, _, err := c2.Get("/after")
		return err == nil && string(d) == "2"
	})
}

func TestProxyBlockAndDrop(t *testing.T) {
	echo, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer echo.Close()
	go func() {
		for {
			c, err := echo.Accept()
			if err != nil {
				return
			}
			go func() { io.Copy(c, c); c.Close() }()
		}
	}()
	p := StartProxy(t, echo.Addr().String())
	c, err := net.Dial("tcp", p.Addr())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	roundTrip := func(msg string, timeout time.Duration) (string, error) {
		if _, err := c.Write([]byte(msg)); err != nil {
			return "", err
		}
		c.SetReadDeadline(time.Now().Add(timeout))
		buf := make([]byte, len(msg))
		_, err := io.ReadFull(c, buf)
		return string(buf), err
	}
	if got, err := roundTrip("hello", 5*time.Second); err != nil || got != "hello" {
		t.Fatalf("%q %v", got, err)
	}
	p.Block()
	if _, err := c.Write([]byte("held")); err != nil {
		t.Fatal(err)
	}
	c.SetReadDeadline(time.Now().Add(300 * time.Millisecond))
	if n, err := c.Read(make([]byte, 4)); err == nil {
		t.Fatalf("read %d bytes through a blocked proxy", n)
	}
	p.Unblock()
	c.SetReadDeadline(time.Now().Add(5 * time.Second))
	buf := make([]byte, 4)
	if _, err := io.ReadFull(c, buf); err != nil || !bytes.Equal(buf, []byte("held")) {
		t.Fatalf("held bytes after unblock: %q %v", buf, err)
	}
	p.DropConnections()
	c.SetReadDeadline(time.Now().Add(5 * time.Second))
	if _, err := c.Read(make([]byte, 1)); err == nil {
		t.Fatal("connection alive after DropConnections")
	}
}

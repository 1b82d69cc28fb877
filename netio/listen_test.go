package netio

import (
	"context"
	"net"
	"os"
	"strings"
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

// answers reports whether an echo round trip on c completes within d.
func answers(c net.Conn, d time.Duration) bool {
	_ = c.SetDeadline(time.Now().Add(d))
	defer c.SetDeadline(time.Time{})
	if writeFrame(c, []byte("ping")) != nil {
		return false
	}
	got, err := readFrame(c)
	return err == nil && string(got) == "ping"
}

// At MaxConns the listener stops accepting (connections wait in the
// backlog, as Kafka's acceptor blocks) and Accepting says so; when one
// closes, the next waiting connection is served.
func TestMaxConns(t *testing.T) {
	s := startServer(t, Config{MaxConns: 3}, echoHandler())
	var cs []net.Conn
	for range 3 {
		c := dial(t, s)
		if !answers(c, 5*time.Second) {
			t.Fatal("connection under max.connections not served")
		}
		cs = append(cs, c)
	}
	extra := dial(t, s) // connects (kernel backlog) but is not accepted
	if answers(extra, 300*time.Millisecond) {
		t.Fatal("a connection past max.connections was served")
	}
	if ok, why := s.Accepting(); ok || !strings.Contains(why, "max.connections") {
		t.Fatalf("Accepting() = %v, %q at max.connections", ok, why)
	}
	cs[0].Close()
	if !answers(extra, 5*time.Second) {
		t.Fatal("the waiting connection was not served after one closed")
	}
	cs[1].Close()
	waitFor(t, 5*time.Second, "accepting", func() bool { ok, _ := s.Accepting(); return ok })
	if st := s.Stats(); st.AcceptErrors != 0 || st.RejectedConns != 0 {
		t.Fatalf("stats %+v", st)
	}
}

// dialFrom connects from a chosen loopback address.
func dialFrom(t *testing.T, s *Server, ip string) net.Conn {
	t.Helper()
	d := net.Dialer{LocalAddr: &net.TCPAddr{IP: net.ParseIP(ip)}, Timeout: 5 * time.Second}
	c, err := d.Dial("tcp", s.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

// MaxConnsPerIP closes connections past the bound of their address at
// once; an override (by IP or host name) replaces the bound for its
// address; NoConnsPerIP admits only the overrides.
func TestMaxConnsPerIP(t *testing.T) {
	s := startServer(t, Config{MaxConnsPerIP: 2, MaxConnsPerIPOverrides: map[string]int{"127.0.0.2": 4}}, echoHandler())
	for ip, limit := range map[string]int{"127.0.0.1": 2, "127.0.0.2": 4} {
		var kept []net.Conn
		for range limit {
			c := dialFrom(t, s, ip)
			if !answers(c, 5*time.Second) {
				t.Fatalf("%s: connection within the bound not served", ip)
			}
			kept = append(kept, c)
		}
		over := dialFrom(t, s, ip)
		expectClosed(t, over, 5*time.Second)
		kept[0].Close()
		waitFor(t, 5*time.Second, "slot freed", func() bool {
			c := dialFrom(t, s, ip)
			return answers(c, time.Second)
		})
	}
	if st := s.Stats(); st.RejectedConns < 2 {
		t.Fatalf("RejectedConns %d", st.RejectedConns)
	}

	only := startServer(t, Config{MaxConnsPerIP: NoConnsPerIP, MaxConnsPerIPOverrides: map[string]int{"localhost": 1}}, echoHandler())
	c := dialFrom(t, only, "127.0.0.1")
	if !answers(c, 5*time.Second) {
		t.Fatal("override by host name not applied")
	}
	expectClosed(t, dialFrom(t, only, "127.0.0.1"), 5*time.Second)
	expectClosed(t, dialFrom(t, only, "127.0.0.3"), 5*time.Second)
}

// When accept(2) fails with EMFILE the listener backs off and retries
// instead of dying (gnet's own accept loop exits on it): Accepting reports
// the failure, the errors are counted, and once descriptors are free the
// waiting connection is served.
func TestAcceptSurvivesEMFILE(t *testing.T) {
	s := startServer(t, Config{}, echoHandler())
	healthy := dial(t, s)
	if !answers(healthy, 5*time.Second) {
		t.Fatal("not serving")
	}

	// Leave this process no free descriptor: lower the soft limit to
	// what is open now, and fill any gap below it.
	var old unix.Rlimit
	if err := unix.Getrlimit(unix.RLIMIT_NOFILE, &old); err != nil {
		t.Fatal(err)
	}
	waiting := dial(t, s) // accepted before the limit bites
	var fillers []int
	cleanup := func() {
		for _, fd := range fillers {
			unix.Close(fd)
		}
		fillers = nil
		_ = unix.Setrlimit(unix.RLIMIT_NOFILE, &old)
	}
	defer cleanup()
	if !answers(waiting, 5*time.Second) {
		t.Fatal("not serving")
	}
	lowered := old
	lowered.Cur = uint64(openFDs(t)) + 1
	if err := unix.Setrlimit(unix.RLIMIT_NOFILE, &lowered); err != nil {
		t.Fatal(err)
	}
	for {
		fd, err := unix.Eventfd(0, unix.EFD_CLOEXEC)
		if err != nil {
			break
		}
		fillers = append(fillers, fd)
	}
	// Free one descriptor for the client socket, dial, take it back.
	unix.Close(fillers[len(fillers)-1])
	fillers = fillers[:len(fillers)-1]
	late, err := net.DialTimeout("tcp", s.Addr().String(), 5*time.Second)
	if err != nil {
		t.Fatalf("dial with one descriptor free: %v", err)
	}
	defer late.Close()
	waitFor(t, 10*time.Second, "accept errors", func() bool { return s.Stats().AcceptErrors > 0 })
	if ok, why := s.Accepting(); ok || !strings.Contains(why, "too many open files") {
		t.Fatalf("Accepting() = %v, %q while accept fails with EMFILE", ok, why)
	}
	cleanup()
	if !answers(waiting, 10*time.Second) || !answers(healthy, 5*time.Second) {
		t.Fatal("not serving after descriptors were freed")
	}
	// The connection that met EMFILE is served, or (when a descriptor
	// freed elsewhere in this process let accept through but not gnet's
	// dup) it was closed and the failed hand-over counted.
	if !answers(late, 10*time.Second) && s.Stats().LostHandovers == 0 {
		t.Fatal("the connection accepted after EMFILE was neither served nor counted as lost")
	}
	waitFor(t, 5*time.Second, "accepting", func() bool { ok, _ := s.Accepting(); return ok })
	fresh := dial(t, s)
	if !answers(fresh, 5*time.Second) {
		t.Fatal("new connection not served after EMFILE")
	}
}

// openFDs counts this process's open descriptors.
func openFDs(t *testing.T) int {
	t.Helper()
	ents, err := os.ReadDir("/proc/self/fd")
	if err != nil {
		t.Fatal(err)
	}
	return len(ents)
}

// A Start that cannot listen reports it; Shutdown afterwards returns.
func TestStartOnBusyAddress(t *testing.T) {
	busy := startServer(t, Config{}, echoHandler())
	s, err := NewServer(Config{Addr: busy.Addr().String(), Logger: testLogger(t)}, echoHandler())
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Start(); err == nil || !strings.Contains(err.Error(), "address already in use") {
		t.Fatalf("Start on a busy address: %v", err)
	}
	if ok, _ := s.Accepting(); ok {
		t.Fatal("Accepting after a failed Start")
	}
	done := make(chan error, 1)
	go func() { done <- s.Shutdown(context.Background()) }()
	select {
	case <-done:
	case <-time.After(5 * time.Second):
		t.Fatal("Shutdown after a failed Start hangs")
	}
}

package zktest

import (
	"fmt"
	"regexp"
	"sync"
	"sync/atomic"
	"testing"
)

var shared struct {
	sync.Mutex
	main bool
	srv  *Server
	err  error
}

// RunMain runs the tests and then stops the shared server, if one was
// started. Call it from TestMain: os.Exit(zktest.RunMain(m)).
func RunMain(m *testing.M) int {
	shared.Lock()
	shared.main = true
	shared.Unlock()
	code := m.Run()
	shared.Lock()
	if shared.srv != nil {
		shared.srv.Close()
		shared.srv = nil
	}
	shared.Unlock()
	return code
}

// Shared returns the test binary's ZooKeeper server, starting it on first
// use. It fails the test if ZooKeeper cannot be started.
func Shared(t testing.TB) *Server {
	t.Helper()
	shared.Lock()
	defer shared.Unlock()
	if !shared.main {
		t.Fatal(errNoMain)
	}
	if shared.srv == nil && shared.err == nil {
		shared.srv, shared.err = StartServer(Options{})
	}
	if shared.err != nil {
		t.Fatalf("zktest: shared ZooKeeper: %v", shared.err)
	}
	return shared.srv
}

var chrootSeq atomic.Int64

var unsafeChars = regexp.MustCompile(`[^A-Za-z0-9_.-]+`)

// Chroot returns a chroot path no other test of the binary uses:
// /zktest/<test name>-<n>.
func Chroot(t testing.TB) string {
	name := unsafeChars.ReplaceAllString(t.Name(), "_")
	if len(name) > 100 {
		name = name[:100]
	}
	return fmt.Sprintf("/zktest/%s-%d", name, chrootSeq.Add(1))
}

// ConnectString returns a zookeeper.connect string for the server with a
// fresh chroot for the test.
func (s *Server) ConnectString(t testing.TB) string { return s.Addr() + Chroot(t) }

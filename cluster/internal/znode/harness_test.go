package znode

import (
	"context"
	"errors"
	"os"
	"sync"
	"testing"
	"time"

	"sluice/cluster/zktest"
	"sluice/engine/vfs"
)

func TestMain(m *testing.M) { os.Exit(zktest.RunMain(m)) }

// testSessionTimeout is the ZooKeeper session timeout of test sessions:
// short enough for quick expiry tests, long enough that a loaded machine
// does not expire sessions by itself.
const testSessionTimeout = 4 * time.Second

// harness opens sessions on one tree (a fresh file dir, or a fresh chroot
// on the shared ZooKeeper) and can force a session's expiry.
type harness struct {
	name   string
	open   func(t *testing.T) Tree
	expire func(t *testing.T, tr Tree)
}

func fileHarness(t *testing.T) harness {
	dir := t.TempDir()
	var mu sync.Mutex
	var first *FileTree
	return harness{
		name: "file",
		open: func(t *testing.T) Tree {
			mu.Lock()
			defer mu.Unlock()
			var ft *FileTree
			if first == nil {
				var err error
				if first, err = OpenFile(vfs.Default, dir, FileOptions{}); err != nil {
					t.Fatal(err)
				}
				ft = first
			} else {
				ft = first.NewSession()
			}
			t.Cleanup(func() { ft.Close() })
			return ft
		},
		expire: func(t *testing.T, tr Tree) { tr.(*FileTree).Expire() },
	}
}

func zkHarness(t *testing.T) harness {
	srv := zktest.Shared(t)
	chroot := zktest.Chroot(t)
	var mu sync.Mutex
	proxies := map[Tree]*zktest.Proxy{}
	var observer Tree
	h := harness{name: "zookeeper"}
	dial := func(t *testing.T, addr string) Tree {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		tr, err := DialZK(ctx, ZKOptions{Connect: addr + chroot, SessionTimeout: testSessionTimeout})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { tr.Close() })
		return tr
	}
	h.open = func(t *testing.T) Tree {
		p := zktest.StartProxy(t, srv.Addr())
		tr := dial(t, p.Addr())
		mu.Lock()
		proxies[tr] = p
		mu.Unlock()
		return tr
	}
	// expire cuts the session off until the server has expired it (its
	// marker ephemeral vanishes, as another session sees), then lets the
	// client reconnect, be told, and start a new session.
	h.expire = func(t *testing.T, tr Tree) {
		ctx := context.Background()
		mu.Lock()
		p := proxies[tr]
		if observer == nil {
			observer = dial(t, srv.Addr())
		}
		obs := observer
		mu.Unlock()
		marker, err := tr.Create(ctx, "/expiry-marker-", nil, EphemeralSequential)
		if err != nil {
			t.Fatal(err)
		}
		p.Block()
		waitFor(t, "the server to expire the session", 30*time.Second, func() bool {
			ok, _, err := obs.Exists(ctx, marker)
			return err == nil && !ok
		})
		p.DropConnections()
		p.Unblock()
	}
	return h
}

var harnessMakers = []func(*testing.T) harness{fileHarness, zkHarness}

// forEachTree runs f as a subtest against a fresh tree of each kind.
func forEachTree(t *testing.T, f func(t *testing.T, h harness)) {
	for i, mk := range harnessMakers {
		name := []string{"file", "zookeeper"}[i]
		t.Run(name, func(t *testing.T) { f(t, mk(t)) })
	}
}

func waitFor(t *testing.T, what string, timeout time.Duration, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out after %v waiting for %s", timeout, what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// recv waits for a watch event.
func recv(t *testing.T, ch <-chan Event) Event {
	t.Helper()
	select {
	case ev, ok := <-ch:
		if !ok {
			t.Fatal("watch channel closed without an event")
		}
		return ev
	case <-time.After(30 * time.Second):
		t.Fatal("no watch event within 30 s")
	}
	return Event{}
}

// quiet asserts that a watch has not fired.
func quiet(t *testing.T, ch <-chan Event) {
	t.Helper()
	select {
	case ev := <-ch:
		t.Fatalf("unexpected watch event %+v", ev)
	case <-time.After(100 * time.Millisecond):
	}
}

// sessionEvent waits for a session event in state.
func sessionEvent(t *testing.T, tr Tree, state SessionState) SessionEvent {
	t.Helper()
	deadline := time.After(30 * time.Second)
	for {
		select {
		case ev, ok := <-tr.SessionEvents():
			if !ok {
				t.Fatalf("session events closed waiting for %v", state)
			}
			if ev.State == state {
				return ev
			}
		case <-deadline:
			t.Fatalf("no %v session event within 30 s", state)
		}
	}
}

func mustErr(t *testing.T, err, want error) {
	t.Helper()
	if !errors.Is(err, want) {
		t.Fatalf("error %v, want %v", err, want)
	}
}

package kzk

import (
	"context"
	"os"
	"sync"
	"testing"
	"time"

	"sluice/cluster/internal/znode"
	"sluice/cluster/zktest"
	"sluice/engine/vfs"
)

func TestMain(m *testing.M) { os.Exit(zktest.RunMain(m)) }

const testSessionTimeout = 4 * time.Second

// backend opens sessions on one fresh tree and can expire one.
type backend struct {
	name    string
	session func(t *testing.T) znode.Tree
	expire  func(t *testing.T, tr znode.Tree)
	// proxy is the proxy in front of a ZooKeeper session (nil for files).
	proxy func(tr znode.Tree) *zktest.Proxy
}

func fileBackend(t *testing.T) backend {
	dir := t.TempDir()
	var mu sync.Mutex
	var first *znode.FileTree
	return backend{
		name: "file",
		session: func(t *testing.T) znode.Tree {
			mu.Lock()
			defer mu.Unlock()
			var ft *znode.FileTree
			if first == nil {
				var err error
				if first, err = znode.OpenFile(vfs.Default, dir, znode.FileOptions{}); err != nil {
					t.Fatal(err)
				}
				ft = first
			} else {
				ft = first.NewSession()
			}
			t.Cleanup(func() { ft.Close() })
			return ft
		},
		expire: func(t *testing.T, tr znode.Tree) { tr.(*znode.FileTree).Expire() },
		proxy:  func(znode.Tree) *zktest.Proxy { return nil },
	}
}

func zkBackend(t *testing.T) backend {
	srv := zktest.Shared(t)
	chroot := zktest.Chroot(t)
	var mu sync.Mutex
	proxies := map[znode.Tree]*zktest.Proxy{}
	var observer znode.Tree
	dial := func(t *testing.T, addr string) znode.Tree {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		tr, err := znode.DialZK(ctx, znode.ZKOptions{Connect: addr + chroot, SessionTimeout: testSessionTimeout})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { tr.Close() })
		return tr
	}
	b := backend{name: "zookeeper"}
	b.session = func(t *testing.T) znode.Tree {
		p := zktest.StartProxy(t, srv.Addr())
		tr := dial(t, p.Addr())
		mu.Lock()
		proxies[tr] = p
		mu.Unlock()
		return tr
	}
	b.proxy = func(tr znode.Tree) *zktest.Proxy {
		mu.Lock()
		defer mu.Unlock()
		return proxies[tr]
	}
	b.expire = func(t *testing.T, tr znode.Tree) {
		ctx := context.Background()
		mu.Lock()
		p := proxies[tr]
		if observer == nil {
			observer = dial(t, srv.Addr())
		}
		obs := observer
		mu.Unlock()
		marker, err := tr.Create(ctx, "/expiry-marker-", nil, znode.EphemeralSequential)
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
	return b
}

func forEachBackend(t *testing.T, f func(t *testing.T, b backend)) {
	t.Run("file", func(t *testing.T) { f(t, fileBackend(t)) })
	t.Run("zookeeper", func(t *testing.T) { f(t, zkBackend(t)) })
}

func newStore(t *testing.T, b backend, opts Options) *Store {
	t.Helper()
	if opts.SessionTimeout == 0 {
		opts.SessionTimeout = testSessionTimeout
	}
	s := New(b.session(t), opts)
	if err := s.CreateTopLevelPaths(context.Background()); err != nil {
		t.Fatal(err)
	}
	return s
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

func recv(t *testing.T, ch <-chan znode.Event) znode.Event {
	t.Helper()
	select {
	case ev, ok := <-ch:
		if !ok {
			t.Fatal("watch closed without an event")
		}
		return ev
	case <-time.After(30 * time.Second):
		t.Fatal("no watch event within 30 s")
	}
	return znode.Event{}
}

package znode

import (
	"context"
	"errors"
	"net"
	"reflect"
	"strings"
	"testing"
	"time"

	"sluice/cluster/zktest"
)

func TestParseConnect(t *testing.T) {
	for _, c := range []struct {
		in      string
		servers []string
		chroot  string
		bad     bool
	}{
		{in: "h1:2181", servers: []string{"h1:2181"}},
		{in: "h1,h2:2182/sluice", servers: []string{"h1:2181", "h2:2182"}, chroot: "/sluice"},
		{in: "h1:1/a/b", servers: []string{"h1:1"}, chroot: "/a/b"},
		{in: "h1:1/", servers: []string{"h1:1"}},
		{in: "[::1]:2181,[::2]", servers: []string{"[::1]:2181", "[::2]:2181"}},
		{in: " h1:1 , h2:2 ", servers: []string{"h1:1", "h2:2"}},
		{in: "", bad: true},
		{in: "/chroot", bad: true},
		{in: "h1:1/a/", bad: true},
		{in: "h1:1/a//b", bad: true},
	} {
		servers, chroot, err := ParseConnect(c.in)
		if c.bad {
			if err == nil {
				t.Errorf("%q accepted: %v %q", c.in, servers, chroot)
			}
			continue
		}
		if err != nil || !reflect.DeepEqual(servers, c.servers) || chroot != c.chroot {
			t.Errorf("%q: %v %q %v", c.in, servers, chroot, err)
		}
	}
}

func dialZK(t *testing.T, connect string, timeout time.Duration) *ZKTree {
	t.Helper()
	tr, err := DialZK(context.Background(), ZKOptions{Connect: connect, SessionTimeout: timeout})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { tr.Close() })
	return tr
}

// No ZooKeeper: a clear error after the connection timeout.
func TestDialZKUnreachable(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	start := time.Now()
	_, err = DialZK(context.Background(), ZKOptions{Connect: addr, SessionTimeout: 4 * time.Second, ConnectionTimeout: time.Second})
	if !errors.Is(err, ErrConnect) || !strings.Contains(err.Error(), addr) || !strings.Contains(err.Error(), "zookeeper.connection.timeout.ms") {
		t.Fatalf("error %v", err)
	}
	if d := time.Since(start); d > 15*time.Second {
		t.Fatalf("gave up after %v", d)
	}
	_, err = DialZK(context.Background(), ZKOptions{Connect: "h1:1/bad/"})
	if err == nil || !strings.Contains(err.Error(), "chroot") {
		t.Fatalf("bad chroot: %v", err)
	}
}

// The chroot is created as Kafka creates it, and everything happens
// under it; paths in results and events are relative to it.
func TestZKChroot(t *testing.T) {
	srv := zktest.Shared(t)
	base := zktest.Chroot(t)
	root := dialZK(t, srv.Addr(), testSessionTimeout)
	tr := dialZK(t, srv.Addr()+base+"/kafka/cluster", testSessionTimeout)
	ctx := context.Background()
	if d, _, err := root.Get(ctx, base+"/kafka/cluster"); err != nil || len(d) != 0 {
		t.Fatalf("chroot znode: %q %v", d, err)
	}
	_, _, ch, err := tr.ChildrenW(ctx, "/")
	if err != nil {
		t.Fatal(err)
	}
	p, err := tr.Create(ctx, "/n-", []byte("v"), PersistentSequential)
	if err != nil || !strings.HasPrefix(p, "/n-") {
		t.Fatalf("created %q %v", p, err)
	}
	if ev := recv(t, ch); ev.Path != "/" || ev.Type != EventNodeChildrenChanged {
		t.Fatalf("event in the chroot: %+v", ev)
	}
	if d, _, err := root.Get(ctx, base+"/kafka/cluster"+p); err != nil || string(d) != "v" {
		t.Fatalf("seen from the root: %q %v", d, err)
	}
	rs, err := tr.Multi(ctx, CreateOp{Path: "/m"}, CreateOp{Path: "/m/s-", Mode: EphemeralSequential})
	if err != nil || rs[0].Path != "/m" || !strings.HasPrefix(rs[1].Path, "/m/s-") {
		t.Fatalf("multi paths %+v %v", rs, err)
	}
	// A second client on the same chroot finds it there.
	tr2 := dialZK(t, srv.Addr()+base+"/kafka/cluster", testSessionTimeout)
	if kids, _, err := tr2.Children(ctx, "/"); err != nil || !contains(kids, "m") {
		t.Fatalf("%v %v", kids, err)
	}
}

// A dropped connection within the session timeout keeps the session: its
// ephemerals stay, and a watch fires for what changed while it was away.
func TestZKDisconnectKeepsSession(t *testing.T) {
	srv := zktest.Shared(t)
	connect := srv.ConnectString(t)
	p := zktest.StartProxy(t, srv.Addr())
	chroot := connect[strings.IndexByte(connect, '/'):]
	a := dialZK(t, p.Addr()+chroot, testSessionTimeout)
	b := dialZK(t, connect, testSessionTimeout)
	ctx := context.Background()
	sessionEvent(t, a, SessionConnected)
	id := a.SessionID()
	if _, err := a.Create(ctx, "/eph", nil, Ephemeral); err != nil {
		t.Fatal(err)
	}
	if _, err := b.Create(ctx, "/data", []byte("1"), Persistent); err != nil {
		t.Fatal(err)
	}
	_, _, wch, err := a.GetW(ctx, "/data")
	if err != nil {
		t.Fatal(err)
	}
	p.Block()
	p.DropConnections()
	sessionEvent(t, a, SessionDisconnected)
	if _, err := b.Set(ctx, "/data", []byte("2"), AnyVersion); err != nil {
		t.Fatal(err)
	}
	// A read issued while disconnected waits for the connection.
	got := make(chan string, 1)
	go func() {
		d, _, err := a.Get(ctx, "/data")
		if err != nil {
			got <- err.Error()
			return
		}
		got <- string(d)
	}()
	select {
	case v := <-got:
		t.Fatalf("read returned while cut off: %s", v)
	case <-time.After(300 * time.Millisecond):
	}
	p.Unblock()
	if v := <-got; v != "2" {
		t.Fatalf("read after reconnecting: %s", v)
	}
	if ev := sessionEvent(t, a, SessionConnected); ev.SessionID != id {
		t.Fatalf("reconnected with session %x, had %x", ev.SessionID, id)
	}
	if ev := recv(t, wch); ev.Type != EventNodeDataChanged {
		t.Fatalf("watch across the disconnection: %+v", ev)
	}
	if a.setWatchesSeen.Load() == 0 {
		t.Fatal("the watches were not re-set (or not seen being re-set) after reconnecting")
	}
	if _, st, err := b.Get(ctx, "/eph"); err != nil || st.EphemeralOwner != id {
		t.Fatalf("ephemeral after reconnecting: %+v %v", st, err)
	}
}

// A write whose connection drops before it is answered fails with
// ErrConnectionLoss whether or not it was applied; both cases happen.
func TestZKWriteLostInFlight(t *testing.T) {
	srv := zktest.Shared(t)
	connect := srv.ConnectString(t)
	chroot := connect[strings.IndexByte(connect, '/'):]
	p := zktest.StartProxy(t, srv.Addr())
	a := dialZK(t, p.Addr()+chroot, testSessionTimeout)
	b := dialZK(t, connect, testSessionTimeout)
	ctx := context.Background()
	for _, c := range []struct {
		name    string
		block   func()
		applied bool
	}{
		{"request held", p.Block, false},
		{"reply held", p.BlockReplies, true},
	} {
		path := "/" + strings.ReplaceAll(c.name, " ", "-")
		c.block()
		errc := make(chan error, 1)
		go func() {
			_, err := a.Create(ctx, path, nil, Ephemeral)
			errc <- err
		}()
		if c.applied {
			waitFor(t, "the create to reach the server", 10*time.Second, func() bool {
				ok, _, _ := b.Exists(ctx, path)
				return ok
			})
		} else {
			time.Sleep(200 * time.Millisecond)
		}
		p.DropConnections()
		err := <-errc
		p.Unblock()
		if !errors.Is(err, ErrConnectionLoss) {
			t.Fatalf("%s: %v, want ErrConnectionLoss", c.name, err)
		}
		ok, st, err := a.Exists(ctx, path)
		if err != nil || ok != c.applied {
			t.Fatalf("%s: exists %v %v", c.name, ok, err)
		}
		if ok && st.EphemeralOwner != a.SessionID() {
			t.Fatalf("%s: owner %x, session %x", c.name, st.EphemeralOwner, a.SessionID())
		}
	}
}

// Killing the ensemble's leader: the session survives the election and
// the client goes on.
func TestZKEnsembleLeaderKilled(t *testing.T) {
	e := zktest.StartEnsemble(t, 3)
	chroot := zktest.Chroot(t)
	tr := dialZK(t, e.Connect()+chroot, 8*time.Second)
	ctx := context.Background()
	sessionEvent(t, tr, SessionConnected)
	id := tr.SessionID()
	if _, err := tr.Create(ctx, "/eph", nil, Ephemeral); err != nil {
		t.Fatal(err)
	}
	leader := e.Leader()
	if leader < 0 {
		t.Fatal("no leader")
	}
	e.Servers[leader].Kill()
	wctx, cancel := context.WithTimeout(ctx, 60*time.Second)
	defer cancel()
	// A write in flight when the leader died may fail (ErrConnectionLoss,
	// applied or not); one issued after the election succeeds.
	waitFor(t, "a write after the leader died", 60*time.Second, func() bool {
		_, err := tr.Create(wctx, "/after", []byte("x"), Persistent)
		return err == nil || errors.Is(err, ErrNodeExists)
	})
	if tr.SessionID() != id {
		t.Fatalf("session %x became %x", id, tr.SessionID())
	}
	if ok, st, err := tr.Exists(ctx, "/eph"); err != nil || !ok || st.EphemeralOwner != id {
		t.Fatalf("ephemeral after the election: %v %+v %v", ok, st, err)
	}
}

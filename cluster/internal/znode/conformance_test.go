package znode

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"reflect"
	"strings"
	"testing"
)

// The same behaviour from both trees: everything here runs against the
// file tree and against a real ZooKeeper.

func TestConformanceCRUDAndStat(t *testing.T) {
	forEachTree(t, func(t *testing.T, h harness) {
		ctx := context.Background()
		tr := h.open(t)
		p, err := tr.Create(ctx, "/a", []byte("one"), Persistent)
		if err != nil || p != "/a" {
			t.Fatalf("create: %q %v", p, err)
		}
		d, st, err := tr.Get(ctx, "/a")
		if err != nil || string(d) != "one" {
			t.Fatalf("get: %q %v", d, err)
		}
		if st.Version != 0 || st.CVersion != 0 || st.Czxid == 0 || st.Mzxid != st.Czxid || st.DataLength != 3 ||
			st.NumChildren != 0 || st.EphemeralOwner != 0 || st.Ctime == 0 || st.Mtime != st.Ctime {
			t.Fatalf("stat after create: %+v", st)
		}
		st2, err := tr.Set(ctx, "/a", []byte("two!"), 0)
		if err != nil || st2.Version != 1 || st2.Mzxid <= st.Mzxid || st2.Czxid != st.Czxid || st2.DataLength != 4 {
			t.Fatalf("set: %+v %v", st2, err)
		}
		if _, err := tr.Set(ctx, "/a", []byte("x"), 0); !errors.Is(err, ErrBadVersion) {
			t.Fatalf("set at a stale version: %v", err)
		}
		if _, err := tr.Set(ctx, "/a", []byte("three"), AnyVersion); err != nil {
			t.Fatal(err)
		}
		if _, err := tr.Create(ctx, "/a/b", nil, Persistent); err != nil {
			t.Fatal(err)
		}
		_, st3, _ := tr.Get(ctx, "/a")
		if st3.NumChildren != 1 || st3.CVersion != 1 || st3.Version != 2 || st3.Pzxid <= st2.Mzxid {
			t.Fatalf("parent stat after child create: %+v", st3)
		}
		if d, st, err := tr.Get(ctx, "/a/b"); err != nil || len(d) != 0 || st.DataLength != 0 {
			t.Fatalf("empty data: %q %+v %v", d, st, err)
		}
		ok, est, err := tr.Exists(ctx, "/a/b")
		if err != nil || !ok || est.Czxid == 0 {
			t.Fatalf("exists: %v %+v %v", ok, est, err)
		}
		if ok, _, err := tr.Exists(ctx, "/nope"); err != nil || ok {
			t.Fatalf("exists of a missing znode: %v %v", ok, err)
		}
		mustErr(t, tr.Delete(ctx, "/a", AnyVersion), ErrNotEmpty)
		mustErr(t, tr.Delete(ctx, "/a/b", 3), ErrBadVersion)
		if err := tr.Delete(ctx, "/a/b", 0); err != nil {
			t.Fatal(err)
		}
		_, st4, _ := tr.Get(ctx, "/a")
		if st4.NumChildren != 0 || st4.CVersion != 2 {
			t.Fatalf("parent stat after child delete: %+v", st4)
		}
		if err := tr.Delete(ctx, "/a", AnyVersion); err != nil {
			t.Fatal(err)
		}
		_, _, err = tr.Get(ctx, "/a")
		mustErr(t, err, ErrNoNode)
		mustErr(t, tr.Delete(ctx, "/a", AnyVersion), ErrNoNode)
		_, err = tr.Set(ctx, "/a", nil, AnyVersion)
		mustErr(t, err, ErrNoNode)
	})
}

func TestConformanceCreateErrors(t *testing.T) {
	forEachTree(t, func(t *testing.T, h harness) {
		ctx := context.Background()
		tr := h.open(t)
		if _, err := tr.Create(ctx, "/x", nil, Persistent); err != nil {
			t.Fatal(err)
		}
		_, err := tr.Create(ctx, "/x", nil, Persistent)
		mustErr(t, err, ErrNodeExists)
		_, err = tr.Create(ctx, "/missing/child", nil, Persistent)
		mustErr(t, err, ErrNoNode)
		if _, err := tr.Create(ctx, "/eph", nil, Ephemeral); err != nil {
			t.Fatal(err)
		}
		_, err = tr.Create(ctx, "/eph/child", nil, Persistent)
		mustErr(t, err, ErrNoChildrenForEphemerals)
		for _, p := range []string{"", "x", "/x/", "//x", "/x//y", "/x/./y", "/x/..", "/x\x00y", "/x\x01", "/\u0085"} {
			_, err := tr.Create(ctx, p, nil, Persistent)
			if !errors.Is(err, ErrBadPath) {
				t.Errorf("create %q: %v, want ErrBadPath", p, err)
			}
			if _, _, err := tr.Get(ctx, p); !errors.Is(err, ErrBadPath) {
				t.Errorf("get %q: %v, want ErrBadPath", p, err)
			}
		}
		if _, err := tr.Create(ctx, "/x/", nil, PersistentSequential); err != nil {
			t.Errorf("a sequential create may end in /: %v", err)
		}
	})
}

func TestConformanceSequentialAndChildren(t *testing.T) {
	forEachTree(t, func(t *testing.T, h harness) {
		ctx := context.Background()
		tr := h.open(t)
		if _, err := tr.Create(ctx, "/q", nil, Persistent); err != nil {
			t.Fatal(err)
		}
		var names []string
		last := ""
		for i := 0; i < 5; i++ {
			mode := PersistentSequential
			if i%2 == 1 {
				mode = EphemeralSequential
			}
			p, err := tr.Create(ctx, "/q/item_", []byte{byte(i)}, mode)
			if err != nil {
				t.Fatal(err)
			}
			name := strings.TrimPrefix(p, "/q/")
			if len(name) != len("item_")+10 || !strings.HasPrefix(name, "item_") || name <= last {
				t.Fatalf("sequential name %q after %q", name, last)
			}
			last = name
			names = append(names, name)
			if i == 2 { // a delete does not make a number come back
				if err := tr.Delete(ctx, p, AnyVersion); err != nil {
					t.Fatal(err)
				}
				names = names[:len(names)-1]
			}
		}
		kids, st, err := tr.Children(ctx, "/q")
		if err != nil || !reflect.DeepEqual(kids, names) || int(st.NumChildren) != len(names) {
			t.Fatalf("children %v (stat %+v) %v, want %v", kids, st, err, names)
		}
		if kids, _, err := tr.Children(ctx, "/q/"+names[0]); err != nil || len(kids) != 0 {
			t.Fatalf("children of a leaf: %v %v", kids, err)
		}
		_, _, err = tr.Children(ctx, "/none")
		mustErr(t, err, ErrNoNode)
		if root, _, err := tr.Children(ctx, "/"); err != nil || !contains(root, "q") {
			t.Fatalf("children of /: %v %v", root, err)
		}
	})
}

func contains(s []string, x string) bool {
	for _, v := range s {
		if v == x {
			return true
		}
	}
	return false
}

func TestConformanceMulti(t *testing.T) {
	forEachTree(t, func(t *testing.T, h harness) {
		ctx := context.Background()
		tr := h.open(t)
		if rs, err := tr.Multi(ctx); err != nil || len(rs) != 0 {
			t.Fatalf("empty multi: %v %v", rs, err)
		}
		rs, err := tr.Multi(ctx,
			CreateOp{Path: "/m", Data: []byte("p")},
			CreateOp{Path: "/m/c", Data: []byte("c")},
			&CreateOp{Path: "/m/s-", Mode: PersistentSequential},
			SetOp{Path: "/m", Data: []byte("p2"), Version: 0},
			CheckOp{Path: "/m/c", Version: 0},
		)
		if err != nil {
			t.Fatal(err)
		}
		if rs[0].Path != "/m" || rs[1].Path != "/m/c" || !strings.HasPrefix(rs[2].Path, "/m/s-") || rs[3].Stat.Version != 1 {
			t.Fatalf("results %+v", rs)
		}
		_, a, _ := tr.Get(ctx, "/m")
		_, c, _ := tr.Get(ctx, "/m/c")
		if a.Czxid != c.Czxid || a.Mzxid != a.Czxid {
			t.Fatalf("a multi is one transaction (one zxid): %+v %+v", a, c)
		}
		// A failing multi applies nothing and says which op failed.
		rs, err = tr.Multi(ctx,
			CreateOp{Path: "/m/new"},
			SetOp{Path: "/m", Data: []byte("p3"), Version: 1},
			CheckOp{Path: "/m/c", Version: 7},
			DeleteOp{Path: "/m/c", Version: AnyVersion},
		)
		mustErr(t, err, ErrBadVersion)
		var me *MultiError
		if !errors.As(err, &me) || me.Index != 2 || FailedOp(err) != 2 {
			t.Fatalf("multi error %#v", err)
		}
		if len(rs) != 4 || rs[2].Err != ErrBadVersion || rs[0].Err != ErrNotApplied || rs[1].Err != ErrNotApplied || rs[3].Err != ErrNotApplied {
			t.Fatalf("per-op results %+v", rs)
		}
		if ok, _, _ := tr.Exists(ctx, "/m/new"); ok {
			t.Fatal("a failed multi created a znode")
		}
		if d, st, _ := tr.Get(ctx, "/m"); string(d) != "p2" || st.Version != 1 {
			t.Fatalf("a failed multi changed data: %q %+v", d, st)
		}
		_, err = tr.Multi(ctx, CheckOp{Path: "/absent", Version: AnyVersion})
		mustErr(t, err, ErrNoNode)
		_, err = tr.Multi(ctx, CreateOp{Path: "/ok"}, CreateOp{Path: "bad"})
		if FailedOp(err) != 1 || !errors.Is(err, ErrBadPath) {
			t.Fatalf("bad path in multi: %v", err)
		}
	})
}

func TestConformanceWatches(t *testing.T) {
	forEachTree(t, func(t *testing.T, h harness) {
		ctx := context.Background()
		a, b := h.open(t), h.open(t)
		// exists watch on a missing znode fires on creation by another session
		ok, _, ech, err := a.ExistsW(ctx, "/w")
		if err != nil || ok {
			t.Fatal(ok, err)
		}
		if _, err := b.Create(ctx, "/w", []byte("1"), Persistent); err != nil {
			t.Fatal(err)
		}
		if ev := recv(t, ech); ev.Type != EventNodeCreated || ev.Path != "/w" {
			t.Fatalf("exists watch: %+v", ev)
		}
		if _, ok := <-ech; ok {
			t.Fatal("watch channel not closed after its event")
		}
		// data watch: fires once on set, not again
		_, _, dch, err := a.GetW(ctx, "/w")
		if err != nil {
			t.Fatal(err)
		}
		_, _, cch, err := a.ChildrenW(ctx, "/w")
		if err != nil {
			t.Fatal(err)
		}
		if _, err := b.Set(ctx, "/w", []byte("2"), AnyVersion); err != nil {
			t.Fatal(err)
		}
		if ev := recv(t, dch); ev.Type != EventNodeDataChanged || ev.Path != "/w" {
			t.Fatalf("data watch: %+v", ev)
		}
		quiet(t, cch) // a data change is not a children change
		if _, err := b.Create(ctx, "/w/k", nil, Ephemeral); err != nil {
			t.Fatal(err)
		}
		if ev := recv(t, cch); ev.Type != EventNodeChildrenChanged || ev.Path != "/w" {
			t.Fatalf("child watch: %+v", ev)
		}
		// deletion fires data, exists and child watches of the znode
		_, _, dch, _ = a.GetW(ctx, "/w/k")
		_, _, ech2, _ := a.ExistsW(ctx, "/w/k")
		_, _, kch, _ := a.ChildrenW(ctx, "/w/k")
		_, _, pch, _ := a.ChildrenW(ctx, "/w")
		if err := b.Delete(ctx, "/w/k", AnyVersion); err != nil {
			t.Fatal(err)
		}
		for _, ch := range []<-chan Event{dch, ech2, kch} {
			if ev := recv(t, ch); ev.Type != EventNodeDeleted || ev.Path != "/w/k" {
				t.Fatalf("delete: %+v", ev)
			}
		}
		if ev := recv(t, pch); ev.Type != EventNodeChildrenChanged {
			t.Fatalf("parent on child delete: %+v", ev)
		}
		// no watch on a missing znode for get/children
		if _, _, ch, err := a.GetW(ctx, "/w/k"); !errors.Is(err, ErrNoNode) || ch != nil {
			t.Fatalf("GetW of a missing znode: %v %v", ch, err)
		}
		if _, _, ch, err := a.ChildrenW(ctx, "/w/k"); !errors.Is(err, ErrNoNode) || ch != nil {
			t.Fatalf("ChildrenW of a missing znode: %v %v", ch, err)
		}
		// a failed write fires nothing
		_, _, dch, _ = a.GetW(ctx, "/w")
		if _, err := b.Multi(ctx, SetOp{Path: "/w", Data: []byte("3"), Version: AnyVersion}, CheckOp{Path: "/absent"}); err == nil {
			t.Fatal("multi succeeded")
		}
		quiet(t, dch)
		// a session's own writes fire its watches too
		if _, err := a.Set(ctx, "/w", []byte("4"), AnyVersion); err != nil {
			t.Fatal(err)
		}
		if ev := recv(t, dch); ev.Type != EventNodeDataChanged {
			t.Fatalf("own write: %+v", ev)
		}
	})
}

func TestConformanceEphemeralsAndClose(t *testing.T) {
	forEachTree(t, func(t *testing.T, h harness) {
		ctx := context.Background()
		a, b := h.open(t), h.open(t)
		if ev := <-a.SessionEvents(); ev.State != SessionConnected || ev.SessionID != a.SessionID() || ev.SessionID == 0 {
			t.Fatalf("first session event %+v (session %d)", ev, a.SessionID())
		}
		if a.SessionID() == b.SessionID() {
			t.Fatal("two sessions with one id")
		}
		if _, err := a.Create(ctx, "/e", []byte("x"), Ephemeral); err != nil {
			t.Fatal(err)
		}
		_, st, err := b.Get(ctx, "/e")
		if err != nil || st.EphemeralOwner != a.SessionID() {
			t.Fatalf("owner %d, session %d (%v)", st.EphemeralOwner, a.SessionID(), err)
		}
		_, _, bw, _ := b.GetW(ctx, "/e")
		_, _, aw, _ := a.ExistsW(ctx, "/other")
		if err := a.Close(); err != nil {
			t.Fatal(err)
		}
		if ev := recv(t, bw); ev.Type != EventNodeDeleted {
			t.Fatalf("ephemeral of a closed session: %+v", ev)
		}
		if ok, _, _ := b.Exists(ctx, "/e"); ok {
			t.Fatal("ephemeral survived its session")
		}
		if ev := recv(t, aw); ev.Type != EventNotWatching || !errors.Is(ev.Err, ErrClosed) {
			t.Fatalf("watch of a closed tree: %+v", ev)
		}
		for range a.SessionEvents() {
		}
		_, _, err = a.Get(ctx, "/")
		mustErr(t, err, ErrClosed)
		_, err = a.Create(ctx, "/z", nil, Persistent)
		mustErr(t, err, ErrClosed)
		if err := a.Close(); err != nil {
			t.Fatal("second close:", err)
		}
	})
}

// A session that expires loses its ephemerals and watches; the tree goes
// on with a new session and says so.
func TestConformanceSessionExpiry(t *testing.T) {
	forEachTree(t, func(t *testing.T, h harness) {
		ctx := context.Background()
		a, b := h.open(t), h.open(t)
		old := a.SessionID()
		if _, err := a.Create(ctx, "/reg", []byte("1"), Ephemeral); err != nil {
			t.Fatal(err)
		}
		if _, err := a.Create(ctx, "/keep", []byte("1"), Persistent); err != nil {
			t.Fatal(err)
		}
		_, _, wch, _ := a.GetW(ctx, "/keep")
		_, _, bch, _ := b.GetW(ctx, "/reg")
		h.expire(t, a)
		if ev := recv(t, wch); ev.Type != EventNotWatching || !errors.Is(ev.Err, ErrSessionExpired) {
			t.Fatalf("watch of an expired session: %+v", ev)
		}
		if ev := recv(t, bch); ev.Type != EventNodeDeleted {
			t.Fatalf("another session's watch on the expired ephemeral: %+v", ev)
		}
		ev := sessionEvent(t, a, SessionExpired)
		if ev.SessionID == old || ev.SessionID == 0 || a.SessionID() != ev.SessionID {
			t.Fatalf("after expiry: event %+v, session %d, old %d", ev, a.SessionID(), old)
		}
		if ok, _, _ := b.Exists(ctx, "/reg"); ok {
			t.Fatal("ephemeral survived its expired session")
		}
		// The owner re-registers in the new session.
		if _, err := a.Create(ctx, "/reg", []byte("2"), Ephemeral); err != nil {
			t.Fatal(err)
		}
		_, st, err := b.Get(ctx, "/reg")
		if err != nil || st.EphemeralOwner != a.SessionID() {
			t.Fatalf("re-registered owner %d, session %d (%v)", st.EphemeralOwner, a.SessionID(), err)
		}
		if d, _, err := a.Get(ctx, "/keep"); err != nil || string(d) != "1" {
			t.Fatalf("persistent data after expiry: %q %v", d, err)
		}
	})
}

func TestConformanceLimitsAndContext(t *testing.T) {
	forEachTree(t, func(t *testing.T, h harness) {
		ctx := context.Background()
		tr := h.open(t)
		big := bytes.Repeat([]byte("x"), 1100000)
		_, err := tr.Create(ctx, "/big", big, Persistent)
		mustErr(t, err, ErrTooLarge)
		// Just under the limit passes ZooKeeper's own (larger) limit.
		if _, err := tr.Create(ctx, "/big", big[:DefaultMaxRequestBytes-200], Persistent); err != nil {
			t.Fatal(err)
		}
		ops := make([]Op, 0, 5000)
		if _, err := tr.Create(ctx, "/many", nil, Persistent); err != nil {
			t.Fatal(err)
		}
		for i := 0; len(ops) < cap(ops); i++ {
			ops = append(ops, CreateOp{Path: fmt.Sprintf("/many/%06d-%s", i, strings.Repeat("p", 200))})
		}
		_, err = tr.Multi(ctx, ops...)
		mustErr(t, err, ErrTooLarge)
		if _, err := tr.Multi(ctx, ops[:3000]...); err != nil {
			t.Fatal("a multi under the limit:", err)
		}
		if kids, _, err := tr.Children(ctx, "/many"); err != nil || len(kids) != 3000 {
			t.Fatalf("%d children %v", len(kids), err)
		}
		cctx, cancel := context.WithCancel(ctx)
		cancel()
		if _, _, err := tr.Get(cctx, "/big"); !errors.Is(err, context.Canceled) {
			t.Fatalf("get with a canceled context: %v", err)
		}
		if _, err := tr.Create(cctx, "/c", nil, Persistent); !errors.Is(err, context.Canceled) {
			t.Fatalf("create with a canceled context: %v", err)
		}
	})
}

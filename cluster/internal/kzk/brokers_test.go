package kzk

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"strings"
	"testing"
	"time"

	"sluice/cluster/internal/zkdata"
	"sluice/cluster/internal/znode"
)

func brokerInfo(id int32) zkdata.BrokerInfo {
	return zkdata.BrokerInfo{ID: id, Version: 5, Endpoints: []zkdata.Endpoint{{Listener: "PLAINTEXT", Host: "127.0.0.1", Port: 9000 + id, SecurityProtocol: "PLAINTEXT"}},
		Rack: "r1", JMXPort: -1, Timestamp: 1700000000000}
}

func TestRegisterBroker(t *testing.T) {
	forEachBackend(t, func(t *testing.T, b backend) {
		ctx := context.Background()
		a := newStore(t, b, Options{})
		other := newStore(t, b, Options{StaleRegistrationWait: 500 * time.Millisecond})
		_, ids, ch, err := func() (int, []int32, <-chan znode.Event, error) {
			ids, ch, err := other.BrokerIDsW(ctx)
			return 0, ids, ch, err
		}()
		if err != nil || len(ids) != 0 {
			t.Fatal(ids, err)
		}
		epoch, err := a.RegisterBroker(ctx, brokerInfo(1))
		if err != nil {
			t.Fatal(err)
		}
		if ev := recv(t, ch); ev.Type != znode.EventNodeChildrenChanged {
			t.Fatalf("broker ids watch %+v", ev)
		}
		bs, err := other.Brokers(ctx)
		if err != nil || len(bs) != 1 || bs[1].Epoch != epoch || !reflect.DeepEqual(bs[1].Info, brokerInfo(1)) {
			t.Fatalf("brokers %+v %v", bs, err)
		}
		_, st, _ := other.Tree().Get(ctx, zkdata.BrokerPath(1))
		if st.EphemeralOwner != a.Tree().SessionID() || st.Czxid != epoch || st.Version != 1 {
			t.Fatalf("registration znode %+v (session %x, epoch %d)", st, a.Tree().SessionID(), epoch)
		}
		// Registering again in the same session finds its own znode.
		if e2, err := a.RegisterBroker(ctx, brokerInfo(1)); err != nil || e2 != epoch {
			t.Fatalf("re-registering in the same session: %d %v", e2, err)
		}
		// The id is taken by a live session: a clear error naming it,
		// after the wait.
		start := time.Now()
		_, err = other.RegisterBroker(ctx, brokerInfo(1))
		var inUse *BrokerIDInUseError
		if !errors.As(err, &inUse) || !errors.Is(err, ErrBrokerIDInUse) || inUse.Owner != a.Tree().SessionID() ||
			!strings.Contains(err.Error(), fmt.Sprintf("0x%x", a.Tree().SessionID())) {
			t.Fatalf("duplicate id: %v", err)
		}
		if d := time.Since(start); d < 400*time.Millisecond {
			t.Fatalf("gave up after %v, before the wait", d)
		}
		// A registration whose session dies is waited out: the new broker
		// registers as soon as it is gone, with a higher epoch.
		waiter := newStore(t, b, Options{StaleRegistrationWait: time.Minute})
		done := make(chan error, 1)
		var e3 int64
		go func() {
			var err error
			e3, err = waiter.RegisterBroker(ctx, brokerInfo(1))
			done <- err
		}()
		select {
		case err := <-done:
			t.Fatalf("registered over a live registration: %v", err)
		case <-time.After(300 * time.Millisecond):
		}
		b.expire(t, a.Tree())
		if err := <-done; err != nil {
			t.Fatal(err)
		}
		if e3 <= epoch {
			t.Fatalf("epoch %d after %d", e3, epoch)
		}
		// The expired broker re-registers in its new session once the id
		// is free again.
		if err := waiter.Tree().Close(); err != nil {
			t.Fatal(err)
		}
		e4, err := a.RegisterBroker(ctx, brokerInfo(1))
		if err != nil || e4 <= e3 {
			t.Fatalf("re-registration after expiry: %d %v", e4, err)
		}
		// A persistent znode in the way is named as such.
		if _, err := a.Tree().Create(ctx, zkdata.BrokerPath(9), []byte("{}"), znode.Persistent); err != nil {
			t.Fatal(err)
		}
		_, err = other.RegisterBroker(ctx, brokerInfo(9))
		if !errors.Is(err, ErrBrokerIDInUse) || !strings.Contains(err.Error(), "persistent") {
			t.Fatalf("persistent znode: %v", err)
		}
		// ... and as a malformed registration by Brokers, which still
		// lists the good ones.
		bs, err = other.Brokers(ctx)
		if !errors.Is(err, zkdata.ErrMalformed) || !strings.Contains(err.Error(), "/brokers/ids/9") || len(bs) != 1 || bs[1].Epoch != e4 {
			t.Fatalf("brokers with a malformed one: %+v %v", bs, err)
		}
	})
}

// KAFKA-7165: a registration left by this broker's own expired session
// (ZOOKEEPER-2985) is replaced, not waited for.
func TestRegisterBrokerReplacesOwnStaleNode(t *testing.T) {
	b := fileBackend(t)
	ctx := context.Background()
	s := newStore(t, b, Options{StaleRegistrationWait: time.Minute})
	ghost := b.session(t) // stands for the old session whose node stayed
	if _, err := ghost.Multi(ctx, znode.CreateOp{Path: zkdata.BrokerPath(3), Data: []byte("{}"), Mode: znode.Ephemeral}); err != nil {
		t.Fatal(err)
	}
	s.remember(ghost.SessionID())
	start := time.Now()
	epoch, err := s.RegisterBroker(ctx, brokerInfo(3))
	if err != nil || time.Since(start) > 10*time.Second {
		t.Fatalf("%v after %v", err, time.Since(start))
	}
	_, st, _ := s.Tree().Get(ctx, zkdata.BrokerPath(3))
	if st.EphemeralOwner != s.Tree().SessionID() || st.Czxid != epoch {
		t.Fatalf("%+v", st)
	}
}

// A registration applied whose answer is lost: the retry finds the
// znode, owned by this session, and takes it as the registration.
func TestRegisterBrokerAnswerLost(t *testing.T) {
	b := zkBackend(t)
	ctx := context.Background()
	s := newStore(t, b, Options{})
	watcher := newStore(t, b, Options{})
	p := b.proxy(s.Tree())
	p.BlockReplies()
	type res struct {
		epoch int64
		err   error
	}
	done := make(chan res, 1)
	go func() {
		e, err := s.RegisterBroker(ctx, brokerInfo(5))
		done <- res{e, err}
	}()
	waitFor(t, "the registration to reach ZooKeeper", 10*time.Second, func() bool {
		ok, _, _ := watcher.Tree().Exists(ctx, zkdata.BrokerPath(5))
		return ok
	})
	p.DropConnections()
	p.Unblock()
	r := <-done
	if r.err != nil {
		t.Fatal(r.err)
	}
	_, st, _ := watcher.Tree().Get(ctx, zkdata.BrokerPath(5))
	if st.Czxid != r.epoch || st.EphemeralOwner != s.Tree().SessionID() {
		t.Fatalf("epoch %d, znode %+v, session %x", r.epoch, st, s.Tree().SessionID())
	}
}

func TestClusterIDAndSequence(t *testing.T) {
	forEachBackend(t, func(t *testing.T, b backend) {
		ctx := context.Background()
		s := newStore(t, b, Options{})
		if _, ok, err := s.ClusterID(ctx); ok || err != nil {
			t.Fatal(ok, err)
		}
		if id, err := s.CreateOrGetClusterID(ctx, "first"); err != nil || id != "first" {
			t.Fatal(id, err)
		}
		if id, err := newStore(t, b, Options{}).CreateOrGetClusterID(ctx, "second"); err != nil || id != "first" {
			t.Fatal(id, err)
		}
		d, _, _ := s.Tree().Get(ctx, zkdata.ClusterIDPath)
		if string(d) != `{"version":"1","id":"first"}` {
			t.Fatalf("%s", d)
		}
		for want := int32(1); want <= 3; want++ {
			if n, err := s.GenerateBrokerSequenceID(ctx); err != nil || n != want {
				t.Fatalf("sequence %d %v, want %d", n, err, want)
			}
		}
	})
}

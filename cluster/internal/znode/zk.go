package znode

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/go-zookeeper/zk"
)

// ZKOptions configure DialZK. The zero value of a field means its
// default.
type ZKOptions struct {
	// Connect is Kafka's zookeeper.connect: "host:port,host:port/chroot".
	// A missing port is 2181; the chroot, if any, is created (empty) if
	// missing, as Kafka does, and every path is taken under it.
	Connect string
	// SessionTimeout is zookeeper.session.timeout.ms (18 s). The server
	// may negotiate it into its own bounds.
	SessionTimeout time.Duration
	// ConnectionTimeout bounds the wait for the first session
	// (zookeeper.connection.timeout.ms; default SessionTimeout).
	ConnectionTimeout time.Duration
	// MaxRequestBytes: larger requests fail with ErrTooLarge before being
	// sent (DefaultMaxRequestBytes; ZooKeeper closes the connection of a
	// client that sends more than its jute.maxbuffer).
	MaxRequestBytes int
	// MaxResponseBytes bounds a response (4 MiB, Kafka's jute.maxbuffer).
	MaxResponseBytes int
	// MaxMultiOps is what MaxMultiOps reports (500).
	MaxMultiOps int
	// Logger receives the ZooKeeper client's messages at debug level
	// (default: none).
	Logger *slog.Logger
}

// EnsureDefaults fills in zero fields.
func (o *ZKOptions) EnsureDefaults() {
	if o.SessionTimeout <= 0 {
		o.SessionTimeout = 18 * time.Second
	}
	if o.ConnectionTimeout <= 0 {
		o.ConnectionTimeout = o.SessionTimeout
	}
	if o.MaxRequestBytes <= 0 {
		o.MaxRequestBytes = DefaultMaxRequestBytes
	}
	if o.MaxResponseBytes <= 0 {
		o.MaxResponseBytes = 4 << 20
	}
	if o.MaxMultiOps <= 0 {
		o.MaxMultiOps = 500
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
}

// ParseConnect splits a zookeeper.connect string into servers
// (host:port, port 2181 when missing) and a chroot ("" for none).
func ParseConnect(s string) (servers []string, chroot string, err error) {
	hosts := s
	if i := strings.IndexByte(s, '/'); i >= 0 {
		hosts, chroot = s[:i], s[i:]
		if chroot == "/" {
			chroot = ""
		} else if err := ValidatePath(chroot, false); err != nil {
			return nil, "", fmt.Errorf("znode: zookeeper.connect %q: bad chroot: %w", s, err)
		}
	}
	for _, h := range strings.Split(hosts, ",") {
		h = strings.TrimSpace(h)
		if h == "" {
			continue
		}
		if !strings.Contains(h, ":") {
			h += ":2181"
		} else if strings.HasPrefix(h, "[") && !strings.Contains(h, "]:") {
			h += ":2181"
		}
		servers = append(servers, h)
	}
	if len(servers) == 0 {
		return nil, "", fmt.Errorf("znode: zookeeper.connect %q names no server", s)
	}
	return servers, chroot, nil
}

// ZKTree is a Tree on a ZooKeeper ensemble (go-zookeeper/zk), one session
// at a time.
//
// What the client library does, and what ZKTree adds:
//   - A lost connection is re-established to any server of the list; a
//     session that survives keeps its ephemerals and watches (the library
//     re-sets the watches, and the server fires those whose znodes
//     changed meanwhile). ZKTree reports SessionDisconnected, then
//     SessionConnected.
//   - The client learns of an expiry only when it reconnects: the server
//     answers the reconnection with "expired"; the library then voids its
//     watches and immediately establishes a new session with the next
//     connection. ZKTree voids its watches (EventNotWatching, Err
//     ErrSessionExpired) and, once the new session is up, reports
//     SessionExpired with the new SessionID: the owner must re-create its
//     ephemerals (they died with the old session) and re-set its watches.
//     Requests in flight at the expiry fail with ErrSessionExpired.
//   - Requests issued while disconnected wait for a session (until ctx
//     ends); reads are retried across disconnections; writes that were in
//     flight when the connection dropped fail with ErrConnectionLoss (see
//     Tree). After a reconnection, requests also wait (at most a second)
//     until the library has re-sent its watches: it re-sets them with the
//     last zxid it has seen, and a response to a request sent before would
//     make the server skip the events of changes made while the client
//     was away (see watchConn).
//   - Session and watch events come through the library's event callback,
//     which ZKTree never blocks (the library's event channel drops events
//     when full).
type ZKTree struct {
	conn    *zk.Conn
	chroot  string
	servers []string
	opts    ZKOptions
	events  *sessionQueue
	session atomic.Int64
	done    chan struct{} // closed when the library's connection loop ends
	// connSet is closed once conn is assigned: the library may call back
	// before zk.Connect returns (in practice it cannot: a session needs a
	// network round trip first).
	connSet chan struct{}
	// setWatchesSeen counts SetWatches requests written (for tests).
	setWatchesSeen atomic.Int64

	mu struct {
		sync.Mutex
		watches watchSet
		// connected is closed while requests may be sent: a session is
		// established and, after a reconnection, the client has re-set its
		// watches (see gateLocked).
		connected chan struct{}
		isUp      bool
		gateOpen  bool
		gen       int  // counts connections, so that a late timer opens no later gate
		expired   bool // an expiry was seen; the next session is reported as SessionExpired
		closed    bool
	}
}

// setWatchesWait bounds how long requests wait, after a reconnection,
// for the client library to re-set its watches.
const setWatchesWait = time.Second

// opSetWatches is the opcode of ZooKeeper's SetWatches request.
const opSetWatches = 101

// watchConn is the client's connection to a server. It reports when the
// library writes its SetWatches request (the first request after a
// reconnection, when it has watches).
//
// Why: go-zookeeper re-sets its watches after reconnecting with the last
// zxid it has seen, read concurrently with the responses the new
// connection already receives. A response to a request sent before the
// SetWatches makes that zxid too new, and the server then does not fire
// the watches for changes made while the client was away (a lost
// notification; it is also a data race in the library). So ZKTree sends
// nothing on a new connection of a session with watches until the
// SetWatches request is on the wire: the server handles a session's
// requests in order.
type watchConn struct {
	net.Conn
	t      *ZKTree
	frames int // frames written (the first is the connect request)
}

func (c *watchConn) Write(b []byte) (int, error) {
	c.frames++
	if c.frames > 1 && len(b) >= 12 && int32(binary.BigEndian.Uint32(b[8:12])) == opSetWatches {
		c.t.setWatchesSent()
	}
	return c.Conn.Write(b)
}

var _ Tree = (*ZKTree)(nil)

type zkLogger struct{ l *slog.Logger }

func (z zkLogger) Printf(format string, args ...any) {
	z.l.Debug(fmt.Sprintf(format, args...), "component", "zookeeper-client")
}

// DialZK connects to ZooKeeper and waits for a session (at most
// ConnectionTimeout, or until ctx ends; then an error wrapping
// ErrConnect). It creates the chroot if missing.
func DialZK(ctx context.Context, opts ZKOptions) (*ZKTree, error) {
	opts.EnsureDefaults()
	servers, chroot, err := ParseConnect(opts.Connect)
	if err != nil {
		return nil, err
	}
	t := &ZKTree{chroot: chroot, servers: servers, opts: opts, events: newSessionQueue(),
		done: make(chan struct{}), connSet: make(chan struct{})}
	t.mu.watches = watchSet{}
	t.mu.connected = make(chan struct{})
	dial := func(network, address string, timeout time.Duration) (net.Conn, error) {
		c, err := net.DialTimeout(network, address, timeout)
		if err != nil {
			return nil, err
		}
		return &watchConn{Conn: c, t: t}, nil
	}
	conn, ec, err := zk.Connect(servers, opts.SessionTimeout,
		zk.WithDialer(dial),
		zk.WithEventCallback(t.onEvent),
		zk.WithLogger(zkLogger{opts.Logger}),
		zk.WithLogInfo(false),
		zk.WithMaxBufferSize(opts.MaxResponseBytes))
	if err != nil {
		return nil, fmt.Errorf("%w at %s: %v", ErrConnect, strings.Join(servers, ","), err)
	}
	t.conn = conn
	close(t.connSet)
	go func() { // owned by t: ends when conn's loop ends (Close)
		for range ec {
		}
		close(t.done)
	}()
	wait, cancel := context.WithTimeout(ctx, opts.ConnectionTimeout)
	defer cancel()
	if err := t.waitConnected(wait); err != nil {
		t.Close()
		if ctx.Err() != nil {
			return nil, fmt.Errorf("%w at %s: %v", ErrConnect, strings.Join(servers, ","), ctx.Err())
		}
		return nil, fmt.Errorf("%w at %s: no session within %v (zookeeper.connection.timeout.ms)",
			ErrConnect, strings.Join(servers, ","), opts.ConnectionTimeout)
	}
	if chroot != "" {
		if err := t.ensureChroot(ctx); err != nil {
			t.Close()
			return nil, fmt.Errorf("znode: create chroot %s: %w", chroot, err)
		}
	}
	return t, nil
}

// ensureChroot creates the chroot and its parents (no data) as Kafka's
// makeSurePersistentPathExists does.
func (t *ZKTree) ensureChroot(ctx context.Context) error {
	var missing []string
	for p := t.chroot; p != "/"; p = parentOf(p) {
		var ok bool
		err := t.do(ctx, false, func() (err error) { ok, _, err = t.conn.Exists(p); return err })
		if err != nil {
			return err
		}
		if ok {
			break
		}
		missing = append(missing, p)
	}
	for i := len(missing) - 1; i >= 0; i-- {
		p := missing[i]
		err := t.do(ctx, true, func() error {
			_, err := t.conn.Create(p, nil, 0, zk.WorldACL(zk.PermAll))
			return err
		})
		if err != nil && !errors.Is(err, ErrNodeExists) {
			return err
		}
	}
	return nil
}

// onEvent is the library's event callback. It must not block.
func (t *ZKTree) onEvent(ev zk.Event) {
	switch ev.Type {
	case zk.EventSession:
		t.onSession(ev.State)
	case zk.EventNodeCreated, zk.EventNodeDeleted, zk.EventNodeDataChanged, zk.EventNodeChildrenChanged:
		path, ok := t.strip(ev.Path)
		if !ok {
			return
		}
		t.mu.Lock()
		t.mu.watches.trigger(path, EventType(ev.Type), nil)
		t.mu.Unlock()
	}
	// EventNotWatching: the library voids its watches on expiry and
	// close; ours are voided on the state changes below and in Close.
}

func (t *ZKTree) onSession(s zk.State) {
	if s == zk.StateHasSession {
		<-t.connSet // t.conn is set (long before a session can exist)
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	switch s {
	case zk.StateHasSession:
		id := t.conn.SessionID()
		old := t.session.Swap(id)
		t.mu.isUp = true
		t.mu.gen++
		state := SessionConnected
		if t.mu.expired || (old != 0 && old != id) {
			state = SessionExpired
		}
		t.mu.expired = false
		// Same session again, with watches: the library will re-set them
		// first; wait for that (bounded) before sending anything.
		if old == id && len(t.mu.watches) > 0 {
			gen := t.mu.gen
			time.AfterFunc(setWatchesWait, func() {
				t.mu.Lock()
				defer t.mu.Unlock()
				if t.mu.gen == gen {
					t.openGateLocked()
				}
			})
		} else {
			t.openGateLocked()
		}
		t.events.push(SessionEvent{State: state, SessionID: id})
	case zk.StateDisconnected:
		if t.mu.isUp {
			t.mu.isUp = false
			t.mu.gen++
			if t.mu.gateOpen {
				t.mu.gateOpen = false
				t.mu.connected = make(chan struct{})
			}
			if !t.mu.closed {
				t.events.push(SessionEvent{State: SessionDisconnected, SessionID: t.session.Load()})
			}
		}
	case zk.StateExpired:
		t.mu.expired = true
		t.mu.watches.voidSession(nil, ErrSessionExpired)
	case zk.StateAuthFailed:
		t.events.push(SessionEvent{State: SessionAuthFailed, SessionID: t.session.Load()})
	}
}

// openGateLocked lets requests through.
// REQUIRES: t.mu held.
func (t *ZKTree) openGateLocked() {
	if t.mu.isUp && !t.mu.gateOpen {
		t.mu.gateOpen = true
		close(t.mu.connected)
	}
}

// setWatchesSent is called when the library writes its SetWatches.
func (t *ZKTree) setWatchesSent() {
	t.setWatchesSeen.Add(1)
	t.mu.Lock()
	defer t.mu.Unlock()
	t.openGateLocked()
}

// full maps a tree path to the server path (under the chroot).
func (t *ZKTree) full(path string) string {
	if t.chroot == "" {
		return path
	}
	if path == "/" {
		return t.chroot
	}
	return t.chroot + path
}

// strip maps a server path back (ok=false outside the chroot).
func (t *ZKTree) strip(path string) (string, bool) {
	if t.chroot == "" {
		return path, true
	}
	if path == t.chroot {
		return "/", true
	}
	rest, ok := strings.CutPrefix(path, t.chroot)
	if !ok || !strings.HasPrefix(rest, "/") {
		return "", false
	}
	return rest, true
}

func (t *ZKTree) waitConnected(ctx context.Context) error {
	t.mu.Lock()
	ch, closed := t.mu.connected, t.mu.closed
	t.mu.Unlock()
	if closed {
		return ErrClosed
	}
	select {
	case <-ch:
		return nil
	case <-t.done:
		return ErrClosed
	case <-ctx.Done():
		return ctx.Err()
	}
}

func (t *ZKTree) isClosed() bool {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.mu.closed
}

// do runs a library call once a session is up, retrying what was surely
// not applied (never sent; for reads also what was lost in flight).
func (t *ZKTree) do(ctx context.Context, write bool, call func() error) error {
	for {
		if err := t.waitConnected(ctx); err != nil {
			return err
		}
		res := make(chan error, 1)
		go func() { res <- call() }() // the library's calls cannot be abandoned otherwise
		var err error
		select {
		case err = <-res:
		case <-ctx.Done():
			if write {
				return fmt.Errorf("%w (%w)", ctx.Err(), ErrConnectionLoss)
			}
			return ctx.Err()
		}
		switch {
		case err == nil:
			return nil
		case errors.Is(err, zk.ErrNoServer):
			continue // flushed unsent while no server was reachable
		case errors.Is(err, zk.ErrClosing), t.isClosed():
			return ErrClosed
		case errors.Is(err, zk.ErrConnectionClosed):
			if !write {
				continue
			}
			return ErrConnectionLoss
		case errors.Is(err, zk.ErrSessionExpired):
			if !write {
				continue
			}
			return ErrSessionExpired
		}
		return mapZKError(err)
	}
}

func mapZKError(err error) error {
	switch {
	case err == nil:
		return nil
	case errors.Is(err, zk.ErrNoNode):
		return ErrNoNode
	case errors.Is(err, zk.ErrNodeExists):
		return ErrNodeExists
	case errors.Is(err, zk.ErrBadVersion):
		return ErrBadVersion
	case errors.Is(err, zk.ErrNotEmpty):
		return ErrNotEmpty
	case errors.Is(err, zk.ErrNoChildrenForEphemerals):
		return ErrNoChildrenForEphemerals
	case errors.Is(err, zk.ErrInvalidPath), errors.Is(err, zk.ErrBadArguments):
		return fmt.Errorf("%w: %v", ErrBadPath, err)
	case errors.Is(err, zk.ErrSessionExpired):
		return ErrSessionExpired
	case errors.Is(err, zk.ErrConnectionClosed):
		return ErrConnectionLoss
	case errors.Is(err, zk.ErrClosing):
		return ErrClosed
	}
	return fmt.Errorf("zookeeper: %w", err)
}

func statOf(s *zk.Stat) Stat {
	if s == nil {
		return Stat{}
	}
	return Stat{Czxid: s.Czxid, Mzxid: s.Mzxid, Pzxid: s.Pzxid, Ctime: s.Ctime, Mtime: s.Mtime,
		Version: s.Version, CVersion: s.Cversion, EphemeralOwner: s.EphemeralOwner,
		DataLength: s.DataLength, NumChildren: s.NumChildren}
}

// read runs a read, registering our watch first if asked (a watch
// registered before the request may fire early, never late).
func (t *ZKTree) read(ctx context.Context, op, path string, kind watchKind, setWatch bool,
	call func(full string, watch bool) error) (<-chan Event, error) {
	if err := ValidatePath(path, false); err != nil {
		return nil, opErr(op, path, err)
	}
	var w *watch
	if setWatch {
		w = newWatch(kind, path, t)
		t.mu.Lock()
		if t.mu.closed {
			t.mu.Unlock()
			return nil, opErr(op, path, ErrClosed)
		}
		t.mu.watches.add(w)
		t.mu.Unlock()
	}
	full := t.full(path)
	err := t.do(ctx, false, func() error { return call(full, setWatch) })
	if err != nil {
		if w != nil {
			t.mu.Lock()
			t.mu.watches.remove(w)
			t.mu.Unlock()
		}
		return nil, opErr(op, path, err)
	}
	if w == nil {
		return nil, nil
	}
	return w.ch, nil
}

// Get implements Tree.
func (t *ZKTree) Get(ctx context.Context, path string) ([]byte, Stat, error) {
	d, st, _, err := t.get(ctx, path, false)
	return d, st, err
}

// GetW implements Tree.
func (t *ZKTree) GetW(ctx context.Context, path string) ([]byte, Stat, <-chan Event, error) {
	return t.get(ctx, path, true)
}

func (t *ZKTree) get(ctx context.Context, path string, watch bool) ([]byte, Stat, <-chan Event, error) {
	var data []byte
	var st *zk.Stat
	ch, err := t.read(ctx, "get", path, watchData, watch, func(full string, watch bool) (err error) {
		if watch {
			data, st, _, err = t.conn.GetW(full)
		} else {
			data, st, err = t.conn.Get(full)
		}
		return err
	})
	if err != nil {
		return nil, Stat{}, nil, err
	}
	if len(data) == 0 {
		data = nil
	}
	return data, statOf(st), ch, nil
}

// Exists implements Tree.
func (t *ZKTree) Exists(ctx context.Context, path string) (bool, Stat, error) {
	ok, st, _, err := t.exists(ctx, path, false)
	return ok, st, err
}

// ExistsW implements Tree.
func (t *ZKTree) ExistsW(ctx context.Context, path string) (bool, Stat, <-chan Event, error) {
	return t.exists(ctx, path, true)
}

func (t *ZKTree) exists(ctx context.Context, path string, watch bool) (bool, Stat, <-chan Event, error) {
	var ok bool
	var st *zk.Stat
	ch, err := t.read(ctx, "exists", path, watchExist, watch, func(full string, watch bool) (err error) {
		if watch {
			ok, st, _, err = t.conn.ExistsW(full)
		} else {
			ok, st, err = t.conn.Exists(full)
		}
		return err
	})
	if err != nil {
		return false, Stat{}, nil, err
	}
	if !ok {
		return false, Stat{}, ch, nil
	}
	return true, statOf(st), ch, nil
}

// Children implements Tree.
func (t *ZKTree) Children(ctx context.Context, path string) ([]string, Stat, error) {
	c, st, _, err := t.children(ctx, path, false)
	return c, st, err
}

// ChildrenW implements Tree.
func (t *ZKTree) ChildrenW(ctx context.Context, path string) ([]string, Stat, <-chan Event, error) {
	return t.children(ctx, path, true)
}

func (t *ZKTree) children(ctx context.Context, path string, watch bool) ([]string, Stat, <-chan Event, error) {
	var names []string
	var st *zk.Stat
	ch, err := t.read(ctx, "children", path, watchChild, watch, func(full string, watch bool) (err error) {
		if watch {
			names, st, _, err = t.conn.ChildrenW(full)
		} else {
			names, st, err = t.conn.Children(full)
		}
		return err
	})
	if err != nil {
		return nil, Stat{}, nil, err
	}
	sort.Strings(names)
	return names, statOf(st), ch, nil
}

// Create implements Tree.
func (t *ZKTree) Create(ctx context.Context, path string, data []byte, mode Mode) (string, error) {
	op := CreateOp{Path: path, Data: data, Mode: mode}
	rs, err := t.Multi(ctx, op)
	if err != nil {
		return "", single(op, err)
	}
	return rs[0].Path, nil
}

// Set implements Tree.
func (t *ZKTree) Set(ctx context.Context, path string, data []byte, version int32) (Stat, error) {
	op := SetOp{Path: path, Data: data, Version: version}
	rs, err := t.Multi(ctx, op)
	if err != nil {
		return Stat{}, single(op, err)
	}
	return rs[0].Stat, nil
}

// Delete implements Tree.
func (t *ZKTree) Delete(ctx context.Context, path string, version int32) error {
	op := DeleteOp{Path: path, Version: version}
	if _, err := t.Multi(ctx, op); err != nil {
		return single(op, err)
	}
	return nil
}

func zkFlags(m Mode) int32 {
	var f int32
	if m.IsEphemeral() {
		f |= zk.FlagEphemeral
	}
	if m.IsSequential() {
		f |= zk.FlagSequence
	}
	return f
}

// Multi implements Tree. Create, Set and Delete are sent as multis of one
// operation too, so that every write has one code path.
func (t *ZKTree) Multi(ctx context.Context, ops ...Op) ([]Result, error) {
	ops, err := normalize(ops)
	if err != nil {
		if me, ok := err.(*MultiError); ok {
			return failedResults(len(ops), me.Index, me.Err), err
		}
		return nil, err
	}
	if len(ops) == 0 {
		return []Result{}, nil
	}
	if n := requestSize(ops); n > t.opts.MaxRequestBytes {
		return nil, fmt.Errorf("%w: %d operations, %d bytes encoded, limit %d", ErrTooLarge, len(ops), n, t.opts.MaxRequestBytes)
	}
	reqs := make([]any, len(ops))
	for i, op := range ops {
		switch o := op.(type) {
		case CreateOp:
			reqs[i] = &zk.CreateRequest{Path: t.full(o.Path), Data: o.Data, Acl: zk.WorldACL(zk.PermAll), Flags: zkFlags(o.Mode)}
		case SetOp:
			reqs[i] = &zk.SetDataRequest{Path: t.full(o.Path), Data: o.Data, Version: o.Version}
		case DeleteOp:
			reqs[i] = &zk.DeleteRequest{Path: t.full(o.Path), Version: o.Version}
		case CheckOp:
			reqs[i] = &zk.CheckVersionRequest{Path: t.full(o.Path), Version: o.Version}
		}
	}
	var resp []zk.MultiResponse
	var opErr error
	err = t.do(ctx, true, func() error {
		var err error
		resp, err = t.conn.Multi(reqs...)
		if err != nil && len(resp) == len(ops) {
			opErr = err // an operation failed: the per-op results say which
			return nil
		}
		return err
	})
	if err != nil {
		return nil, err
	}
	if opErr != nil {
		failed := -1
		for i, r := range resp {
			if r.Error != nil {
				failed = i
				break
			}
		}
		merr := mapZKError(opErr)
		if failed < 0 {
			return failedResults(len(ops), -1, nil), &MultiError{Index: -1, Err: merr}
		}
		return failedResults(len(ops), failed, merr), &MultiError{Index: failed, Op: ops[failed], Err: merr}
	}
	results := make([]Result, len(ops))
	for i, r := range resp {
		if _, ok := ops[i].(CreateOp); ok {
			results[i].Path, _ = t.strip(r.String)
		}
		if r.Stat != nil {
			results[i].Stat = statOf(r.Stat)
		}
	}
	return results, nil
}

// SessionID implements Tree.
func (t *ZKTree) SessionID() int64 { return t.session.Load() }

// MaxMultiOps implements Tree.
func (t *ZKTree) MaxMultiOps() int { return t.opts.MaxMultiOps }

// SessionEvents implements Tree.
func (t *ZKTree) SessionEvents() <-chan SessionEvent { return t.events.ch }

// Close implements Tree: it closes the session (the server deletes its
// ephemerals at once) and waits, boundedly, for the client to stop.
func (t *ZKTree) Close() error {
	t.mu.Lock()
	if t.mu.closed {
		t.mu.Unlock()
		return nil
	}
	t.mu.closed = true
	t.mu.Unlock()
	t.conn.Close()
	select {
	case <-t.done:
	case <-time.After(t.opts.SessionTimeout + 2*time.Second):
		t.opts.Logger.Warn("zookeeper client did not stop in time", "component", "zookeeper-client")
	}
	t.mu.Lock()
	t.mu.watches.voidSession(nil, ErrClosed)
	t.mu.Unlock()
	t.events.close()
	return nil
}

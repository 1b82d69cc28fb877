package netio

import (
	"errors"
	"fmt"
	"math"
	"net"
	"sync"
	"sync/atomic"
	"time"

	"golang.org/x/sys/unix"
)

// Accepting connections.
//
// gnet's accept loop ends on any accept(2) error but EAGAIN, EINTR,
// ECONNRESET and ECONNABORTED, and with it the listener, for good: one
// "too many open files" left a broker that answered nothing more. netio
// therefore listens itself and runs gnet's event loops without a listener
// (gnet.Client). One goroutine accepts:
//
//	wait while open connections >= MaxConns (max.connections): sockets
//	  queue in the kernel's backlog, as Kafka's acceptor stops accepting
//	accept(2)
//	  error: count it, log it (rate-limited), back off 5 ms doubling to 1 s;
//	         after EMFILE/ENFILE accept again only once a dup(2) of the
//	         listener succeeds, so a backlogged client is not lost to a
//	         descriptor that is not there
//	  ok:    over MaxConnsPerIP for its address -> close it at once
//	         (max.connections.per.ip); else hand it to the least loaded
//	         event loop (gnet.Client.EnrollContext, which dups the socket
//	         and closes ours; OnOpen runs before it returns)
//
// Accepting reports the listener's state for readiness: accepting, full
// (at MaxConns), failing (backing off after an error) or stopped.

// Listener states (acceptor.state).
const (
	listenStopped int32 = iota
	listenAccepting
	listenFull
	listenFailing
)

const (
	acceptBackoffMin = 5 * time.Millisecond
	acceptBackoffMax = time.Second
	acceptLogEvery   = 10 * time.Second
)

// acceptor is a Server's listener, its accept goroutine and the connection
// counts max.connections and max.connections.per.ip are checked against.
type acceptor struct {
	s         *Server
	ln        *net.TCPListener
	maxConns  int
	perIP     int            // bound for addresses without an override (0: none admitted)
	overrides map[string]int // normalised IP -> bound

	state atomic.Int32
	slot  chan struct{} // a counted connection closed (capacity 1)
	stop  chan struct{} // closed by Shutdown
	done  chan struct{} // closed when run returns

	mu struct {
		sync.Mutex
		active  int
		byIP    map[string]int
		lastErr error // the accept error being backed off from
	}
	lastReject atomic.Int64 // unix nanos of the last per-IP rejection logged
}

// pendingConn is the gnet context of a socket being enrolled, replaced by
// the *Conn in OnOpen.
type pendingConn struct {
	ip     string
	opened atomic.Bool // OnOpen ran (then OnClose releases the count)
}

func newAcceptor(s *Server, cfg Config) (*acceptor, error) {
	overrides, err := resolveOverrides(cfg.MaxConnsPerIPOverrides)
	if err != nil {
		return nil, err
	}
	a := &acceptor{
		s:         s,
		perIP:     max(cfg.MaxConnsPerIP, 0),
		overrides: overrides,
		slot:      make(chan struct{}, 1),
		stop:      make(chan struct{}),
		done:      make(chan struct{}),
	}
	a.mu.byIP = make(map[string]int)
	fdLimit := ConnLimitFromFDs()
	switch {
	case cfg.MaxConns == 0 || cfg.MaxConns == math.MaxInt32:
		a.maxConns = fdLimit
	case cfg.MaxConns > fdLimit:
		s.log.Warn("max.connections is above what the open-files limit allows; lowering it (raise ulimit -n to serve more)",
			"max_connections", cfg.MaxConns, "lowered_to", fdLimit)
		a.maxConns = fdLimit
	default:
		a.maxConns = cfg.MaxConns
	}
	return a, nil
}

// ConnLimitFromFDs is the default bound on open connections: the
// open-files limit (soft RLIMIT_NOFILE, which the Go runtime raises to the
// hard limit at start-up) minus a reserve for log segments, indexes,
// checkpoints and the rest of the process: a quarter of the limit, and at
// least min(256, half of it). Each connection holds one descriptor.
func ConnLimitFromFDs() int {
	var rl unix.Rlimit
	if err := unix.Getrlimit(unix.RLIMIT_NOFILE, &rl); err != nil {
		return math.MaxInt32
	}
	lim := min(rl.Cur, math.MaxInt32)
	reserve := max(lim/4, min(256, lim/2))
	return int(max(lim-reserve, 1))
}

// resolveOverrides normalises IP keys and resolves host names.
func resolveOverrides(m map[string]int) (map[string]int, error) {
	out := make(map[string]int, len(m))
	for host, n := range m {
		if ip := net.ParseIP(host); ip != nil {
			out[normIP(ip)] = n
			continue
		}
		ips, err := net.LookupIP(host)
		if err != nil {
			return nil, fmt.Errorf("%w: MaxConnsPerIPOverrides: %v", ErrInvalidConfig, err)
		}
		for _, ip := range ips {
			out[normIP(ip)] = n
		}
	}
	return out, nil
}

func normIP(ip net.IP) string {
	if v4 := ip.To4(); v4 != nil {
		return v4.String()
	}
	return ip.String()
}

// run is the accept goroutine.
func (a *acceptor) run() {
	defer close(a.done)
	a.state.Store(listenAccepting)
	var (
		backoff  time.Duration
		failures int64 // accept errors since the last success
		lastLog  time.Time
	)
	for {
		if !a.waitSlot() {
			return
		}
		if backoff > 0 {
			select {
			case <-a.stop:
				return
			case <-time.After(backoff):
			}
			if !a.descriptorsFree() {
				backoff = min(2*backoff, acceptBackoffMax)
				continue
			}
			a.state.Store(listenAccepting)
		}
		nc, err := a.ln.AcceptTCP()
		if errors.Is(err, net.ErrClosed) {
			return
		}
		if err == nil {
			// A failed hand-over (gnet dups the socket) is an accept
			// failure too: the connection is lost, the cause the same.
			if err = a.admit(nc); err != nil {
				a.s.stats.lostHandovers.Add(1)
			}
		}
		if err != nil {
			failures++
			a.mu.Lock()
			a.mu.lastErr = err
			a.mu.Unlock()
			a.state.Store(listenFailing)
			a.s.stats.acceptErrors.Add(1)
			if failures == 1 || time.Since(lastLog) >= acceptLogEvery {
				lastLog = time.Now()
				a.s.log.Warn("accepting a connection failed; retrying with backoff", "addr", a.ln.Addr().String(),
					"err", err, "failures", failures, "open_connections", a.active(), "hint", acceptHint(err))
			}
			backoff = min(max(2*backoff, acceptBackoffMin), acceptBackoffMax)
			continue
		}
		if failures > 0 {
			a.s.log.Info("accepting connections again", "addr", a.ln.Addr().String(), "failures", failures)
			failures, backoff = 0, 0
		}
		a.state.Store(listenAccepting)
	}
}

// acceptHint tells the operator what to change.
func acceptHint(err error) string {
	switch {
	case errors.Is(err, unix.EMFILE):
		return "the process ran out of file descriptors: raise its open-files limit (ulimit -n / LimitNOFILE) or lower max.connections"
	case errors.Is(err, unix.ENFILE):
		return "the system ran out of file descriptors: raise fs.file-max"
	case errors.Is(err, unix.ENOBUFS), errors.Is(err, unix.ENOMEM):
		return "the kernel is short of memory for sockets"
	}
	return ""
}

// waitSlot blocks while MaxConns connections are open. It returns false
// when the listener stops.
func (a *acceptor) waitSlot() bool {
	logged := false
	for {
		if a.active() < a.maxConns {
			if a.state.Load() == listenFull {
				a.state.Store(listenAccepting)
				a.s.log.Info("accepting connections again", "addr", a.ln.Addr().String(), "open_connections", a.active())
			}
			return true
		}
		if !logged {
			logged = true
			a.state.Store(listenFull)
			a.s.log.Warn("max.connections reached; not accepting until a connection closes",
				"addr", a.ln.Addr().String(), "max_connections", a.maxConns)
		}
		select {
		case <-a.slot:
		case <-a.stop:
			return false
		}
	}
}

// descriptorsFree reports whether the process can open a descriptor again
// (after EMFILE/ENFILE), without taking a connection off the backlog.
func (a *acceptor) descriptorsFree() bool {
	a.mu.Lock()
	err := a.mu.lastErr
	a.mu.Unlock()
	if !errors.Is(err, unix.EMFILE) && !errors.Is(err, unix.ENFILE) {
		return true
	}
	rc, err := a.ln.SyscallConn()
	if err != nil {
		return true
	}
	free := true
	_ = rc.Control(func(fd uintptr) {
		nfd, err := unix.FcntlInt(fd, unix.F_DUPFD_CLOEXEC, 0)
		if err != nil {
			free = false
			return
		}
		_ = unix.Close(nfd)
	})
	return free
}

// admit applies the per-address bound and hands the socket to gnet. It
// returns the error of a failed hand-over.
func (a *acceptor) admit(nc *net.TCPConn) error {
	ip := ""
	if ta, ok := nc.RemoteAddr().(*net.TCPAddr); ok {
		ip = normIP(ta.IP)
	}
	if limit, ok := a.take(ip); !ok {
		a.s.stats.rejectedConns.Add(1)
		if now := time.Now().UnixNano(); now-a.lastReject.Load() >= int64(time.Second) {
			a.lastReject.Store(now)
			a.s.log.Info("rejected connection", "remote", nc.RemoteAddr().String(), "err", ErrTooManyConnsFromIP,
				"max_connections_per_ip", limit)
		}
		_ = nc.Close()
		return nil
	}
	pc := &pendingConn{ip: ip}
	_, err := a.s.cli.EnrollContext(nc, pc) // closes nc
	if !pc.opened.Load() {
		a.release(ip)
	}
	if err != nil {
		return fmt.Errorf("netio: handing %s to an event loop: %w", nc.RemoteAddr(), err)
	}
	return nil
}

// take counts a connection from ip unless its address is at its bound.
func (a *acceptor) take(ip string) (limit int, ok bool) {
	limit = a.perIP
	if n, ok := a.overrides[ip]; ok {
		limit = n
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.mu.byIP[ip] >= limit {
		return limit, false
	}
	a.mu.byIP[ip]++
	a.mu.active++
	return limit, true
}

// release uncounts a connection from ip and wakes a wait at MaxConns.
func (a *acceptor) release(ip string) {
	a.mu.Lock()
	a.mu.active--
	if a.mu.byIP[ip]--; a.mu.byIP[ip] <= 0 {
		delete(a.mu.byIP, ip)
	}
	a.mu.Unlock()
	select {
	case a.slot <- struct{}{}:
	default:
	}
}

func (a *acceptor) active() int {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.mu.active
}

// close stops the accept goroutine and waits for it.
func (a *acceptor) close() {
	a.state.Store(listenStopped)
	close(a.stop)
	_ = a.ln.Close()
	<-a.done
	a.state.Store(listenStopped)
}

// Accepting reports whether the listener accepts new connections now and,
// if not, why: stopped, at max.connections, or backing off after accept
// errors (the last one is named).
func (s *Server) Accepting() (bool, string) {
	a := s.acc.Load()
	if a == nil || s.draining.Load() {
		return false, "not listening"
	}
	if err := s.muteBroken.Load(); err != nil {
		return false, fmt.Sprintf("refusing connections: %v", *err)
	}
	switch a.state.Load() {
	case listenAccepting:
		return true, ""
	case listenFull:
		return false, fmt.Sprintf("at max.connections (%d open)", a.maxConns)
	case listenFailing:
		a.mu.Lock()
		err := a.mu.lastErr
		a.mu.Unlock()
		return false, fmt.Sprintf("accept failing: %v", err)
	}
	return false, "not listening"
}

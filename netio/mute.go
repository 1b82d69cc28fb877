package netio

import (
	"fmt"
	"os"
	"reflect"

	"github.com/panjf2000/gnet/v2"
	"github.com/panjf2000/gnet/v2/pkg/netpoll"
	"golang.org/x/sys/unix"
)

// Muting: stop reading a connection.
//
// gnet (v2.9.7) has no call that pauses reading one connection: its event
// loop reads a socket whenever epoll reports it readable and appends what
// OnTraffic leaves to the connection's inbound buffer, which grows without
// bound (a client that pipelines requests without reading the answers filled
// 6 GB). Each gnet event loop owns a plain epoll instance in which every
// connection is registered level-triggered for EPOLLIN|EPOLLPRI
// (netpoll.ReadEvents), keyed by its descriptor, and gnet never changes that
// registration afterwards for a connection it does not write to (netio
// never writes through gnet). Muting changes the registration to
// EPOLLRDHUP only: the loop stops reading, the socket's receive buffer
// fills and TCP pushes back on the client; a peer that closes is still
// noticed (gnet closes on RDHUP or HUP without IN). Unmuting restores
// netpoll.ReadEvents; level-triggered epoll then reports what arrived
// meanwhile.
//
// gnet does not export its epoll descriptor, so it is read with reflection
// from the connection (conn.loop.poller.fd, unexported fields of gnet
// v2.9.7). OnOpen checks the result by re-registering the new connection
// with its current events: an epoll_ctl that fails (the descriptor is not
// an epoll, or the connection is not in it) means gnet changed, and the
// connection is refused with ErrNoMute rather than served unbounded. The
// alternatives were worse: taking a muted connection out of gnet (dup,
// gnet Close, re-enroll a new gnet.Conn later) changes the connection's
// identity under in-flight writes; dup2-ing a dummy descriptor over the
// socket leaves a stale registration that spins the loop; edge-triggered
// mode reads until EAGAIN regardless.

// gnetPollFD returns the epoll descriptor of the event loop serving gc.
func gnetPollFD(gc gnet.Conn) (int, error) {
	v := reflect.ValueOf(gc)
	for _, field := range []string{"loop", "poller", "fd"} {
		if v.Kind() != reflect.Pointer || v.IsNil() || v.Elem().Kind() != reflect.Struct {
			return -1, fmt.Errorf("%w: looking for %q in a %s, not a pointer to a struct", ErrNoMute, field, v.Kind())
		}
		if v = v.Elem().FieldByName(field); !v.IsValid() {
			return -1, fmt.Errorf("%w: no field %q", ErrNoMute, field)
		}
	}
	if v.Kind() != reflect.Int {
		return -1, fmt.Errorf("%w: poller fd is a %s", ErrNoMute, v.Kind())
	}
	return int(v.Int()), nil
}

// initMute finds the loop's epoll and checks that c is registered in it as
// gnet registers connections (level-triggered netpoll.ReadEvents).
// Event loop only (OnOpen).
func (c *Conn) initMute() error {
	epfd, err := gnetPollFD(c.gc)
	if err != nil {
		return err
	}
	c.epfd = epfd
	if err := c.setPollEvents(netpoll.ReadEvents); err != nil {
		return fmt.Errorf("%w: %v", ErrNoMute, err)
	}
	return nil
}

// setMuted stops (true) or resumes (false) reading the connection. A
// failure closes the connection: reading on without a bound is not an
// option.
// Event loop only.
func (c *Conn) setMuted(muted bool) {
	if c.muted == muted || c.closing || c.closed {
		return
	}
	ev := uint32(netpoll.ReadEvents)
	if muted {
		ev = unix.EPOLLRDHUP
	}
	if err := c.setPollEvents(ev); err != nil {
		c.s.log.Error("changing a connection's read interest failed, closing", "conn", c.id, "muted", muted, "err", err)
		c.closeSoon()
		return
	}
	c.muted = muted
	if muted {
		c.s.stats.mutes.Add(1)
		c.s.stats.mutedConns.Add(1)
	} else {
		c.s.stats.mutedConns.Add(-1)
	}
}

func (c *Conn) setPollEvents(ev uint32) error {
	fd := c.gc.Fd()
	err := unix.EpollCtl(c.epfd, unix.EPOLL_CTL_MOD, fd, &unix.EpollEvent{Events: ev, Fd: int32(fd)})
	if err != nil {
		return os.NewSyscallError("epoll_ctl", err)
	}
	return nil
}

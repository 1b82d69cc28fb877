// Package wpoll is netio's side poller: a private epoll instance that tells
// the owner when a socket it armed has become writable again.
//
// netio writes responses itself (writev, sendfile) instead of through gnet's
// outbound buffer, so gnet never learns that a socket filled up. When a raw
// write returns EAGAIN the connection arms a dup of its socket here with
// EPOLLOUT|EPOLLONESHOT; one goroutine waits on the epoll and reports the
// token, and the owner hands a pump back to the connection's event loop.
// One-shot means one report per Arm: a socket is never reported twice for
// one EAGAIN, and a disarmed socket costs nothing.
package wpoll

import (
	"errors"
	"os"
	"sync"

	"golang.org/x/sys/unix"
)

// ErrClosed is returned by Arm after Close.
var ErrClosed = errors.New("wpoll: closed")

// Poller watches armed file descriptors for writability.
type Poller struct {
	epfd   int
	wakefd int // eventfd; a write to it stops the wait loop
	done   chan struct{}
	mu     struct {
		sync.Mutex
		closed bool
	}
}

// New opens the epoll instance and starts the goroutine that calls
// writable(token) for every armed fd that became writable (or errored).
// writable runs on that goroutine and must not block. Close stops it.
func New(writable func(token uint64)) (*Poller, error) {
	epfd, err := unix.EpollCreate1(unix.EPOLL_CLOEXEC)
	if err != nil {
		return nil, os.NewSyscallError("epoll_create1", err)
	}
	wakefd, err := unix.Eventfd(0, unix.EFD_CLOEXEC|unix.EFD_NONBLOCK)
	if err != nil {
		_ = unix.Close(epfd)
		return nil, os.NewSyscallError("eventfd", err)
	}
	ev := unix.EpollEvent{Events: unix.EPOLLIN}
	setToken(&ev, 0)
	if err := unix.EpollCtl(epfd, unix.EPOLL_CTL_ADD, wakefd, &ev); err != nil {
		_ = unix.Close(epfd)
		_ = unix.Close(wakefd)
		return nil, os.NewSyscallError("epoll_ctl", err)
	}
	p := &Poller{epfd: epfd, wakefd: wakefd, done: make(chan struct{})}
	go p.run(writable)
	return p, nil
}

// Arm asks for one report with token when fd becomes writable. token 0 is
// reserved. fd must stay open until Remove.
func (p *Poller) Arm(fd int, token uint64) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.mu.closed {
		return ErrClosed
	}
	ev := unix.EpollEvent{Events: unix.EPOLLOUT | unix.EPOLLONESHOT}
	setToken(&ev, token)
	err := unix.EpollCtl(p.epfd, unix.EPOLL_CTL_MOD, fd, &ev)
	if errors.Is(err, unix.ENOENT) {
		err = unix.EpollCtl(p.epfd, unix.EPOLL_CTL_ADD, fd, &ev)
	}
	if err != nil {
		return os.NewSyscallError("epoll_ctl", err)
	}
	return nil
}

// Remove forgets fd; call it before closing fd.
func (p *Poller) Remove(fd int) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.mu.closed {
		return
	}
	_ = unix.EpollCtl(p.epfd, unix.EPOLL_CTL_DEL, fd, nil)
}

// Close stops the goroutine, waits for it and releases the epoll instance.
func (p *Poller) Close() {
	p.mu.Lock()
	if p.mu.closed {
		p.mu.Unlock()
		<-p.done
		return
	}
	p.mu.closed = true
	p.mu.Unlock()
	var one = [8]byte{1}
	_, _ = unix.Write(p.wakefd, one[:])
	<-p.done
	_ = unix.Close(p.epfd)
	_ = unix.Close(p.wakefd)
}

func (p *Poller) run(writable func(token uint64)) {
	defer close(p.done)
	events := make([]unix.EpollEvent, 128)
	for {
		n, err := unix.EpollWait(p.epfd, events, -1)
		if err != nil {
			if errors.Is(err, unix.EINTR) {
				continue
			}
			return // the epoll fd is unusable; Close still works
		}
		for i := range events[:n] {
			tok := token(&events[i])
			if tok == 0 {
				return // Close
			}
			writable(tok)
		}
	}
}

// setToken stores a 64-bit token in the event's user data (Fd and Pad
// together form epoll_data_t on Linux).
func setToken(ev *unix.EpollEvent, tok uint64) {
	ev.Fd = int32(uint32(tok))
	ev.Pad = int32(uint32(tok >> 32))
}

func token(ev *unix.EpollEvent) uint64 {
	return uint64(uint32(ev.Fd)) | uint64(uint32(ev.Pad))<<32
}

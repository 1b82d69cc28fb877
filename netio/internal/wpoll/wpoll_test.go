package wpoll

import (
	"errors"
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

// A full socket armed once is reported once, after the peer drains it.
func TestArmReportsWritableOnce(t *testing.T) {
	fds, err := unix.Socketpair(unix.AF_UNIX, unix.SOCK_STREAM|unix.SOCK_NONBLOCK|unix.SOCK_CLOEXEC, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer unix.Close(fds[0])
	defer unix.Close(fds[1])
	got := make(chan uint64, 10)
	p, err := New(func(tok uint64) { got <- tok })
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()

	buf := make([]byte, 64<<10)
	for {
		if _, err := unix.Write(fds[0], buf); errors.Is(err, unix.EAGAIN) {
			break
		} else if err != nil {
			t.Fatal(err)
		}
	}
	const tok = 1<<40 | 7 // uses both halves of epoll_data
	if err := p.Arm(fds[0], tok); err != nil {
		t.Fatal(err)
	}
	select {
	case <-got:
		t.Fatal("reported while still full")
	case <-time.After(50 * time.Millisecond):
	}
	for {
		if _, err := unix.Read(fds[1], buf); err != nil {
			break
		}
	}
	select {
	case v := <-got:
		if v != tok {
			t.Fatalf("token %x, want %x", v, uint64(tok))
		}
	case <-time.After(2 * time.Second):
		t.Fatal("no report after the peer drained the socket")
	}
	select {
	case <-got:
		t.Fatal("one-shot arm reported twice")
	case <-time.After(50 * time.Millisecond):
	}
	// Re-arming a writable socket reports at once.
	if err := p.Arm(fds[0], tok); err != nil {
		t.Fatal(err)
	}
	select {
	case <-got:
	case <-time.After(2 * time.Second):
		t.Fatal("no report after re-arm")
	}
	p.Remove(fds[0])
	p.Close()
	if err := p.Arm(fds[0], tok); !errors.Is(err, ErrClosed) {
		t.Fatalf("Arm after Close = %v", err)
	}
}

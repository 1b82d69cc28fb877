package zktest

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
)

// Ensemble is a ZooKeeper ensemble of several server processes.
type Ensemble struct {
	Servers []*Server
	dir     string
}

// StartEnsemble starts an n-member ensemble (n = 3 for the usual
// quorum of 2) for the test and stops it when the test ends.
func StartEnsemble(t testing.TB, n int) *Ensemble {
	t.Helper()
	e, err := NewEnsemble(n, Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(e.Close)
	return e
}

// NewEnsemble starts an n-member ensemble; Close stops it.
func NewEnsemble(n int, opts Options) (*Ensemble, error) {
	opts.EnsureDefaults()
	if err := checkInstalled(opts); err != nil {
		return nil, err
	}
	var lastErr error
	for attempt := 0; attempt < 2; attempt++ {
		e, err := newEnsemble(n, opts)
		if err == nil {
			return e, nil
		}
		lastErr = err
	}
	return nil, lastErr
}

func newEnsemble(n int, opts Options) (*Ensemble, error) {
	dir, err := os.MkdirTemp("", "zktest-ensemble-")
	if err != nil {
		return nil, err
	}
	ports, err := freePorts(3 * n)
	if err != nil {
		os.RemoveAll(dir)
		return nil, err
	}
	e := &Ensemble{dir: dir}
	var peers []peer
	for i := 0; i < n; i++ {
		peers = append(peers, peer{id: i + 1, client: ports[3*i], quorum: ports[3*i+1], election: ports[3*i+2]})
	}
	for i := 0; i < n; i++ {
		s := &Server{opts: opts, dir: filepath.Join(dir, fmt.Sprint(i+1)), id: i + 1, clientPort: peers[i].client, peers: peers}
		if err := os.MkdirAll(s.dir, 0o755); err != nil {
			e.Close()
			return nil, err
		}
		if err := s.writeConfig(); err != nil {
			e.Close()
			return nil, err
		}
		e.Servers = append(e.Servers, s)
	}
	// Start all, then wait: a member serves only once a quorum is up.
	errs := make([]error, n)
	var wg sync.WaitGroup
	for i, s := range e.Servers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs[i] = s.Start()
		}()
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			e.Close()
			return nil, err
		}
	}
	return e, nil
}

// Connect is the zookeeper.connect string of all members (no chroot).
func (e *Ensemble) Connect() string {
	addrs := make([]string, len(e.Servers))
	for i, s := range e.Servers {
		addrs[i] = s.Addr()
	}
	return strings.Join(addrs, ",")
}

// ConnectString is Connect with a fresh chroot for the test.
func (e *Ensemble) ConnectString(t testing.TB) string { return e.Connect() + Chroot(t) }

// Leader returns the index of the member that leads, or -1.
func (e *Ensemble) Leader() int {
	for i, s := range e.Servers {
		if m, err := s.Mode(); err == nil && m == "leader" {
			return i
		}
	}
	return -1
}

// WaitServing waits until every running member serves (has a quorum).
func (e *Ensemble) WaitServing(timeout time.Duration) error {
	for _, s := range e.Servers {
		if s.Running() {
			if err := s.WaitServing(timeout); err != nil {
				return err
			}
		}
	}
	return nil
}

// Close kills every member and removes the ensemble's directory.
func (e *Ensemble) Close() {
	for _, s := range e.Servers {
		s.Kill()
	}
	os.RemoveAll(e.dir)
}

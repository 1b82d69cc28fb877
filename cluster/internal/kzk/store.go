package kzk

import (
	"context"
	"errors"
	"log/slog"
	"sync"
	"time"

	"sluice/cluster/internal/zkdata"
	"sluice/cluster/internal/znode"
)

// Options configure a Store. The zero value means the defaults.
type Options struct {
	// SessionTimeout is the ZooKeeper session timeout
	// (zookeeper.session.timeout.ms, 18 s).
	SessionTimeout time.Duration
	// StaleRegistrationWait is how long RegisterBroker waits for a
	// registration of its broker id by another session to vanish
	// (SessionTimeout + 5 s: a crashed broker's session expires within
	// the session timeout).
	StaleRegistrationWait time.Duration
	// MaxMultiBytes is the encoded size of one multi when a write is
	// split into several (512 KiB; ZooKeeper refuses requests over 1 MiB).
	MaxMultiBytes int
	// MaxMultiOps caps the operations of one multi of a split write
	// (default: the tree's MaxMultiOps).
	MaxMultiOps int
	// RetryBackoff is the pause before retrying a request whose
	// connection was lost (100 ms).
	RetryBackoff time.Duration
	// Now is the clock for registration and election timestamps.
	Now func() time.Time
	// Logger gets what the store does on its own (re-registering over a
	// stale node, waiting out a registration). Default: none.
	Logger *slog.Logger
}

// EnsureDefaults fills in zero fields.
func (o *Options) EnsureDefaults() {
	if o.SessionTimeout <= 0 {
		o.SessionTimeout = 18 * time.Second
	}
	if o.StaleRegistrationWait <= 0 {
		o.StaleRegistrationWait = o.SessionTimeout + 5*time.Second
	}
	if o.MaxMultiBytes <= 0 {
		o.MaxMultiBytes = 512 << 10
	}
	if o.RetryBackoff <= 0 {
		o.RetryBackoff = 100 * time.Millisecond
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
}

// Store is Kafka's metadata in a znode tree (KafkaZkClient's role): typed
// reads and writes of the znodes of package zkdata. Safe for concurrent
// use.
type Store struct {
	tree znode.Tree
	opts Options

	mu struct {
		sync.Mutex
		// registeredIn: sessions in which this store registered a broker
		// (KAFKA-7165: a node left by one of them is ours to replace).
		registeredIn map[int64]bool
	}
}

// New returns a store over tree.
func New(tree znode.Tree, opts Options) *Store {
	opts.EnsureDefaults()
	s := &Store{tree: tree, opts: opts}
	s.mu.registeredIn = map[int64]bool{}
	return s
}

// Tree returns the underlying tree (for watches the store does not wrap,
// and for session events).
func (s *Store) Tree() znode.Tree { return s.tree }

// lost says whether err means the request's fate is unknown (the
// connection dropped or the session expired while it was in flight).
func lost(err error) bool {
	return errors.Is(err, znode.ErrConnectionLoss) || errors.Is(err, znode.ErrSessionExpired)
}

// pause waits RetryBackoff (or until ctx ends).
func (s *Store) pause(ctx context.Context) error {
	t := time.NewTimer(s.opts.RetryBackoff)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// retry runs a write until its fate is known, as Kafka's
// retryRequestsUntilConnected does: a write lost in flight is sent again
// (so a create may then find its own znode, a conditional set its own
// version: callers handle ErrNodeExists / ErrBadVersion as they would a
// concurrent writer's).
func (s *Store) retry(ctx context.Context, f func() error) error {
	for {
		err := f()
		if !lost(err) {
			return err
		}
		if err := s.pause(ctx); err != nil {
			return err
		}
	}
}

// createRecursive creates path with data, creating missing parents with
// no data (Kafka's createRecursive). With mustBeNew false an existing
// path is fine (makeSurePersistentPathExists).
func (s *Store) createRecursive(ctx context.Context, path string, data []byte, mustBeNew bool) error {
	err := s.retry(ctx, func() error {
		_, err := s.tree.Create(ctx, path, data, znode.Persistent)
		return err
	})
	if errors.Is(err, znode.ErrNoNode) {
		if perr := s.createRecursive(ctx, parentOf(path), nil, false); perr != nil {
			return perr
		}
		err = s.retry(ctx, func() error {
			_, err := s.tree.Create(ctx, path, data, znode.Persistent)
			return err
		})
	}
	if errors.Is(err, znode.ErrNodeExists) && !mustBeNew {
		return nil
	}
	return err
}

func parentOf(path string) string {
	for i := len(path) - 1; i > 0; i-- {
		if path[i] == '/' {
			return path[:i]
		}
	}
	return "/"
}

// CreateTopLevelPaths creates the znodes a Kafka broker makes sure exist
// at start (zkdata.PersistentPaths).
func (s *Store) CreateTopLevelPaths(ctx context.Context) error {
	for _, p := range zkdata.PersistentPaths {
		if err := s.createRecursive(ctx, p, nil, false); err != nil {
			return err
		}
	}
	return nil
}

// getOpt reads a znode; ok is false if it does not exist.
func (s *Store) getOpt(ctx context.Context, path string) ([]byte, znode.Stat, bool, error) {
	d, st, err := s.tree.Get(ctx, path)
	if errors.Is(err, znode.ErrNoNode) {
		return nil, znode.Stat{}, false, nil
	}
	if err != nil {
		return nil, znode.Stat{}, false, err
	}
	return d, st, true, nil
}

// children lists a znode's children; a missing znode has none.
func (s *Store) children(ctx context.Context, path string) ([]string, error) {
	kids, _, err := s.tree.Children(ctx, path)
	if errors.Is(err, znode.ErrNoNode) {
		return nil, nil
	}
	return kids, err
}

// childrenW lists children and watches them. A missing znode has none and
// is watched for creation instead (its parent's child list, which Kafka's
// top-level znodes always have, is not needed).
func (s *Store) childrenW(ctx context.Context, path string) ([]string, <-chan znode.Event, error) {
	for {
		kids, _, ch, err := s.tree.ChildrenW(ctx, path)
		if !errors.Is(err, znode.ErrNoNode) {
			return kids, ch, err
		}
		ok, _, ch, err := s.tree.ExistsW(ctx, path)
		if err != nil || !ok {
			return nil, ch, err
		}
		// Created meanwhile: list it.
	}
}

// parallel runs f(i) for i in [0, n) on up to 32 goroutines (requests on
// one ZooKeeper session are pipelined), stopping at the first error.
func parallel(ctx context.Context, n int, f func(ctx context.Context, i int) error) error {
	const workers = 32
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	var (
		wg       sync.WaitGroup
		mu       sync.Mutex
		firstErr error
		next     int
	)
	for w := 0; w < workers && w < n; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				mu.Lock()
				i := next
				next++
				stop := firstErr != nil
				mu.Unlock()
				if stop || i >= n {
					return
				}
				if err := f(ctx, i); err != nil {
					mu.Lock()
					if firstErr == nil {
						firstErr = err
						cancel()
					}
					mu.Unlock()
					return
				}
			}
		}()
	}
	wg.Wait()
	return firstErr
}

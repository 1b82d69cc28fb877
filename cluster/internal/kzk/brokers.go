package kzk

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"strconv"
	"time"

	"sluice/cluster/internal/zkdata"
	"sluice/cluster/internal/znode"
)

// Broker is a live broker: its registration and its epoch (the czxid of
// its registration znode: a broker that re-registers, after a restart or
// a session expiry, has a larger one).
type Broker struct {
	Info  zkdata.BrokerInfo
	Epoch int64
}

// RegisterBroker creates the broker's ephemeral /brokers/ids/<id> in the
// current session and returns its epoch, as Kafka's checkedEphemeralCreate
// does: a multi of (create empty, set data at version 0), so the epoch is
// the znode's czxid and the data is never seen half-written. If the
// znode exists:
//   - owned by the current session: an earlier attempt whose answer was
//     lost did create it; that is the registration;
//   - owned by a session this store registered in before (a node that
//     outlived its expired session, ZOOKEEPER-2985 / KAFKA-7165): it is
//     deleted and created again;
//   - owned by another session: a broker with this id is alive, or was
//     until it crashed and its session has not expired yet. The store
//     waits for the znode to go, up to StaleRegistrationWait, then fails
//     with a *BrokerIDInUseError naming the owner.
//
// After a session expiry the caller registers again (a new epoch).
func (s *Store) RegisterBroker(ctx context.Context, info zkdata.BrokerInfo) (int64, error) {
	path := zkdata.BrokerPath(info.ID)
	data := zkdata.EncodeBroker(info)
	deadline := s.opts.Now().Add(s.opts.StaleRegistrationWait)
	waiting := false
	for {
		session := s.tree.SessionID()
		rs, err := s.tree.Multi(ctx,
			znode.CreateOp{Path: path, Mode: znode.Ephemeral},
			znode.SetOp{Path: path, Data: data, Version: 0})
		switch {
		case err == nil:
			s.remember(session)
			return rs[1].Stat.Czxid, nil
		case lost(err):
			if err := s.pause(ctx); err != nil {
				return 0, err
			}
			continue
		case znode.FailedOp(err) == 0 && errors.Is(err, znode.ErrNoNode):
			if err := s.createRecursive(ctx, zkdata.BrokerIDsPath, nil, false); err != nil {
				return 0, err
			}
			continue
		case !errors.Is(err, znode.ErrNodeExists):
			return 0, fmt.Errorf("kzk: register broker %d: %w", info.ID, err)
		}
		_, st, ok, err := s.getOpt(ctx, path)
		switch {
		case err != nil:
			return 0, err
		case !ok:
			continue // went away meanwhile
		case st.EphemeralOwner == s.tree.SessionID():
			s.remember(st.EphemeralOwner)
			return st.Czxid, nil
		case s.registeredBefore(st.EphemeralOwner):
			s.opts.Logger.Info("deleting this broker's registration left by its expired session",
				"path", path, "owner", fmt.Sprintf("0x%x", st.EphemeralOwner), "session", fmt.Sprintf("0x%x", s.tree.SessionID()))
			if err := s.retry(ctx, func() error { return s.tree.Delete(ctx, path, znode.AnyVersion) }); err != nil && !errors.Is(err, znode.ErrNoNode) {
				return 0, err
			}
			continue
		}
		if !s.opts.Now().Before(deadline) {
			return 0, &BrokerIDInUseError{ID: info.ID, Owner: st.EphemeralOwner, Path: path}
		}
		if !waiting {
			waiting = true
			s.opts.Logger.Info("waiting for the registration of another session to expire",
				"path", path, "owner", fmt.Sprintf("0x%x", st.EphemeralOwner), "wait", s.opts.StaleRegistrationWait)
		}
		if err := s.waitGone(ctx, path, deadline); err != nil {
			return 0, err
		}
	}
}

// waitGone waits until path is deleted, deadline passes or ctx ends.
func (s *Store) waitGone(ctx context.Context, path string, deadline time.Time) error {
	ok, _, ch, err := s.tree.ExistsW(ctx, path)
	if err != nil || !ok {
		return err
	}
	t := time.NewTimer(deadline.Sub(s.opts.Now()))
	defer t.Stop()
	select {
	case <-ch:
	case <-t.C:
	case <-ctx.Done():
		return ctx.Err()
	}
	return nil
}

func (s *Store) remember(session int64) {
	s.mu.Lock()
	s.mu.registeredIn[session] = true
	s.mu.Unlock()
}

func (s *Store) registeredBefore(session int64) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return session != 0 && s.mu.registeredIn[session]
}

// BrokerIDs returns the ids of the registered brokers, sorted. Children
// of /brokers/ids that are not broker ids are ignored.
func (s *Store) BrokerIDs(ctx context.Context) ([]int32, error) {
	kids, err := s.children(ctx, zkdata.BrokerIDsPath)
	return brokerIDs(kids), err
}

// BrokerIDsW is BrokerIDs plus a watch on the set of registrations.
func (s *Store) BrokerIDsW(ctx context.Context) ([]int32, <-chan znode.Event, error) {
	kids, ch, err := s.childrenW(ctx, zkdata.BrokerIDsPath)
	return brokerIDs(kids), ch, err
}

func brokerIDs(kids []string) []int32 {
	ids := make([]int32, 0, len(kids))
	for _, k := range kids {
		if id, err := strconv.ParseInt(k, 10, 32); err == nil && id >= 0 {
			ids = append(ids, int32(id))
		}
	}
	sort.Slice(ids, func(i, j int) bool { return ids[i] < ids[j] })
	return ids
}

// Broker reads one registration (ok false if absent).
func (s *Store) Broker(ctx context.Context, id int32) (Broker, bool, error) {
	d, st, ok, err := s.getOpt(ctx, zkdata.BrokerPath(id))
	if err != nil || !ok {
		return Broker{}, false, err
	}
	info, err := zkdata.DecodeBroker(id, d)
	if err != nil {
		return Broker{}, false, err
	}
	return Broker{Info: info, Epoch: st.Czxid}, true, nil
}

// Brokers reads every registration. A registration that vanishes while
// being read is left out; malformed ones are left out and reported in the
// error (errors.Is zkdata.ErrMalformed), the others still returned.
func (s *Store) Brokers(ctx context.Context) (map[int32]Broker, error) {
	ids, err := s.BrokerIDs(ctx)
	if err != nil {
		return nil, err
	}
	out := make(map[int32]Broker, len(ids))
	var bad []error
	for _, id := range ids {
		b, ok, err := s.Broker(ctx, id)
		switch {
		case errors.Is(err, zkdata.ErrMalformed):
			bad = append(bad, err)
		case err != nil:
			return nil, err
		case ok:
			out[id] = b
		}
	}
	return out, errors.Join(bad...)
}

// GenerateBrokerSequenceID bumps /brokers/seqid and returns its new
// version (Kafka adds reserved.broker.max.id to it for a generated
// broker.id).
func (s *Store) GenerateBrokerSequenceID(ctx context.Context) (int32, error) {
	for {
		var st znode.Stat
		err := s.retry(ctx, func() (err error) {
			st, err = s.tree.Set(ctx, zkdata.BrokerSeqIDPath, nil, znode.AnyVersion)
			return err
		})
		if errors.Is(err, znode.ErrNoNode) {
			if err := s.createRecursive(ctx, zkdata.BrokerSeqIDPath, nil, false); err != nil {
				return 0, err
			}
			continue
		}
		return st.Version, err
	}
}

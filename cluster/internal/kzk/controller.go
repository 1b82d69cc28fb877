package kzk

import (
	"context"
	"errors"

	"sluice/cluster/internal/zkdata"
	"sluice/cluster/internal/znode"
)

// Election is the outcome of TryElectController.
type Election struct {
	Won bool
	// Fence is the winner's fencing token (when Won).
	Fence Fence
	// Controller is who holds office when not Won (-1: nobody right now;
	// /controller vanished meanwhile: try again on its watch).
	Controller int32
}

// ControllerEpoch reads /controller_epoch: the epoch and the znode's
// version (ok false if absent: no controller was ever elected).
func (s *Store) ControllerEpoch(ctx context.Context) (epoch, zkVersion int32, ok bool, err error) {
	d, st, ok, err := s.getOpt(ctx, zkdata.ControllerEpochPath)
	if err != nil || !ok {
		return 0, 0, false, err
	}
	epoch, err = zkdata.DecodeControllerEpoch(d)
	if err != nil {
		return 0, 0, false, err
	}
	return epoch, st.Version, true, nil
}

// TryElectController tries to make brokerID the controller, as Kafka's
// registerControllerAndIncrementControllerEpoch: read /controller_epoch
// (create it with 0 if absent), then one multi creates the ephemeral
// /controller and sets /controller_epoch to epoch+1 at the version read.
// Someone else's /controller or a concurrent election fails the multi;
// then /controller says who won. An election whose answer was lost and
// that finds /controller to be its own (same broker, this session) with
// the epoch it wrote has won.
func (s *Store) TryElectController(ctx context.Context, brokerID int32) (Election, error) {
	epoch, version, ok, err := s.ControllerEpoch(ctx)
	if err != nil {
		return Election{}, err
	}
	if !ok {
		err := s.retry(ctx, func() error {
			_, err := s.tree.Create(ctx, zkdata.ControllerEpochPath, zkdata.EncodeControllerEpoch(0), znode.Persistent)
			return err
		})
		if err != nil && !errors.Is(err, znode.ErrNodeExists) {
			return Election{}, err
		}
		if epoch, version, ok, err = s.ControllerEpoch(ctx); err != nil {
			return Election{}, err
		} else if !ok {
			return Election{Controller: -1}, nil
		}
	}
	newEpoch := epoch + 1
	data := zkdata.EncodeController(zkdata.ControllerInfo{BrokerID: brokerID, Timestamp: s.opts.Now().UnixMilli(), KRaftControllerEpoch: -1})
	var rs []znode.Result
	err = s.retry(ctx, func() (err error) {
		rs, err = s.tree.Multi(ctx,
			znode.CreateOp{Path: zkdata.ControllerPath, Data: data, Mode: znode.Ephemeral},
			znode.SetOp{Path: zkdata.ControllerEpochPath, Data: zkdata.EncodeControllerEpoch(newEpoch), Version: version})
		return err
	})
	if err == nil {
		return Election{Won: true, Fence: Fence{Epoch: newEpoch, EpochZkVersion: rs[1].Stat.Version}}, nil
	}
	if !errors.Is(err, znode.ErrNodeExists) && !errors.Is(err, znode.ErrBadVersion) {
		return Election{}, err
	}
	d, st, ok, err := s.getOpt(ctx, zkdata.ControllerPath)
	if err != nil {
		return Election{}, err
	}
	if !ok {
		return Election{Controller: -1}, nil
	}
	c, err := zkdata.DecodeController(d)
	if err != nil {
		return Election{}, err
	}
	if c.BrokerID == brokerID && st.EphemeralOwner == s.tree.SessionID() {
		e, v, ok, err := s.ControllerEpoch(ctx)
		if err != nil {
			return Election{}, err
		}
		if ok && e == newEpoch {
			return Election{Won: true, Fence: Fence{Epoch: e, EpochZkVersion: v}}, nil
		}
	}
	return Election{Controller: c.BrokerID}, nil
}

// Controller reads /controller: the controller's broker id (ok false if
// there is none).
func (s *Store) Controller(ctx context.Context) (int32, bool, error) {
	d, _, ok, err := s.getOpt(ctx, zkdata.ControllerPath)
	if err != nil || !ok {
		return -1, false, err
	}
	c, err := zkdata.DecodeController(d)
	if err != nil {
		return -1, false, err
	}
	return c.BrokerID, true, nil
}

// ControllerW is Controller plus a watch that fires when /controller is
// created, changed or deleted.
func (s *Store) ControllerW(ctx context.Context) (int32, bool, <-chan znode.Event, error) {
	ok, _, ch, err := s.tree.ExistsW(ctx, zkdata.ControllerPath)
	if err != nil {
		return -1, false, nil, err
	}
	if !ok {
		return -1, false, ch, nil
	}
	id, ok, err := s.Controller(ctx)
	return id, ok, ch, err
}

// Resign deletes /controller if this controller still holds office
// (fenced), so that another election can take place.
func (s *Store) Resign(ctx context.Context, f Fence) error {
	_, err := s.FencedMulti(ctx, f, znode.DeleteOp{Path: zkdata.ControllerPath, Version: znode.AnyVersion})
	if errors.Is(err, znode.ErrNoNode) {
		return nil
	}
	return err
}

// SetupFeatureZNode makes /feature what a Kafka 3.9 controller in
// ZooKeeper mode makes it on taking office: enabled, version 2, with the
// finalized features found there (none when it is created).
func (s *Store) SetupFeatureZNode(ctx context.Context) error {
	d, st, ok, err := s.getOpt(ctx, zkdata.FeaturePath)
	if err != nil {
		return err
	}
	if !ok {
		err := s.retry(ctx, func() error {
			_, err := s.tree.Create(ctx, zkdata.FeaturePath,
				zkdata.EncodeFeature(zkdata.Feature{Version: 2, Status: zkdata.FeatureEnabled}), znode.Persistent)
			return err
		})
		if errors.Is(err, znode.ErrNodeExists) {
			return s.SetupFeatureZNode(ctx)
		}
		return err
	}
	f, err := zkdata.DecodeFeature(d)
	if err != nil {
		return err
	}
	want := zkdata.Feature{Version: 2, Status: zkdata.FeatureEnabled, Features: f.Features}
	if f.Status == zkdata.FeatureDisabled {
		want.Features = nil
	}
	if string(zkdata.EncodeFeature(want)) == string(d) {
		return nil
	}
	return s.retry(ctx, func() error {
		_, err := s.tree.Set(ctx, zkdata.FeaturePath, zkdata.EncodeFeature(want), st.Version)
		return err
	})
}

package kzk

import (
	"context"
	"errors"
	"fmt"
	"sort"

	"sluice/cluster/internal/zkdata"
	"sluice/cluster/internal/znode"
)

// EntityConfig reads /config/<entityType>/<name>: the overrides (none if
// the znode is absent).
func (s *Store) EntityConfig(ctx context.Context, entityType, name string) (map[string]string, error) {
	path := zkdata.ConfigEntityPath(entityType, name)
	d, _, ok, err := s.getOpt(ctx, path)
	if err != nil {
		return nil, err
	}
	if !ok {
		return map[string]string{}, nil
	}
	return zkdata.DecodeEntityConfig(path, d)
}

// EntityConfigs reads the configs of every entity of a type (e.g. every
// topic's). Malformed ones are left out and reported in the error, the
// others still returned.
func (s *Store) EntityConfigs(ctx context.Context, entityType string) (map[string]map[string]string, error) {
	names, err := s.children(ctx, zkdata.ConfigEntityTypePath(entityType))
	if err != nil {
		return nil, err
	}
	cfgs := make([]map[string]string, len(names))
	bad := make([]error, len(names))
	err = parallel(ctx, len(names), func(ctx context.Context, i int) error {
		c, err := s.EntityConfig(ctx, entityType, names[i])
		if errors.Is(err, zkdata.ErrMalformed) {
			bad[i] = err
			return nil
		}
		cfgs[i] = c
		return err
	})
	if err != nil {
		return nil, err
	}
	out := make(map[string]map[string]string, len(names))
	for i, n := range names {
		if cfgs[i] != nil {
			out[n] = cfgs[i]
		}
	}
	return out, errors.Join(bad...)
}

// SetEntityConfig replaces an entity's overrides and writes the change
// notification brokers act on, as Kafka's AdminZkClient.changeEntityConfig
// (the config znode, created if missing, then a
// /config/changes/config_change_<seq>). It returns the notification's
// sequence number.
func (s *Store) SetEntityConfig(ctx context.Context, entityType, name string, config map[string]string) (int64, error) {
	path := zkdata.ConfigEntityPath(entityType, name)
	data := zkdata.EncodeEntityConfig(config)
	err := s.retry(ctx, func() error {
		_, err := s.tree.Set(ctx, path, data, znode.AnyVersion)
		return err
	})
	if errors.Is(err, znode.ErrNoNode) {
		err = s.createRecursive(ctx, path, data, true)
		if errors.Is(err, znode.ErrNodeExists) {
			err = s.retry(ctx, func() error {
				_, err := s.tree.Set(ctx, path, data, znode.AnyVersion)
				return err
			})
		}
	}
	if err != nil {
		return 0, err
	}
	return s.createConfigChange(ctx, zkdata.ConfigChange{EntityType: entityType, EntityName: name})
}

func (s *Store) createConfigChange(ctx context.Context, c zkdata.ConfigChange) (int64, error) {
	if err := s.createRecursive(ctx, zkdata.ConfigChangesPath, nil, false); err != nil {
		return 0, err
	}
	var p string
	err := s.retry(ctx, func() (err error) {
		p, err = s.tree.Create(ctx, zkdata.ConfigChangeCreatePath, zkdata.EncodeConfigChange(c), znode.PersistentSequential)
		return err
	})
	if err != nil {
		return 0, err
	}
	return zkdata.SequenceNumber(p, zkdata.ConfigChangePrefix)
}

// TopicConfig reads a topic's overrides.
func (s *Store) TopicConfig(ctx context.Context, topic string) (map[string]string, error) {
	return s.EntityConfig(ctx, zkdata.ConfigTypeTopic, topic)
}

// SetTopicConfig replaces a topic's overrides, with a change
// notification.
func (s *Store) SetTopicConfig(ctx context.Context, topic string, config map[string]string) (int64, error) {
	return s.SetEntityConfig(ctx, zkdata.ConfigTypeTopic, topic, config)
}

// BrokerConfig reads dynamic broker overrides: name is a broker id or
// zkdata.DefaultEntity (cluster-wide).
func (s *Store) BrokerConfig(ctx context.Context, name string) (map[string]string, error) {
	return s.EntityConfig(ctx, zkdata.ConfigTypeBroker, name)
}

// SetBrokerConfig replaces dynamic broker overrides (name: a broker id or
// zkdata.DefaultEntity), with a change notification.
func (s *Store) SetBrokerConfig(ctx context.Context, name string, config map[string]string) (int64, error) {
	return s.SetEntityConfig(ctx, zkdata.ConfigTypeBroker, name, config)
}

// ConfigChange is one change notification.
type ConfigChange struct {
	Seq int64
	zkdata.ConfigChange
	Ctime int64 // ms since the epoch
}

// ConfigChanges returns the notifications with a sequence number above
// afterSeq (-1: all), in order. Malformed ones are skipped and reported in
// the error (Kafka logs and skips them too); the others still returned.
func (s *Store) ConfigChanges(ctx context.Context, afterSeq int64) ([]ConfigChange, error) {
	kids, err := s.children(ctx, zkdata.ConfigChangesPath)
	if err != nil {
		return nil, err
	}
	return s.readConfigChanges(ctx, kids, afterSeq)
}

// ConfigChangesW is ConfigChanges plus a watch on new notifications.
func (s *Store) ConfigChangesW(ctx context.Context, afterSeq int64) ([]ConfigChange, <-chan znode.Event, error) {
	kids, ch, err := s.childrenW(ctx, zkdata.ConfigChangesPath)
	if err != nil {
		return nil, nil, err
	}
	cs, err := s.readConfigChanges(ctx, kids, afterSeq)
	return cs, ch, err
}

func (s *Store) readConfigChanges(ctx context.Context, kids []string, afterSeq int64) ([]ConfigChange, error) {
	var seqs []int64
	for _, k := range kids {
		if n, err := zkdata.SequenceNumber(k, zkdata.ConfigChangePrefix); err == nil && n > afterSeq {
			seqs = append(seqs, n)
		}
	}
	sort.Slice(seqs, func(i, j int) bool { return seqs[i] < seqs[j] })
	got := make([]*ConfigChange, len(seqs))
	bad := make([]error, len(seqs))
	err := parallel(ctx, len(seqs), func(ctx context.Context, i int) error {
		path := zkdata.ConfigChangesPath + "/" + zkdata.SequenceName(zkdata.ConfigChangePrefix, seqs[i])
		d, st, ok, err := s.getOpt(ctx, path)
		if err != nil || !ok {
			return err
		}
		c, err := zkdata.DecodeConfigChange(path, d)
		if err != nil {
			bad[i] = err
			return nil
		}
		got[i] = &ConfigChange{Seq: seqs[i], ConfigChange: c, Ctime: st.Ctime}
		return nil
	})
	if err != nil {
		return nil, err
	}
	out := make([]ConfigChange, 0, len(seqs))
	for _, c := range got {
		if c != nil {
			out = append(out, *c)
		}
	}
	return out, errors.Join(bad...)
}

// DeleteConfigChanges deletes notifications (brokers purge those older
// than 15 minutes, as Kafka's ZkNodeChangeNotificationListener does).
// Absent ones are fine.
func (s *Store) DeleteConfigChanges(ctx context.Context, seqs []int64) error {
	for _, n := range seqs {
		path := zkdata.ConfigChangesPath + "/" + zkdata.SequenceName(zkdata.ConfigChangePrefix, n)
		err := s.retry(ctx, func() error { return s.tree.Delete(ctx, path, znode.AnyVersion) })
		if err != nil && !errors.Is(err, znode.ErrNoNode) {
			return fmt.Errorf("kzk: delete %s: %w", path, err)
		}
	}
	return nil
}

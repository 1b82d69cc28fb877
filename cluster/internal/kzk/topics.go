package kzk

import (
	"context"
	"errors"
	"fmt"
	"sort"

	"sluice/cluster/internal/zkdata"
	"sluice/cluster/internal/znode"
)

// Topic is a topic's assignment as read, with the version of its znode.
type Topic struct {
	Name string
	zkdata.TopicAssignment
	ZkVersion int32
}

// Topics lists the topics (children of /brokers/topics), sorted.
func (s *Store) Topics(ctx context.Context) ([]string, error) {
	return s.children(ctx, zkdata.TopicsPath)
}

// TopicsW is Topics plus a watch on the set of topics.
func (s *Store) TopicsW(ctx context.Context) ([]string, <-chan znode.Event, error) {
	return s.childrenW(ctx, zkdata.TopicsPath)
}

// TopicAssignment reads /brokers/topics/<topic> (ErrNoTopic if absent).
func (s *Store) TopicAssignment(ctx context.Context, topic string) (Topic, error) {
	d, st, ok, err := s.getOpt(ctx, zkdata.TopicPath(topic))
	if err != nil {
		return Topic{}, err
	}
	if !ok {
		return Topic{}, fmt.Errorf("%w: %s", ErrNoTopic, topic)
	}
	a, err := zkdata.DecodeTopic(topic, d)
	if err != nil {
		return Topic{}, err
	}
	return Topic{Name: topic, TopicAssignment: a, ZkVersion: st.Version}, nil
}

// TopicAssignmentW is TopicAssignment plus a watch on the topic's znode
// (fires on a change, e.g. added partitions, and on deletion).
func (s *Store) TopicAssignmentW(ctx context.Context, topic string) (Topic, <-chan znode.Event, error) {
	d, st, ch, err := s.tree.GetW(ctx, zkdata.TopicPath(topic))
	if errors.Is(err, znode.ErrNoNode) {
		return Topic{}, nil, fmt.Errorf("%w: %s", ErrNoTopic, topic)
	}
	if err != nil {
		return Topic{}, nil, err
	}
	a, err := zkdata.DecodeTopic(topic, d)
	if err != nil {
		return Topic{}, ch, err
	}
	return Topic{Name: topic, TopicAssignment: a, ZkVersion: st.Version}, ch, nil
}

// TopicAssignments reads several topics (pipelined). Absent topics are
// left out; malformed ones are left out and reported in the error
// (errors.Is zkdata.ErrMalformed), the others still returned.
func (s *Store) TopicAssignments(ctx context.Context, topics []string) (map[string]Topic, error) {
	got := make([]*Topic, len(topics))
	bad := make([]error, len(topics))
	err := parallel(ctx, len(topics), func(ctx context.Context, i int) error {
		t, err := s.TopicAssignment(ctx, topics[i])
		switch {
		case errors.Is(err, ErrNoTopic):
		case errors.Is(err, zkdata.ErrMalformed):
			bad[i] = err
		case err != nil:
			return err
		default:
			got[i] = &t
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	out := make(map[string]Topic, len(topics))
	for _, t := range got {
		if t != nil {
			out[t.Name] = *t
		}
	}
	return out, errors.Join(bad...)
}

// CreateTopic writes a new topic as Kafka's AdminZkClient does (config
// znode, then assignment znode, which the controller watches), but in one
// multi, so a topic never appears without its config nor a failed
// creation leaves a config behind. A topic marked for deletion gives an
// error that is both ErrMarkedForDeletion and ErrTopicExists; an existing
// one ErrTopicExists.
func (s *Store) CreateTopic(ctx context.Context, topic string, a zkdata.TopicAssignment, configs map[string]string) error {
	marked, err := s.IsMarkedForDeletion(ctx, topic)
	if err != nil {
		return err
	}
	if marked {
		return markedError{topic}
	}
	for _, p := range []string{zkdata.TopicsPath, zkdata.ConfigEntityTypePath(zkdata.ConfigTypeTopic)} {
		if err := s.createRecursive(ctx, p, nil, false); err != nil {
			return err
		}
	}
	cfgPath := zkdata.TopicConfigPath(topic)
	cfg := zkdata.EncodeEntityConfig(configs)
	for {
		_, st, exists, err := s.getOpt(ctx, cfgPath)
		if err != nil {
			return err
		}
		var cfgOp znode.Op = znode.CreateOp{Path: cfgPath, Data: cfg}
		if exists { // left over (or written by hand): replace it
			cfgOp = znode.SetOp{Path: cfgPath, Data: cfg, Version: st.Version}
		}
		_, err = s.tree.Multi(ctx, cfgOp, znode.CreateOp{Path: zkdata.TopicPath(topic), Data: zkdata.EncodeTopic(a)})
		switch {
		case err == nil:
			return nil
		case lost(err):
			// Applied or not: if the topic now exists, it is ours or a
			// concurrent creator's: either way it exists.
			if err := s.pause(ctx); err != nil {
				return err
			}
			continue
		case znode.FailedOp(err) == 1 && errors.Is(err, znode.ErrNodeExists):
			return fmt.Errorf("%w: %s", ErrTopicExists, topic)
		case znode.FailedOp(err) == 0 && (errors.Is(err, znode.ErrNodeExists) || exists && (errors.Is(err, znode.ErrBadVersion) || errors.Is(err, znode.ErrNoNode))):
			continue // the config znode changed meanwhile
		}
		return err
	}
}

// SetTopicAssignment replaces a topic's assignment if its znode is at
// version (znode.AnyVersion: any) and returns the new version; with a
// fence it is a controller write. ErrNoTopic if the topic is gone,
// znode.ErrBadVersion if it changed.
func (s *Store) SetTopicAssignment(ctx context.Context, topic string, a zkdata.TopicAssignment, version int32, f *Fence) (int32, error) {
	op := znode.SetOp{Path: zkdata.TopicPath(topic), Data: zkdata.EncodeTopic(a), Version: version}
	var rs []znode.Result
	var err error
	if f != nil {
		rs, err = s.FencedMulti(ctx, *f, op)
	} else {
		err = s.retry(ctx, func() (err error) {
			rs, err = s.tree.Multi(ctx, op)
			return err
		})
	}
	if errors.Is(err, znode.ErrNoNode) {
		return 0, fmt.Errorf("%w: %s", ErrNoTopic, topic)
	}
	if err != nil {
		return 0, err
	}
	return rs[0].Stat.Version, nil
}

// MarkTopicForDeletion creates /admin/delete_topics/<topic>, as Kafka's
// AdminZkClient.deleteTopic: ErrNoTopic if the topic does not exist,
// ErrMarkedForDeletion if it is already marked.
func (s *Store) MarkTopicForDeletion(ctx context.Context, topic string) error {
	ok, _, err := s.tree.Exists(ctx, zkdata.TopicPath(topic))
	if err != nil {
		return err
	}
	if !ok {
		return fmt.Errorf("%w: %s", ErrNoTopic, topic)
	}
	err = s.createRecursive(ctx, zkdata.DeleteTopicPath(topic), nil, true)
	if errors.Is(err, znode.ErrNodeExists) {
		return fmt.Errorf("%w: %s", ErrMarkedForDeletion, topic)
	}
	return err
}

// IsMarkedForDeletion says whether /admin/delete_topics/<topic> exists.
func (s *Store) IsMarkedForDeletion(ctx context.Context, topic string) (bool, error) {
	ok, _, err := s.tree.Exists(ctx, zkdata.DeleteTopicPath(topic))
	return ok, err
}

// TopicDeletions lists the topics marked for deletion.
func (s *Store) TopicDeletions(ctx context.Context) ([]string, error) {
	return s.children(ctx, zkdata.DeleteTopicsPath)
}

// TopicDeletionsW is TopicDeletions plus a watch on the marks.
func (s *Store) TopicDeletionsW(ctx context.Context) ([]string, <-chan znode.Event, error) {
	return s.childrenW(ctx, zkdata.DeleteTopicsPath)
}

// ClearDeletionMarks removes deletion marks (a controller write), e.g. of
// topics that do not exist. Absent marks are fine.
func (s *Store) ClearDeletionMarks(ctx context.Context, f Fence, topics ...string) error {
	ops := make([]znode.Op, len(topics))
	for i, t := range topics {
		ops[i] = znode.DeleteOp{Path: zkdata.DeleteTopicPath(t), Version: znode.AnyVersion}
	}
	rs, err := s.WriteFenced(ctx, f, ops)
	if err != nil {
		return err
	}
	return firstError(ops, rs, znode.ErrNoNode)
}

// CompleteTopicDeletion removes a deleted topic's znodes once its
// replicas are gone, in Kafka's order (TopicDeletionManager): the topic
// znode with its partition states, its config, its deletion mark. All are
// controller writes, in as many fenced multis as the topic's size needs.
// Znodes already gone are fine. The topic's subtree is assumed to be
// Kafka's (partitions/<p>/state); anything else found there (a znode
// added by hand) is listed and deleted too.
func (s *Store) CompleteTopicDeletion(ctx context.Context, f Fence, topic string) error {
	parts, err := s.children(ctx, zkdata.TopicPartitionsPath(topic))
	if err != nil {
		return err
	}
	var paths []string
	for _, p := range parts {
		pp := zkdata.TopicPartitionsPath(topic) + "/" + p
		paths = append(paths, pp+"/state", pp)
	}
	paths = append(paths, zkdata.TopicPartitionsPath(topic), zkdata.TopicPath(topic))
	rs, ops, err := s.deleteFenced(ctx, f, paths)
	if err != nil {
		return err
	}
	for _, r := range rs {
		if errors.Is(r.Err, znode.ErrNotEmpty) { // not Kafka's layout: list it all
			if paths, err = s.subtree(ctx, zkdata.TopicPath(topic)); err != nil {
				return err
			}
			if rs, ops, err = s.deleteFenced(ctx, f, paths); err != nil {
				return err
			}
			break
		}
	}
	if err := firstError(ops, rs, znode.ErrNoNode); err != nil {
		return err
	}
	rs, ops, err = s.deleteFenced(ctx, f, []string{zkdata.TopicConfigPath(topic), zkdata.DeleteTopicPath(topic)})
	if err != nil {
		return err
	}
	return firstError(ops, rs, znode.ErrNoNode)
}

func (s *Store) deleteFenced(ctx context.Context, f Fence, paths []string) ([]znode.Result, []znode.Op, error) {
	ops := make([]znode.Op, len(paths))
	for i, p := range paths {
		ops[i] = znode.DeleteOp{Path: p, Version: znode.AnyVersion}
	}
	rs, err := s.WriteFenced(ctx, f, ops)
	return rs, ops, err
}

// subtree lists path and everything under it, children before parents
// (the order to delete them in). Missing: nothing.
func (s *Store) subtree(ctx context.Context, path string) ([]string, error) {
	kids, err := s.children(ctx, path)
	if err != nil {
		return nil, err
	}
	ok, _, err := s.tree.Exists(ctx, path)
	if err != nil || !ok {
		return nil, err
	}
	subs := make([][]string, len(kids))
	err = parallel(ctx, len(kids), func(ctx context.Context, i int) (err error) {
		subs[i], err = s.subtree(ctx, path+"/"+kids[i])
		return err
	})
	if err != nil {
		return nil, err
	}
	var out []string
	for _, sub := range subs {
		out = append(out, sub...)
	}
	return append(out, path), nil
}

// sortedTPs returns the keys of m in topic, partition order.
func sortedTPs[V any](m map[zkdata.TopicPartition]V) []zkdata.TopicPartition {
	tps := make([]zkdata.TopicPartition, 0, len(m))
	for tp := range m {
		tps = append(tps, tp)
	}
	sort.Slice(tps, func(i, j int) bool {
		if tps[i].Topic != tps[j].Topic {
			return tps[i].Topic < tps[j].Topic
		}
		return tps[i].Partition < tps[j].Partition
	})
	return tps
}

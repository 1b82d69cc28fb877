package coordinator

// Which __consumer_offsets partitions this broker hosts, following their
// leadership as Kafka's GroupCoordinator does (onElection / onResignation,
// driven there by LeaderAndIsr):
//
//   - this broker hosts partition p at leader epoch e while its local
//     replica of p leads at epoch e (Log succeeds), or while the metadata
//     names it leader but the log cannot be read (the load then fails and
//     is retried, as a single broker always did);
//   - the loader goroutine recomputes that set at every
//     LeadershipChanged, at every kick (FindCoordinator, start), at a
//     failed load's retry time and at least every leadershipResync as a
//     safety net;
//   - a partition it starts hosting is loaded (LoadBegin ... LoadComplete);
//     one it stops hosting, or hosts again at another epoch (it was led
//     elsewhere in between), is unloaded first: its groups are forgotten,
//     waiting and pending requests answer NOT_COORDINATOR, and the
//     appends still queued for it are answered NOT_COORDINATOR without
//     being written (an append is tagged with the epoch it was issued
//     under and the appender checks it just before appending).

import (
	"context"
	"errors"
	"time"

	"sluice/cluster"
	"sluice/engine"
	"sluice/protocol/internal/group"
)

// leadershipResync bounds how long a missed
// leadership notification could go unnoticed.
const leadershipResync = 10 * time.Second

// offsetsHost is what the group coordinator's hosting code needs of the
// cluster: where __consumer_offsets is led, its logs and appends.
// *cluster.Node implements it; tests inject a fake leadership.
type offsetsHost interface {
	NodeID() int32
	Topic(name string) (cluster.TopicInfo, bool)
	Brokers() []cluster.BrokerInfo
	EnsureInternalTopic(name string) (cluster.TopicInfo, error)
	// Log succeeds only on the partition's leader (else ErrNotLeader).
	Log(tp engine.TopicPartition) (*engine.Log, cluster.PartitionInfo, error)
	AppendCoordinator(ctx context.Context, tp engine.TopicPartition, records []byte) (engine.AppendResult, error)
	// LeadershipChanged is closed at the next change of leadership (nil:
	// never).
	LeadershipChanged() <-chan struct{}
}

var _ offsetsHost = (*cluster.Node)(nil)

// hostedPartitions returns the partitions of t this broker leads, with
// their leader epochs.
func (g *Groups) hostedPartitions(t cluster.TopicInfo) map[int32]int32 {
	led := map[int32]int32{}
	self := g.host.NodeID()
	for _, pi := range t.Partitions {
		_, info, err := g.host.Log(engine.TopicPartition{Topic: offsetsTopic, Partition: pi.Partition})
		switch {
		case err == nil:
			led[pi.Partition] = info.LeaderEpoch
		case errors.Is(err, cluster.ErrNotLeader), errors.Is(err, cluster.ErrUnknownTopicOrPartition):
		case pi.Leader == self: // led here, log unreadable: the load fails and is retried
			led[pi.Partition] = pi.LeaderEpoch
		}
	}
	return led
}

// follow makes the hosted set led: partitions no longer led, or led at
// another epoch, are unloaded; newly led ones are added pending a load.
func (g *Groups) follow(led map[int32]int32) {
	l := &g.load
	var gone, epochs []int32
	l.mu.Lock()
	for p, pl := range l.mu.parts {
		if e, ok := led[p]; !ok || e != pl.epoch {
			gone = append(gone, p)
			epochs = append(epochs, pl.epoch)
			delete(l.mu.parts, p)
		}
	}
	for p, e := range led {
		if l.mu.parts[p] == nil {
			l.mu.parts[p] = &partLoad{epoch: e}
		}
	}
	l.mu.Unlock()
	for i, p := range gone {
		g.dropAppends(p)
		g.runner.Submit(group.Unload{Partition: p})
		g.log.Info("unloaded __consumer_offsets partition: no longer its leader at that epoch",
			"partition", p, "leader_epoch", epochs[i])
	}
}

// hostedEpoch is the leader epoch this broker hosts partition p at
// (ok false: it does not host p).
func (l *loader) hostedEpoch(p int32) (int32, bool) {
	l.mu.Lock()
	defer l.mu.Unlock()
	pl := l.mu.parts[p]
	if pl == nil {
		return 0, false
	}
	return pl.epoch, true
}

// coordinatorBroker is the live broker with id, if the metadata knows it.
func (g *Groups) coordinatorBroker(id int32) (cluster.BrokerInfo, bool) {
	bs := g.host.Brokers()
	for _, b := range bs {
		if b.NodeID == id {
			return b, true
		}
	}
	return cluster.BrokerInfo{}, false
}

package controller

import (
	"log/slog"
	"slices"
)

// brokerUp is a deferred start-up of a bounced broker: it runs once its
// failure has been written.
type brokerUp struct{ b Broker }

func (brokerUp) event() {}

// onElected takes office (Kafka's onControllerFailover): it loads the
// state, tells every live broker the whole metadata and the leadership of
// the partitions it hosts, then elects where needed and resumes deletions.
func (c *Controller) onElected(ev Elected) {
	c.reset()
	c.active = true
	c.epoch = ev.Epoch
	for id, b := range ev.State.Brokers {
		c.live[id] = b
	}
	for name, a := range ev.State.Topics {
		c.addTopic(a)
		_ = name
	}
	for tp, st := range ev.State.Partitions {
		if p := c.parts[tp]; p != nil {
			p.has, p.st = true, st
		}
	}
	c.logf(slog.LevelInfo, "controller", "elected controller", "epoch", c.epoch, "live_brokers", ids(sortedKeys(c.live)),
		"topics", len(c.topics), "partitions", len(c.parts))
	for _, b := range sortedKeys(c.live) {
		c.sendUpdateMetadata(b, c.allViews())
	}
	for _, b := range sortedKeys(c.live) {
		c.sendFullLeaderAndIsr(b)
	}
	c.markAllDirty()
	c.onDeletionsChanged(DeletionsChanged{Topics: ev.State.Deleting})
}

// onBrokersChanged diffs the live set: brokers gone fail, new ones start,
// and a broker registered with a larger epoch fails and then starts
// (Kafka's bounced brokers).
func (c *Controller) onBrokersChanged(ev BrokersChanged) {
	if !c.active {
		return
	}
	var dead, bounced, fresh []int32
	for _, id := range sortedKeys(c.live) {
		nb, ok := ev.Live[id]
		switch {
		case !ok:
			dead = append(dead, id)
		case nb.Epoch != c.live[id].Epoch:
			bounced = append(bounced, id)
		}
	}
	for _, id := range sortedKeys(ev.Live) {
		if _, ok := c.live[id]; !ok {
			fresh = append(fresh, id)
		}
	}
	if len(dead)+len(bounced)+len(fresh) == 0 {
		return
	}
	c.logf(slog.LevelInfo, "controller", "brokers changed", "new", ids(fresh), "dead", ids(dead), "bounced", ids(bounced))
	failed := append(slices.Clone(dead), bounced...)
	for _, id := range failed {
		delete(c.live, id)
		delete(c.shuttingDown, id)
		delete(c.offlineReplicas, id)
		for _, tp := range c.hostedOn(id) {
			c.dirty[tp] = true
		}
		c.deletionBrokerDown(id)
	}
	if len(failed) > 0 {
		for _, b := range sortedKeys(c.live) {
			c.sendUpdateMetadata(b, nil)
		}
	}
	for _, id := range bounced {
		c.deferred = append(c.deferred, brokerUp{ev.Live[id]})
	}
	for _, id := range fresh {
		c.onBrokerUp(ev.Live[id])
	}
}

// onBrokerUp brings a broker in (Kafka's onBrokerStartup): it gets the
// whole metadata and the leadership of its partitions (so its replicas
// start as followers), the others learn of it, offline partitions it can
// lead are elected, and deletions waiting for it resume.
func (c *Controller) onBrokerUp(b Broker) {
	if !c.active {
		return
	}
	c.live[b.ID] = b
	delete(c.offlineReplicas, b.ID) // a new registration: its dirs start online
	c.sendUpdateMetadata(b.ID, c.allViews())
	for _, id := range sortedKeys(c.live) {
		if id != b.ID {
			c.sendUpdateMetadata(id, nil)
		}
	}
	c.sendFullLeaderAndIsr(b.ID)
	for tp, p := range c.parts {
		if !p.has || p.st.Leader == NoLeader || !c.online(p.st.Leader) || contains(c.replicas(tp), b.ID) {
			c.dirty[tp] = true
		}
	}
	c.deletionBrokerUp(b.ID)
}

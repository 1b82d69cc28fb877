package controller

import (
	"log/slog"
	"slices"
)

// addTopic records a topic and its partitions (without states).
func (c *Controller) addTopic(a Assignment) *topic {
	t := &topic{a: a}
	c.topics[a.Topic] = t
	for p := range a.Replicas {
		tp := TP{a.Topic, int32(p)}
		if c.parts[tp] == nil {
			c.parts[tp] = &partition{}
		}
	}
	return t
}

func (c *Controller) removeTopic(name string) {
	t := c.topics[name]
	if t == nil {
		return
	}
	for p := range t.a.Replicas {
		tp := TP{name, int32(p)}
		delete(c.parts, tp)
		delete(c.dirty, tp)
	}
	delete(c.topics, name)
}

// onTopicsChanged takes new topics and changed assignments: new
// partitions get states (Kafka's onNewPartitionCreation); a changed
// unclean flag may elect offline partitions.
func (c *Controller) onTopicsChanged(ev TopicsChanged) {
	if !c.active {
		return
	}
	for _, a := range ev.Set {
		t := c.topics[a.Topic]
		if t != nil && t.a.ID != a.ID {
			// Deleted and created again while we did not watch.
			c.announceGone(t)
			c.removeTopic(a.Topic)
			t = nil
		}
		if t == nil {
			c.addTopic(a)
			c.logf(slog.LevelInfo, "controller", "new topic", "topic", a.Topic, "partitions", len(a.Replicas))
			for p := range a.Replicas {
				c.dirty[TP{a.Topic, int32(p)}] = true
			}
			continue
		}
		if len(a.Replicas) < len(t.a.Replicas) {
			c.logf(slog.LevelError, "controller", "ignoring an assignment with fewer partitions than the topic has",
				"topic", a.Topic, "partitions", len(t.a.Replicas), "assigned", len(a.Replicas))
			continue
		}
		old := len(t.a.Replicas)
		deleting := t.deleting
		t.a = a
		t.deleting = deleting
		for p := range a.Replicas {
			tp := TP{a.Topic, int32(p)}
			if c.parts[tp] == nil {
				c.parts[tp] = &partition{}
			}
			c.dirty[tp] = true
		}
		if len(a.Replicas) > old {
			c.logf(slog.LevelInfo, "controller", "partitions added", "topic", a.Topic, "from", old, "to", len(a.Replicas))
		}
	}
	for _, name := range ev.Removed {
		if t := c.topics[name]; t != nil {
			c.announceGone(t)
			c.removeTopic(name)
		}
	}
}

// announceGone tells every live broker that a topic's partitions are gone
// (leader LeaderDuringDelete), as Kafka's deletion does.
func (c *Controller) announceGone(t *topic) {
	var views []PartitionView
	for p := range t.a.Replicas {
		tp := TP{t.a.Topic, int32(p)}
		v := c.view(tp)
		v.State.Leader = LeaderDuringDelete
		views = append(views, v)
	}
	for _, b := range sortedKeys(c.live) {
		c.sendUpdateMetadata(b, views)
	}
}

// onDeletionsChanged takes the topics marked under /admin/delete_topics
// (Kafka's TopicDeletionManager): with deletion disabled, or for a topic
// that does not exist, the mark is removed; otherwise the deletion starts
// once every replica's broker is live.
func (c *Controller) onDeletionsChanged(ev DeletionsChanged) {
	if !c.active {
		return
	}
	names := slices.Clone(ev.Topics)
	slices.Sort(names)
	for _, name := range names {
		t := c.topics[name]
		switch {
		case t == nil || !c.opts.DeleteTopicEnable:
			why := "topic does not exist"
			if t != nil {
				why = "delete.topic.enable is false"
			}
			c.logf(slog.LevelInfo, "controller", "removing deletion mark", "topic", name, "reason", why)
			c.extra = append(c.extra, intent{op: Op{Kind: RemoveDeletionMark, Topic: name}})
		case !t.deleting:
			t.deleting = true
			c.logf(slog.LevelInfo, "controller", "topic marked for deletion", "topic", name)
			c.startDeletion(t)
		}
	}
}

// startDeletion announces the topic gone and asks every replica's broker to
// stop and delete it. A replica on a dead broker makes the deletion wait.
func (c *Controller) startDeletion(t *topic) {
	if t.delAwait != nil {
		return
	}
	await := map[int32]map[TP]bool{}
	for p, rs := range t.a.Replicas {
		for _, r := range rs {
			if await[r] == nil {
				await[r] = map[TP]bool{}
			}
			await[r][TP{t.a.Topic, int32(p)}] = true
		}
	}
	var down []int32
	for _, b := range sortedKeys(await) {
		if !c.isLive(b) {
			down = append(down, b)
		}
	}
	if len(down) > 0 {
		c.logf(slog.LevelWarn, "controller", "topic deletion waits for brokers hosting replicas", "topic", t.a.Topic,
			"brokers", ids(down))
		return
	}
	t.delAwait = await
	c.announceGone(t)
	for _, b := range sortedKeys(await) {
		var sp []StopPartition
		for _, tp := range sortedTPs(await[b]) {
			sp = append(sp, StopPartition{TP: tp, LeaderEpoch: EpochDuringDelete, Delete: true})
		}
		c.emit(Send{Broker: b, Req: &StopReplicaRequest{ControllerEpoch: c.epoch, BrokerEpoch: c.live[b].Epoch, Partitions: sp}})
	}
	if len(await) == 0 {
		c.extra = append(c.extra, intent{op: Op{Kind: DeleteTopic, Topic: t.a.Topic}})
	}
}

func (c *Controller) onStopReplicaResult(ev StopReplicaResult) {
	if !c.active {
		return
	}
	for _, name := range sortedTopicNames(c.topics) {
		t := c.topics[name]
		if t.delAwait == nil || t.delAwait[ev.Broker] == nil {
			continue
		}
		if ev.Failed {
			c.logf(slog.LevelWarn, "controller", "topic deletion stalled: broker did not answer StopReplica", "topic", name,
				"broker", ev.Broker)
			t.delAwait = nil // started again when the broker comes back
			continue
		}
		for tp, code := range ev.Errors {
			if !t.delAwait[ev.Broker][tp] {
				continue
			}
			if code != errNone {
				c.logf(slog.LevelWarn, "controller", "replica deletion failed; retried when the broker restarts",
					"partition", tp.String(), "broker", ev.Broker, "error_code", code)
				continue
			}
			delete(t.delAwait[ev.Broker], tp)
		}
		if len(t.delAwait[ev.Broker]) == 0 {
			delete(t.delAwait, ev.Broker)
		}
		if len(t.delAwait) == 0 {
			c.extra = append(c.extra, intent{op: Op{Kind: DeleteTopic, Topic: name}})
		}
	}
}

func (c *Controller) deletionBrokerDown(b int32) {
	for _, t := range c.topics {
		if t.delAwait != nil && t.delAwait[b] != nil {
			c.logf(slog.LevelWarn, "controller", "topic deletion waits for a broker that stopped", "topic", t.a.Topic, "broker", b)
			t.delAwait = nil
		}
	}
}

func (c *Controller) deletionBrokerUp(int32) {
	for _, name := range sortedTopicNames(c.topics) {
		if t := c.topics[name]; t.deleting && t.delAwait == nil {
			c.startDeletion(t)
		}
	}
}

func (c *Controller) completeDeletion(name string) {
	if c.topics[name] == nil {
		return
	}
	c.removeTopic(name)
	c.logf(slog.LevelInfo, "controller", "deleted topic", "topic", name)
}

func sortedTopicNames(m map[string]*topic) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}

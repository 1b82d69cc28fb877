package handlers

// ConsumerGroupHeartbeat v0-1 (key 68), the KIP-848 consumer group
// protocol with the server-side "uniform" and "range" assignors. Routed to
// the group coordinator by the Groups adapter (groups.go); before each
// request the coordinator is given the current topics (TopicsChanged) if
// they changed since it last saw them, so its assignors see topics created,
// deleted or grown meanwhile.
//
// Differences from Kafka 3.9: served by default (Kafka 3.9 needs
// group.coordinator.rebalance.protocols to include "consumer"; Kafka 4.0
// serves it by default, and franz-go uses KIP-848 only when v1 is
// advertised). SubscribedTopicRegex is matched against every topic,
// internal ones included, as Kafka 4 does, on the Groups' resolver
// goroutine (groups_regex.go); the TopicsChanged before each request is
// what makes a topic created or deleted since the last heartbeat count (see
// protocol/internal/group/regex.go).

import (
	"slices"

	"sluice/protocol/internal/group"
)

func handleConsumerGroupHeartbeat(env *Env, c *Call) Reply {
	env.Groups.syncTopics()
	return env.Groups.route(c)
}

// syncTopics submits TopicsChanged when the node's topics (names, ids,
// partition counts) differ from what the coordinator last got. The check
// and the Submit happen under topicsMu, so a stale list is never submitted
// after a newer one.
func (g *Groups) syncTopics() {
	g.topicsMu.Lock()
	defer g.topicsMu.Unlock()
	ts := g.node.Topics()
	cur := make([]group.TopicInfo, 0, len(ts))
	for _, t := range ts {
		cur = append(cur, group.TopicInfo{Name: t.Name, ID: t.ID, Partitions: int32(len(t.Partitions))})
	}
	if g.topicsSent && slices.Equal(cur, g.lastTopics) {
		return
	}
	if g.runner.Submit(group.TopicsChanged{Topics: cur}) {
		g.lastTopics, g.topicsSent = cur, true
	}
}

package coordinator

// The topics the group coordinator knows (group.TopicsChanged): KIP-848
// assignors and regexes, and the load of KIP-848 groups, compare the
// groups' subscriptions with them. They are given before every load and,
// through SyncTopics, before every KIP-848 request (ConsumerGroupHeartbeat,
// ConsumerGroupDescribe), so a topic created, deleted or grown since the
// last request counts.

import (
	"slices"

	"sluice/protocol/internal/group"
)

// SyncTopics submits TopicsChanged when the node's topics (names, ids,
// partition counts) differ from what the coordinator last got. The check
// and the Submit happen under topicsMu, so a stale list is never submitted
// after a newer one.
func (g *Groups) SyncTopics() {
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

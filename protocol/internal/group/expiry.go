package group

import "slices"

// Offset retention (offsets.retention.minutes, Kafka 3.x semantics) and the
// removal of deleted topics' offsets.

// expireOffsets removes expired offsets of every active partition's groups:
//   - a group with a protocol type that is Empty: retention counts from
//     when it became Empty (from the commit when that time is unknown);
//   - a Stable "consumer" group: offsets of topics no member subscribes to,
//     retention counting from the commit;
//   - a group without protocol type (offsets only): from the commit.
//
// An explicit expire timestamp (OffsetCommit v2-v4 retention) wins. A group
// left Empty without offsets becomes Dead and is tombstoned.
func (c *Coordinator) expireOffsets() {
	ids := make([]string, 0, len(c.groups))
	for id, g := range c.groups {
		if c.partitions[g.partition] == partActive && g.state != Dead {
			ids = append(ids, id)
		}
	}
	slices.Sort(ids)
	nowMs := c.now.UnixMilli()
	retention := c.opts.OffsetsRetention.Milliseconds()
	for _, id := range ids {
		g := c.groups[id]
		var base func(o offset) int64
		var subscribed map[string]bool
		switch {
		case g.consumer != nil && len(g.consumer.members) > 0:
			subscribed = g.consumer.subscribedTopics()
			base = func(o offset) int64 { return o.CommitTimestamp }
		case g.protocolType != "" && g.state == Empty:
			base = func(o offset) int64 {
				if g.stateSince.IsZero() {
					return o.CommitTimestamp
				}
				return g.stateSince.UnixMilli()
			}
		case g.protocolType == "consumer" && g.state == Stable:
			topics, ok := g.subscribedTopics()
			if !ok {
				continue
			}
			subscribed = topics
			base = func(o offset) int64 { return o.CommitTimestamp }
		case g.protocolType == "":
			base = func(o offset) int64 { return o.CommitTimestamp }
		default:
			continue
		}
		var expired []tp
		for k, o := range g.offsets {
			if subscribed[k.topic] || g.pendingOffsets[k] > 0 {
				continue
			}
			if (o.ExpireTimestamp >= 0 && nowMs >= o.ExpireTimestamp) ||
				(o.ExpireTimestamp < 0 && nowMs-base(o) >= retention) {
				expired = append(expired, k)
			}
		}
		slices.SortFunc(expired, compareTP)
		var recs []Record
		for _, k := range expired {
			delete(g.offsets, k)
			recs = append(recs, Record{Key: EncodeOffsetKey(OffsetKey{g.id, k.topic, k.partition})})
		}
		c.stats.ExpiredOffsets += int64(len(expired))
		if g.state == Empty && len(g.offsets) == 0 && len(g.pendingOffsets) == 0 && len(g.pending) == 0 &&
			(g.consumer == nil || len(g.consumer.members) == 0) {
			g.transition(Dead, c.now)
			delete(c.groups, g.id)
			if g.consumer != nil {
				recs = append(recs, cgTombstones(g.id)...)
			} else {
				recs = append(recs, Record{Key: EncodeGroupKey(g.id)})
			}
		}
		if len(recs) > 0 {
			c.append(g.partition, recs, func(int16) {})
		}
	}
}

func (c *Coordinator) topicsDeleted(topics []string) {
	gone := map[string]bool{}
	for _, t := range topics {
		gone[t] = true
	}
	ids := make([]string, 0, len(c.groups))
	for id, g := range c.groups {
		if c.partitions[g.partition] == partActive {
			ids = append(ids, id)
		}
	}
	slices.Sort(ids)
	for _, id := range ids {
		g := c.groups[id]
		var keys []tp
		for k := range g.offsets {
			if gone[k.topic] {
				keys = append(keys, k)
			}
		}
		if len(keys) == 0 {
			continue
		}
		slices.SortFunc(keys, compareTP)
		recs := make([]Record, 0, len(keys))
		for _, k := range keys {
			delete(g.offsets, k)
			recs = append(recs, Record{Key: EncodeOffsetKey(OffsetKey{g.id, k.topic, k.partition})})
		}
		c.append(g.partition, recs, func(int16) {})
	}
}

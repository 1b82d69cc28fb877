package handlers

// OffsetCommit v0-9 (key 8): committed offsets, stored in __consumer_offsets by the group
// coordinator (protocol/internal/group); answered once the commit is durable.
// Difference from Kafka: partitions of unknown topics are not refused here.
// Routed to the group coordinator by the Groups adapter (groups.go).

func handleOffsetCommit(env *Env, c *Call) Reply { return env.Groups.route(c) }

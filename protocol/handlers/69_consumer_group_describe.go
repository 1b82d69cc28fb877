package handlers

// ConsumerGroupDescribe v0-1 (key 69): KIP-848 consumer groups (members,
// epochs, target and current assignments, with topic names). Routed to the
// group coordinator by route (groups.go) after the same topic
// sync as ConsumerGroupHeartbeat, so assignments name current topics.
// Groups of the classic protocol are answered GROUP_ID_NOT_FOUND, as
// Kafka does.

func handleConsumerGroupDescribe(env *Env, c *Call) Reply {
	env.Groups.SyncTopics()
	return route(env, c)
}

package handlers

// ConsumerGroupHeartbeat v0-1 (key 68), the KIP-848 consumer group
// protocol with the server-side "uniform" and "range" assignors. Routed to
// the group coordinator by route (groups.go); before each request the
// coordinator is given the current topics (Groups.SyncTopics) if they
// changed since it last saw them, so its assignors see topics created,
// deleted or grown meanwhile.
//
// Differences from Kafka 3.9: served by default (Kafka 3.9 needs
// group.coordinator.rebalance.protocols to include "consumer"; Kafka 4.0
// serves it by default, and franz-go uses KIP-848 only when v1 is
// advertised). SubscribedTopicRegex is matched against every topic,
// internal ones included, as Kafka 4 does, on the Groups' resolver
// goroutine (protocol/coordinator/groups_regex.go); the TopicsChanged
// before each request is what makes a topic created or deleted since the
// last heartbeat count (see protocol/internal/group/regex.go).

func handleConsumerGroupHeartbeat(env *Env, c *Call) Reply {
	env.Groups.SyncTopics()
	return route(env, c)
}

package handlers

// SyncGroup v0-5 (key 14): the leader's assignment, answered to every member
// once the group state is durable in __consumer_offsets.
// Routed to the group coordinator by route (groups.go).

func handleSyncGroup(env *Env, c *Call) Reply { return route(env, c) }

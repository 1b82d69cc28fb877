package handlers

// Heartbeat v0-4 (key 12), classic groups.
// Routed to the group coordinator by route (groups.go).

func handleHeartbeat(env *Env, c *Call) Reply { return route(env, c) }

package handlers

// OffsetDelete v0 (key 47): refused for topics a non-empty group subscribes to.
// Routed to the group coordinator by route (groups.go).

func handleOffsetDelete(env *Env, c *Call) Reply { return route(env, c) }

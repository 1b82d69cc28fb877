package handlers

// OffsetDelete v0 (key 47): refused for topics a non-empty group subscribes to.
// Routed to the group coordinator by the Groups adapter (groups.go).

func handleOffsetDelete(env *Env, c *Call) Reply { return env.Groups.route(c) }

package handlers

// LeaveGroup v0-5 (key 13), classic groups (batch leave v3+).
// Routed to the group coordinator by the Groups adapter (groups.go).

func handleLeaveGroup(env *Env, c *Call) Reply { return env.Groups.route(c) }

package handlers

// LeaveGroup v0-5 (key 13), classic groups (batch leave v3+).
// Routed to the group coordinator by route (groups.go).

func handleLeaveGroup(env *Env, c *Call) Reply { return route(env, c) }

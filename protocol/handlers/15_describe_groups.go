package handlers

// DescribeGroups v0-5 (key 15).
// Routed to the group coordinator by route (groups.go).

func handleDescribeGroups(env *Env, c *Call) Reply { return route(env, c) }

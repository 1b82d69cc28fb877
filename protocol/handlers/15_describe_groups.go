package handlers

// DescribeGroups v0-5 (key 15).
// Routed to the group coordinator by the Groups adapter (groups.go).

func handleDescribeGroups(env *Env, c *Call) Reply { return env.Groups.route(c) }

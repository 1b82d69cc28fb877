package handlers

// ListGroups v0-5 (key 16), with the v4 states filter and v5 types filter.
// Routed to the group coordinator by route (groups.go).

func handleListGroups(env *Env, c *Call) Reply { return route(env, c) }

package handlers

// DeleteGroups v0-2 (key 42): empty groups only (NON_EMPTY_GROUP otherwise).
// Routed to the group coordinator by route (groups.go).

func handleDeleteGroups(env *Env, c *Call) Reply { return route(env, c) }

package handlers

// JoinGroup v0-9 (key 11): classic group membership; the request stays
// parked (no worker held) until the join phase ends.
// Routed to the group coordinator by route (groups.go).

func handleJoinGroup(env *Env, c *Call) Reply { return route(env, c) }

package handlers

// OffsetFetch v0-9 (key 9): committed offsets from the group coordinator
// (require_stable answers UNSTABLE_OFFSET_COMMIT while a commit is pending).
// Routed to the group coordinator by route (groups.go).

func handleOffsetFetch(env *Env, c *Call) Reply { return route(env, c) }

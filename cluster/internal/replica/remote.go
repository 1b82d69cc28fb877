package replica

import "time"

// remote is the leader's view of one follower (Kafka's Replica and
// ReplicaState).
type remote struct {
	// leo is the follower's log end offset: the fetch offset of its last
	// fetch whose position was validated; -1 unknown (new leader).
	leo int64
	// logStart is the follower's log start offset from its last fetch.
	logStart int64
	// lastFetchLeaderLEO is the leader's LEO when the last fetch arrived.
	lastFetchLeaderLEO int64
	// lastFetchTime is when the last fetch arrived.
	lastFetchTime time.Time
	// lastCaughtUp is the largest time t such that the follower's latest
	// fetch offset >= the leader's LEO at t.
	lastCaughtUp time.Time
}

func newRemote() *remote { return &remote{leo: -1, logStart: -1, lastFetchLeaderLEO: -1} }

// updateFetchState records a fetch at fetchOffset arriving at now while
// the leader's LEO is leaderLEO (Kafka's Replica.updateFetchStateOrThrow):
// the follower is caught up as of now if it fetched from the leader's LEO,
// or as of its previous fetch if it fetched from at least the LEO the
// leader had then. So a follower whose fetches always trail a busy leader
// by a little still counts as caught up.
func (r *remote) updateFetchState(fetchOffset, logStart int64, now time.Time, leaderLEO int64) {
	switch {
	case fetchOffset >= leaderLEO:
		r.lastCaughtUp = laterOf(r.lastCaughtUp, now)
	case fetchOffset >= r.lastFetchLeaderLEO:
		r.lastCaughtUp = laterOf(r.lastCaughtUp, r.lastFetchTime)
	}
	r.leo = fetchOffset
	r.logStart = logStart
	r.lastFetchLeaderLEO = max(leaderLEO, r.lastFetchLeaderLEO)
	r.lastFetchTime = now
}

// reset reinitialises the state when this broker starts a new leader epoch
// (Kafka's Replica.resetReplicaState): ISR members count as caught up now,
// others not at all; a new leader forgets what it knew of positions.
func (r *remote) reset(now time.Time, leaderLEO int64, newLeader, inISR bool) {
	var t time.Time
	if inISR {
		t = now
	}
	r.lastCaughtUp = t
	if newLeader {
		*r = remote{leo: -1, logStart: -1, lastFetchLeaderLEO: -1, lastCaughtUp: t}
		return
	}
	r.lastFetchLeaderLEO = leaderLEO
	r.lastFetchTime = t
}

// isCaughtUp: the follower's LEO equals the leader's, or it caught up
// within lag (Kafka's ReplicaState.isCaughtUp).
func (r *remote) isCaughtUp(leaderLEO int64, now time.Time, lag time.Duration) bool {
	return r.leo == leaderLEO || now.Sub(r.lastCaughtUp) <= lag
}

func laterOf(a, b time.Time) time.Time {
	if b.After(a) {
		return b
	}
	return a
}

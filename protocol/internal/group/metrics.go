package group

// Metrics is a snapshot for observability, after Kafka's group coordinator
// metrics (NumGroups, NumGroupsStable..., NumOffsets).
type Metrics struct {
	Groups         int            // live groups of loaded partitions
	GroupsByState  map[string]int // classic states and KIP-848 states by name
	ConsumerGroups int            // KIP-848 groups among Groups
	Members        int
	Offsets        int // committed offsets held
	Partitions     int // __consumer_offsets partitions led (loaded or loading)
	Loading        int // of which still loading
	PendingAppends int
	Stats
}

// Metrics counts the coordinator's current state; O(groups).
func (c *Coordinator) Metrics() Metrics {
	m := Metrics{GroupsByState: map[string]int{}, Stats: c.stats, PendingAppends: len(c.appends)}
	for _, st := range c.partitions {
		m.Partitions++
		if st == partLoading {
			m.Loading++
		}
	}
	for _, g := range c.groups {
		if g.state == Dead || c.partitions[g.partition] != partActive {
			continue
		}
		m.Groups++
		m.GroupsByState[g.stateName()]++
		m.Offsets += len(g.offsets)
		m.Members += len(g.members)
		if g.consumer != nil {
			m.ConsumerGroups++
			m.Members += len(g.consumer.members)
		}
	}
	return m
}

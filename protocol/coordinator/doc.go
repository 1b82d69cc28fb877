// Package coordinator hosts Sluice's coordinators on a broker: it runs
// their pure state machines (protocol/internal/group for consumer groups)
// and carries out what they ask for — appends to their internal topic,
// loading that topic's partitions this broker leads, following their
// leadership — so that the request handlers (protocol/handlers) only
// submit requests and wait for the answers.
//
// Groups hosts the group coordinator (groups.go):
//
//	g, err := coordinator.StartGroups(node, logger)
//	w, ok := g.Submit(clientID, remoteAddr, req) // JoinGroup, OffsetCommit, ...
//	<-w.Done(); resp, _ := w.Answer()
//	b, kerr := g.CoordinatorFor(keyType, key)    // FindCoordinator, never waits
//	g.SyncTopics()                               // before KIP-848 requests
//	g.TopicsDeleted(names)                       // DeleteTopics
//	g.LoadStatus()                               // metrics
//	g.Close()
//
// Locks: Groups.mu (waiting requests, the append queue), the loader's
// load.mu and the resolver's resolve.mu are leaves, never held while
// calling into cluster, engine or the runner. topicsMu is held across
// Node.Topics (a lock-free snapshot read) and the runner's Submit (which
// never blocks), so topic lists reach the coordinator in order.
package coordinator

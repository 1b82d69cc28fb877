package replica_test

import (
	"sluice/cluster/internal/replica"
	"sluice/engine"
)

// The engine's log is what the replica manager will hand the machine.
var _ replica.Log = (*engine.Log)(nil)

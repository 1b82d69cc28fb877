package handlers

import (
	"sluice/cluster"
	"sluice/engine"
)

// Deps are the broker pieces handlers call into.
type Deps struct {
	Engine *engine.Engine
	Node   *cluster.Node
	// Groups is the group coordinator adapter; nil serves no group APIs.
	Groups *Groups
}

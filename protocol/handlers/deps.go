package handlers

import (
	"sluice/cluster"
	"sluice/engine"
	"sluice/protocol/coordinator"
)

// Deps are the broker pieces handlers call into.
type Deps struct {
	Engine *engine.Engine
	Node   *cluster.Node
	// Groups hosts the group coordinator; nil serves no group APIs.
	Groups *coordinator.Groups
}

package handlers

import (
	"sluice/cluster"
	"sluice/engine"
)

// Deps are the broker pieces handlers call into.
type Deps struct {
	Engine *engine.Engine
	Node   *cluster.Node
}

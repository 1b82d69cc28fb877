package cluster

import (
	"log/slog"

	"sluice/cluster/internal/kzk"
)

// Placeholder until h/zkstore lands.
func newZKControllerStore(s *kzk.Store, unclean func() bool, logger *slog.Logger) controllerStore {
	panic("not yet")
}

package cluster

import (
	"os"
	"testing"

	"sluice/cluster/zktest"
)

// TestMain stops the shared ZooKeeper server (zktest) after the tests.
func TestMain(m *testing.M) { os.Exit(zktest.RunMain(m)) }

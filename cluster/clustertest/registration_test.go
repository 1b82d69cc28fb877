package clustertest

import (
	"path/filepath"
	"strings"
	"testing"
	"time"

	"sluice/cluster/zktest"
)

// refused starts b, which must end by itself with exit status 2 and
// exactly one "sluice: " error line containing want; it returns that line.
func refused(t *testing.T, b *Broker, want string) string {
	t.Helper()
	err := b.Start() // an error when it exits before listening
	if !b.wait(30 * time.Second) {
		b.Kill()
		t.Fatalf("broker %d still running 30s after start (start error %v):\n%s", b.ID, err, tail(b.Output(), 4000))
	}
	if code := b.ExitCode(); code != 2 {
		t.Fatalf("broker %d exit status %d, want 2:\n%s", b.ID, code, tail(b.Output(), 4000))
	}
	var lines []string
	for _, l := range strings.Split(b.Output(), "\n") {
		if strings.HasPrefix(l, "sluice: ") {
			lines = append(lines, l)
		}
	}
	if len(lines) != 1 || !strings.Contains(lines[0], want) {
		t.Fatalf("broker %d: error lines %q, want one containing %q; output:\n%s", b.ID, lines, want, tail(b.Output(), 4000))
	}
	return lines[0]
}

// TestBrokerIDTakenAndForeignLogDirs: a second broker started with the id
// of a live member exits with status 2 and names the id, leaving the
// member registered; a broker whose log dirs carry another cluster's
// cluster.id in meta.properties is refused at start with status 2.
func TestBrokerIDTakenAndForeignLogDirs(t *testing.T) {
	c := startCluster(t, 3, nil)
	bin := binary(t)

	dup := NewBroker(bin, 1, filepath.Join(t.TempDir(), "dup-1"), c.broker(1).Props)
	line := refused(t, dup, "broker.id 1 is in use")
	t.Logf("taken id: %s", line)
	// The live broker 1 keeps its registration and the cluster its size.
	if !c.broker(1).Running() {
		t.Fatal("broker 1 died")
	}
	c.waitBrokers(3, 10*time.Second)

	// A log dir formatted by another cluster (another chroot, so another
	// /cluster/id), then pointed at this one.
	dir := filepath.Join(t.TempDir(), "foreign-3")
	props := map[string]string{}
	for k, v := range c.broker(0).Props {
		props[k] = v
	}
	props["zookeeper.connect"] = zktest.Shared(t).ConnectString(t)
	foreign := NewBroker(bin, 3, dir, props)
	if err := foreign.Start(); err != nil {
		t.Fatal(err)
	}
	waitFor(t, 20*time.Second, "meta.properties with a cluster.id", func() bool {
		return strings.Contains(readFile(filepath.Join(dir, "meta.properties")), "cluster.id=")
	})
	foreign.Kill()
	foreign.Props["zookeeper.connect"] = c.Connect
	line = refused(t, foreign, "doesn't match stored clusterId")
	t.Logf("foreign log dir: %s", line)
	c.waitBrokers(3, 10*time.Second)
}

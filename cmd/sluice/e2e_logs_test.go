package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestE2EBrokerLogFiles starts a second broker with JSON logs split into
// per-component files and checks what lands where.
func TestE2EBrokerLogFiles(t *testing.T) {
	needBinary(t)
	dir := t.TempDir()
	logs := filepath.Join(dir, "logs")
	bp, err := startBroker(filepath.Join(dir, "data"),
		"sluice.log.format=json", "sluice.log.files.dir="+logs, "sluice.metrics.listener=")
	if err != nil {
		t.Fatal(err)
	}
	bp.stop()
	for _, name := range []string{"server.log", "state-change.log", "controller.log", "request.log"} {
		if _, err := os.Stat(filepath.Join(logs, name)); err != nil {
			t.Errorf("%s: %v", name, err)
		}
	}
	server, err := os.ReadFile(filepath.Join(logs, "server.log"))
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(string(server)), "\n")
	sawServer := false
	for _, l := range lines {
		var rec map[string]any
		if err := json.Unmarshal([]byte(l), &rec); err != nil {
			t.Fatalf("server.log line is not JSON: %q", l)
		}
		sawServer = sawServer || rec["component"] == "server"
		if c := rec["component"]; c == "state-change" || c == "controller" || c == "request" {
			t.Errorf("server.log has a %v record: %s", c, l)
		}
	}
	if !sawServer {
		t.Errorf("server.log has no component=server record:\n%s", server)
	}
	// The console gets the server records, as JSON too.
	for _, l := range strings.Split(strings.TrimSpace(bp.out.String()), "\n") {
		if l != "" && !json.Valid([]byte(l)) {
			t.Errorf("console line is not JSON: %q", l)
		}
	}
}

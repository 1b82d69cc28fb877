package cluster

import (
	"flag"
	"os"
	"path/filepath"
	"testing"
)

var update = flag.Bool("update", false, "rewrite docs/config.md from the config tables")

// TestConfigDocUpToDate checks that docs/config.md is what ConfigDoc
// renders; regenerate with `go generate ./cluster` (which runs this test
// with -update).
func TestConfigDocUpToDate(t *testing.T) {
	path := filepath.Join("..", "docs", "config.md")
	want := ConfigDoc()
	if *update {
		if err := os.WriteFile(path, []byte(want), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	got, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run `go generate ./cluster`)", err)
	}
	if string(got) != want {
		t.Fatalf("docs/config.md is out of date: run `go generate ./cluster`")
	}
}

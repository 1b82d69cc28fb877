package engine

import (
	"errors"
	"strings"
	"testing"
	"time"
)

func TestOptionsValidateReportsEveryField(t *testing.T) {
	o := Options{Dirs: []string{"/a", "/a", ""}, RetentionCheckInterval: -time.Second, CleanerBackoff: -1, NodeID: -3}
	err := o.Validate()
	if !errors.Is(err, ErrInvalidOptions) {
		t.Fatalf("%v", err)
	}
	for _, want := range []string{"twice", "empty path", "RetentionCheckInterval", "CleanerBackoff", "NodeID"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error does not mention %s: %v", want, err)
		}
	}
	if _, err := Open(Options{}); !errors.Is(err, ErrInvalidOptions) {
		t.Fatalf("Open without dirs: %v", err)
	}
	var z Options
	z.Dirs = []string{"/x"}
	z.EnsureDefaults()
	if z.FS == nil || z.Now == nil || z.Logger == nil || z.Defaults.SegmentBytes != 1<<30 || z.RetentionCheckInterval != 5*time.Minute {
		t.Fatalf("defaults: %+v", z)
	}
}

func TestMetaPropertiesBrokerIDMismatch(t *testing.T) {
	env := newEnv(t, 1)
	e, err := Open(Options{Dirs: env.dirs, NodeID: 1, ClusterID: "abc", DisableBackground: true})
	if err != nil {
		t.Fatal(err)
	}
	e.Close()
	if _, err := Open(Options{Dirs: env.dirs, NodeID: 2, DisableBackground: true}); !errors.Is(err, ErrInvalidOptions) {
		t.Fatalf("other broker.id accepted: %v", err)
	}
	if _, err := Open(Options{Dirs: env.dirs, NodeID: 1, ClusterID: "xyz", DisableBackground: true}); !errors.Is(err, ErrInvalidOptions) {
		t.Fatalf("other cluster.id accepted: %v", err)
	}
	e, err = Open(Options{Dirs: env.dirs, NodeID: 1, DisableBackground: true})
	if err != nil {
		t.Fatal(err)
	}
	e.Close()
}

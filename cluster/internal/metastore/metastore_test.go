package metastore

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"reflect"
	"testing"

	"sluice/engine/vfs"
	"sluice/engine/vfs/errorfs"
)

func sample() *State {
	return &State{
		ClusterID:          "q1Sh-9_ISia_zwGINzRvyQ",
		NodeID:             0,
		ProducerIDBlockEnd: 2000,
		Topics: []Topic{{Name: "t", ID: "AAAAAAAAAAAAAAAAAAAAAQ",
			Partitions: []Partition{{Partition: 0, Replicas: []int32{0}, Leader: 0, LeaderEpoch: 3, ISR: []int32{0}}},
			Configs:    map[string]string{"retention.ms": "1"}}},
		BrokerConfigs: map[string]map[string]string{"": {"log.retention.ms": "5"}},
	}
}

func TestSaveLoadRoundTrip(t *testing.T) {
	dir := t.TempDir()
	if _, err := Load(vfs.Default, dir); !errors.Is(err, fs.ErrNotExist) {
		t.Fatalf("missing file: %v", err)
	}
	want := sample()
	if err := Save(vfs.Default, dir, want); err != nil {
		t.Fatal(err)
	}
	got, err := Load(vfs.Default, dir)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("round trip:\n got %+v\nwant %+v", got, want)
	}
	if _, err := os.Stat(filepath.Join(dir, FileName+".tmp")); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("temporary file left behind: %v", err)
	}
	// Overwrite replaces.
	want.ProducerIDBlockEnd = 3000
	if err := Save(vfs.Default, dir, want); err != nil {
		t.Fatal(err)
	}
	if got, _ := Load(vfs.Default, dir); got.ProducerIDBlockEnd != 3000 {
		t.Fatalf("second save not visible: %d", got.ProducerIDBlockEnd)
	}
}

func TestCloneIsDeep(t *testing.T) {
	s := sample()
	c := s.Clone()
	c.Topics[0].Partitions[0].ISR[0] = 9
	c.Topics[0].Configs["retention.ms"] = "2"
	c.BrokerConfigs[""]["log.retention.ms"] = "6"
	if !reflect.DeepEqual(s, sample()) {
		t.Fatal("Clone shares memory with the original")
	}
}

func TestLoadCorrupt(t *testing.T) {
	for name, data := range map[string]string{
		"not json":        "{",
		"unknown version": `{"version": 2}`,
		"no version":      `{"cluster_id": "x"}`,
	} {
		dir := t.TempDir()
		if err := os.WriteFile(filepath.Join(dir, FileName), []byte(data), 0o644); err != nil {
			t.Fatal(err)
		}
		if _, err := Load(vfs.Default, dir); !errors.Is(err, ErrCorrupt) {
			t.Errorf("%s: %v", name, err)
		}
	}
}

// FuzzLoad: arbitrary file contents never panic; what loads saves again.
func FuzzLoad(f *testing.F) {
	f.Add([]byte(`{"version":1,"cluster_id":"x","topics":[{"name":"t","id":"y","partitions":[{"partition":0}]}]}`))
	f.Add([]byte(`{"version":1,"broker_configs":{"":{"a":"b"}}}`))
	f.Add([]byte("\x00"))
	f.Fuzz(func(t *testing.T, data []byte) {
		dir := t.TempDir()
		if err := os.WriteFile(filepath.Join(dir, FileName), data, 0o644); err != nil {
			t.Fatal(err)
		}
		s, err := Load(vfs.Default, dir)
		if err != nil {
			return
		}
		if err := Save(vfs.Default, dir, s.Clone()); err != nil {
			t.Fatal(err)
		}
	})
}

// A crash or an I/O error at any point of a Save leaves either the old or
// the new state on disk, never a torn or empty file; a Save that returned
// nil is durable.
func TestSaveCrashAtEveryStep(t *testing.T) {
	oldState, newState := sample(), sample()
	newState.ProducerIDBlockEnd = 9000
	newState.Topics = append(newState.Topics, Topic{Name: "u", ID: "AAAAAAAAAAAAAAAAAAAAAg",
		Partitions: []Partition{{Partition: 0, Replicas: []int32{0}, ISR: []int32{0}}}})
	for n := int64(1); ; n++ {
		dir := t.TempDir()
		efs := errorfs.New(vfs.Default)
		if err := Save(efs, dir, oldState.Clone()); err != nil {
			t.Fatal(err)
		}
		base := efs.Ops()
		hit := false
		efs.SetInjector(func(op errorfs.Op, path string, count int64) error {
			if count >= base+n {
				hit = true
				return errors.New("injected")
			}
			return nil
		})
		saveErr := Save(efs, dir, newState.Clone())
		if err := efs.Crash(nil, nil); err != nil {
			t.Fatal(err)
		}
		got, err := Load(vfs.Default, dir)
		if err != nil {
			t.Fatalf("fail from op %d: load after crash: %v", n, err)
		}
		switch got.ProducerIDBlockEnd {
		case oldState.ProducerIDBlockEnd:
			if saveErr == nil {
				t.Fatalf("fail from op %d: Save returned nil but the old state came back", n)
			}
		case newState.ProducerIDBlockEnd:
		default:
			t.Fatalf("fail from op %d: neither state: %+v", n, got)
		}
		if !hit {
			if saveErr != nil {
				t.Fatal(saveErr)
			}
			if n < 5 {
				t.Fatalf("Save took only %d operations: the injection never ran", n-1)
			}
			t.Logf("injected a failure at each of %d operations of Save", n-1)
			return // the whole Save ran before the injection point
		}
	}
}

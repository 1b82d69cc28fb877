package engine

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestKafkaLayout(t *testing.T) {
	env := newEnv(t, 1)
	e := env.open()
	l := mustCreate(t, e, tp0, map[string]string{"segment.bytes": "2000"})
	for i := 0; i < 10; i++ {
		mustAppend(t, l, env.batch(batchSpec{n: 5, valSize: 100}))
	}
	if err := e.Close(); err != nil {
		t.Fatal(err)
	}
	d := env.dirs[0]
	for _, f := range []string{".lock", "meta.properties", ".kafka_cleanshutdown", "recovery-point-offset-checkpoint",
		"log-start-offset-checkpoint", "replication-offset-checkpoint", "cleaner-offset-checkpoint",
		"orders-0/partition.metadata", "orders-0/leader-epoch-checkpoint",
		"orders-0/00000000000000000000.log", "orders-0/00000000000000000000.index", "orders-0/00000000000000000000.timeindex"} {
		if _, err := os.Stat(filepath.Join(d, f)); err != nil {
			t.Errorf("missing %s", f)
		}
	}
	meta, _ := os.ReadFile(filepath.Join(d, "orders-0/partition.metadata"))
	if string(meta) != "version: 0\ntopic_id: AQIDAAAAAAAAAAAAAAAAAA" {
		t.Errorf("partition.metadata = %q", meta)
	}
	hw, _ := os.ReadFile(filepath.Join(d, "replication-offset-checkpoint"))
	if string(hw) != "0\n1\norders 0 50\n" {
		t.Errorf("replication-offset-checkpoint = %q", hw)
	}
	ep, _ := os.ReadFile(filepath.Join(d, "orders-0/leader-epoch-checkpoint"))
	if string(ep) != "0\n1\n0 0\n" {
		t.Errorf("leader-epoch-checkpoint = %q", ep)
	}
	props, _ := os.ReadFile(filepath.Join(d, "meta.properties"))
	if !strings.Contains(string(props), "broker.id=0\nversion=0\n") {
		t.Errorf("meta.properties = %q", props)
	}
	ents, _ := os.ReadDir(filepath.Join(d, "orders-0"))
	logs := 0
	for _, en := range ents {
		if strings.HasSuffix(en.Name(), ".log") {
			logs++
			if len(en.Name()) != 24 {
				t.Errorf("segment name %s", en.Name())
			}
		}
	}
	if logs < 3 {
		t.Errorf("segment.bytes=2000 should have rolled, have %d segments", logs)
	}
	// A second engine on the same dir is refused by the lock.
	e1 := env.open()
	if _, err := Open(Options{Dirs: env.dirs, DisableBackground: true}); !errors.Is(err, ErrDirLocked) {
		t.Errorf("second Open: %v", err)
	}
	e1.Close()
}

func TestTopicNamesCannotEscape(t *testing.T) {
	env := newEnv(t, 1)
	e := env.open()
	defer e.Close()
	for _, name := range []string{"", ".", "..", "../x", "a/b", "a b", strings.Repeat("x", 250), "x\x00"} {
		if _, err := e.CreateLog(TopicPartition{Topic: name}, [16]byte{}, TopicConfig{}); !errors.Is(err, ErrInvalidTopic) {
			t.Errorf("CreateLog(%q): %v", name, err)
		}
	}
	if _, err := e.CreateLog(TopicPartition{Topic: "ok", Partition: -1}, [16]byte{}, TopicConfig{}); !errors.Is(err, ErrInvalidTopic) {
		t.Errorf("negative partition accepted: %v", err)
	}
	mustCreate(t, e, tp0, nil)
	if _, err := e.CreateLog(tp0, [16]byte{}, TopicConfig{}); !errors.Is(err, ErrLogExists) {
		t.Errorf("duplicate CreateLog: %v", err)
	}
}

func TestMultipleDirsFewestPartitions(t *testing.T) {
	env := newEnv(t, 3)
	e := env.open()
	perDir := map[string]int{}
	for p := int32(0); p < 9; p++ {
		l := mustCreate(t, e, TopicPartition{Topic: "t", Partition: p}, nil)
		perDir[l.Dir()]++
		mustAppend(t, l, env.batch(batchSpec{n: 1, valSize: 10}))
	}
	for _, d := range env.dirs {
		if perDir[d] != 3 {
			t.Fatalf("partitions per dir: %v", perDir)
		}
	}
	if len(e.Dirs()) != 3 || e.Dirs()[0].TotalBytes <= 0 {
		t.Fatalf("Dirs: %+v", e.Dirs())
	}
	e.Close()
	e = env.open()
	defer e.Close()
	if n := len(e.Logs()); n != 9 {
		t.Fatalf("reopened %d logs", n)
	}
	for _, l := range e.Logs() {
		if l.LogEndOffset() != 1 {
			t.Fatalf("%v leo %d", l.TopicPartition(), l.LogEndOffset())
		}
	}
	// DeleteLog renames the dir with -delete and removes it after the delay.
	l, _ := e.Log(TopicPartition{Topic: "t", Partition: 4})
	dir := l.Dir()
	if err := e.DeleteLog(l.TopicPartition()); err != nil {
		t.Fatal(err)
	}
	ents, _ := os.ReadDir(dir)
	found := false
	for _, en := range ents {
		if strings.HasPrefix(en.Name(), "t-4.") && strings.HasSuffix(en.Name(), "-delete") {
			found = true
		}
	}
	if !found {
		t.Fatal("no -delete dir")
	}
	env.clock.Advance(61e9)
	e.RunRetention()
	ents, _ = os.ReadDir(dir)
	for _, en := range ents {
		if strings.HasPrefix(en.Name(), "t-4") {
			t.Fatalf("%s still there after file.delete.delay.ms", en.Name())
		}
	}
}

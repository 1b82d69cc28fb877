package znode

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"sluice/cluster/internal/zkdata"
	"sluice/engine/vfs"
	"sluice/engine/vfs/errorfs"
)

func openFile(t *testing.T, fs vfs.FS, dir string) *FileTree {
	t.Helper()
	ft, err := OpenFile(fs, dir, FileOptions{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ft.Close() })
	return ft
}

// Persistent znodes, their data and Stat survive a reopen; ephemerals do
// not; zxids (broker epochs) keep growing; sequence numbers do not repeat.
func TestFilePersistence(t *testing.T) {
	dir := t.TempDir()
	ctx := context.Background()
	ft := openFile(t, vfs.Default, dir)
	if _, err := ft.Create(ctx, "/a", []byte("x"), Persistent); err != nil {
		t.Fatal(err)
	}
	if _, err := ft.Set(ctx, "/a", []byte("y"), 0); err != nil {
		t.Fatal(err)
	}
	seq1, err := ft.Create(ctx, "/a/s-", nil, PersistentSequential)
	if err != nil {
		t.Fatal(err)
	}
	eph, err := ft.Create(ctx, "/eph", []byte("e"), Ephemeral)
	if err != nil {
		t.Fatal(err)
	}
	_, ephStat, _ := ft.Get(ctx, eph)
	_, before, _ := ft.Get(ctx, "/a")
	ft.Close()

	ft2 := openFile(t, vfs.Default, dir)
	d, after, err := ft2.Get(ctx, "/a")
	if err != nil || string(d) != "y" {
		t.Fatalf("%q %v", d, err)
	}
	if after != before {
		t.Fatalf("stat changed across reopen:\n%+v\n%+v", before, after)
	}
	if ok, _, _ := ft2.Exists(ctx, "/eph"); ok {
		t.Fatal("an ephemeral survived a reopen")
	}
	p, err := ft2.Create(ctx, "/eph", nil, Ephemeral)
	if err != nil {
		t.Fatal(err)
	}
	_, st, _ := ft2.Get(ctx, p)
	if st.Czxid <= ephStat.Czxid || st.Czxid>>32 <= ephStat.Czxid>>32 {
		t.Fatalf("czxid %x after reopen, %x before: epochs must grow", st.Czxid, ephStat.Czxid)
	}
	seq2, err := ft2.Create(ctx, "/a/s-", nil, PersistentSequential)
	if err != nil || seq2 <= seq1 {
		t.Fatalf("sequence after reopen %q, before %q (%v)", seq2, seq1, err)
	}
}

// The file is readable: one znode per line, data as text.
func TestFileFormatReadable(t *testing.T) {
	dir := t.TempDir()
	ctx := context.Background()
	ft := openFile(t, vfs.Default, dir)
	if _, err := ft.Multi(ctx, CreateOp{Path: "/config"}, CreateOp{Path: "/config/brokers"},
		CreateOp{Path: "/config/brokers/<default>", Data: []byte(`{"version":1,"config":{}}`)},
		CreateOp{Path: "/bin", Data: []byte{0xff, 0}}); err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(filepath.Join(dir, FileName))
	if err != nil {
		t.Fatal(err)
	}
	s := string(b)
	for _, want := range []string{
		`{"version": 2, "zxid": `,
		"\n\"/config/brokers/<default>\": {\"data\":\"{\\\"version\\\":1,\\\"config\\\":{}}\",\"czxid\":",
		`"/bin": {"data_base64":"/wA=",`,
	} {
		if !strings.Contains(s, want) {
			t.Errorf("file lacks %s:\n%s", want, s)
		}
	}
	if strings.Count(s, "\n") != 7 { // header, /, /bin, /config, /config/brokers, <default>, end
		t.Errorf("not one znode per line:\n%s", s)
	}
}

// countingFS counts renames onto the metadata file.
func countRenames(efs *errorfs.FS, n *int) {
	efs.SetInjector(func(op errorfs.Op, path string, _ int64) error {
		if op == errorfs.OpRename && strings.HasSuffix(path, FileName+".tmp") {
			*n++
		}
		return nil
	})
}

// A Multi is one file write; ephemeral-only writes and reads write
// nothing.
func TestFileOneWritePerChange(t *testing.T) {
	dir := t.TempDir()
	efs := errorfs.New(vfs.Default)
	ft := openFile(t, efs, dir)
	ctx := context.Background()
	var n int
	countRenames(efs, &n)
	ops := []Op{CreateOp{Path: "/t"}}
	for i := 0; i < 50; i++ {
		ops = append(ops, CreateOp{Path: fmt.Sprintf("/t/%d", i), Data: []byte("d")})
	}
	if _, err := ft.Multi(ctx, ops...); err != nil {
		t.Fatal(err)
	}
	if n != 1 {
		t.Fatalf("a multi of 51 creates wrote the file %d times", n)
	}
	n = 0
	if _, err := ft.Create(ctx, "/t/e", nil, Ephemeral); err != nil {
		t.Fatal(err)
	}
	if _, _, err := ft.Children(ctx, "/t"); err != nil {
		t.Fatal(err)
	}
	if _, err := ft.Multi(ctx, CheckOp{Path: "/t", Version: 0}); err != nil {
		t.Fatal(err)
	}
	if n != 0 {
		t.Fatalf("ephemeral create, read and check wrote the file %d times", n)
	}
}

// A failure at any step of saving leaves the old or the new tree on disk,
// never a torn one; a write that returned nil is durable; a write that
// failed is not visible in memory and fired no watch.
func TestFileSaveFailureAtEveryStep(t *testing.T) {
	ctx := context.Background()
	for n := int64(1); ; n++ {
		dir := t.TempDir()
		efs := errorfs.New(vfs.Default)
		ft, err := OpenFile(efs, dir, FileOptions{})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := ft.Create(ctx, "/k", []byte("old"), Persistent); err != nil {
			t.Fatal(err)
		}
		_, _, wch, _ := ft.GetW(ctx, "/k")
		base := efs.Ops()
		hit := false
		efs.SetInjector(func(op errorfs.Op, path string, count int64) error {
			if count >= base+n {
				hit = true
				return errors.New("injected")
			}
			return nil
		})
		_, werr := ft.Set(ctx, "/k", []byte("new"), AnyVersion)
		efs.SetInjector(nil)
		if werr != nil {
			if !errors.Is(werr, ErrPersist) {
				t.Fatalf("fail from op %d: %v, want ErrPersist", n, werr)
			}
			if d, st, _ := ft.Get(ctx, "/k"); string(d) != "old" || st.Version != 0 {
				t.Fatalf("fail from op %d: a failed write is visible: %q %+v", n, d, st)
			}
			quiet(t, wch)
		}
		if err := efs.Crash(nil, nil); err != nil {
			t.Fatal(err)
		}
		re, err := OpenFile(vfs.Default, dir, FileOptions{})
		if err != nil {
			t.Fatalf("fail from op %d: reopen after crash: %v", n, err)
		}
		d, _, err := re.Get(ctx, "/k")
		re.Close()
		switch {
		case err != nil:
			t.Fatalf("fail from op %d: %v", n, err)
		case string(d) == "old" && werr == nil:
			t.Fatalf("fail from op %d: the write returned nil but was lost", n)
		case string(d) != "old" && string(d) != "new":
			t.Fatalf("fail from op %d: %q", n, d)
		}
		if !hit {
			if werr != nil {
				t.Fatal(werr)
			}
			if n < 5 {
				t.Fatalf("a save took %d operations: the injection never ran", n-1)
			}
			return
		}
	}
}

func TestFileCorrupt(t *testing.T) {
	for name, c := range map[string]struct{ data, want string }{
		"not json":        {`{"version": 2, "zxid"`, "unexpected end"},
		"no version":      {`{"zxid": 1}`, "no version"},
		"unknown version": {`{"version": 3}`, "unknown version 3"},
		"missing parent":  {`{"version": 2, "zxid": 5, "znodes": {"/a/b": {"czxid": 1, "mzxid": 1}}}`, `znode "/a/b": its parent /a is missing`},
		"bad path":        {`{"version": 2, "zxid": 5, "znodes": {"a": {}}}`, `znode "a"`},
		"zxid from the future": {`{"version": 2, "zxid": 5, "znodes": {"/a": {"czxid": 9, "mzxid": 9}}}`,
			"versions or zxids out of range"},
		"bad base64":   {`{"version": 2, "zxid": 5, "znodes": {"/a": {"data_base64": "!"}}}`, "data_base64"},
		"v1 bad topic": {`{"version": 1, "topics": [{"name": "a/b", "partitions": []}]}`, `illegal topic name "a/b"`},
		"v1 bad id":    {`{"version": 1, "topics": [{"name": "t", "id": "x", "partitions": []}]}`, `bad topic id "x"`},
	} {
		dir := t.TempDir()
		if err := os.WriteFile(filepath.Join(dir, FileName), []byte(c.data), 0o644); err != nil {
			t.Fatal(err)
		}
		_, err := OpenFile(vfs.Default, dir, FileOptions{})
		if !errors.Is(err, ErrCorrupt) || !strings.Contains(err.Error(), c.want) || !strings.Contains(err.Error(), FileName) {
			t.Errorf("%s: %v", name, err)
		}
	}
}

// A version-1 file (what single-node Sluice wrote before) becomes the
// znodes Kafka keeps in ZooKeeper.
func TestFileConvertsVersion1(t *testing.T) {
	dir := t.TempDir()
	// As the single-node broker wrote it before this package existed.
	v1 := []byte(`{
  "version": 1,
  "cluster_id": "q1Sh-9_ISia_zwGINzRvyQ",
  "node_id": 3,
  "producer_id_block_end": 2000,
  "topics": [
    {"name": "orders", "id": "ikAub9q6QcW9qUakngNwfQ", "configs": {"retention.ms": "1000"}, "partitions": [
      {"partition": 0, "replicas": [3], "leader": 3, "leader_epoch": 4, "isr": [3]},
      {"partition": 1, "replicas": [3], "leader": -1, "leader_epoch": 2, "isr": [3]}]},
    {"name": "plain", "id": "AAAAAAAAAAAAAAAAAAAAAg", "partitions": [{"partition": 0, "replicas": [3], "leader": 3, "leader_epoch": 0, "isr": [3]}]}
  ],
  "broker_configs": {"": {"log.retention.ms": "5"}, "3": {"log.cleaner.threads": "2"}}
}`)
	if err := os.WriteFile(filepath.Join(dir, FileName), v1, 0o644); err != nil {
		t.Fatal(err)
	}
	const clusterID = "q1Sh-9_ISia_zwGINzRvyQ"
	ft := openFile(t, vfs.Default, dir)
	ctx := context.Background()
	get := func(path string) []byte {
		t.Helper()
		d, _, err := ft.Get(ctx, path)
		if err != nil {
			t.Fatal(err)
		}
		return d
	}
	if id, err := zkdata.DecodeClusterID(get(zkdata.ClusterIDPath)); err != nil || id != clusterID {
		t.Errorf("cluster id %q %v", id, err)
	}
	a, err := zkdata.DecodeTopic("orders", get(zkdata.TopicPath("orders")))
	want := zkdata.TopicAssignment{TopicID: "ikAub9q6QcW9qUakngNwfQ", Partitions: map[int32]zkdata.ReplicaAssignment{
		0: {Replicas: []int32{3}}, 1: {Replicas: []int32{3}}}}
	if err != nil || !reflect.DeepEqual(a, want) {
		t.Errorf("assignment %+v %v", a, err)
	}
	tp := zkdata.TopicPartition{Topic: "orders", Partition: 1}
	if s, err := zkdata.DecodePartitionState(tp, get(zkdata.PartitionStatePath(tp))); err != nil ||
		!reflect.DeepEqual(s, zkdata.PartitionState{Leader: -1, LeaderEpoch: 2, ISR: []int32{3}}) {
		t.Errorf("state %+v %v", s, err)
	}
	if c, err := zkdata.DecodeEntityConfig("", get(zkdata.TopicConfigPath("orders"))); err != nil || c["retention.ms"] != "1000" {
		t.Errorf("topic config %v %v", c, err)
	}
	if c, err := zkdata.DecodeEntityConfig("", get(zkdata.TopicConfigPath("plain"))); err != nil || len(c) != 0 {
		t.Errorf("topic without overrides: %v %v", c, err)
	}
	if c, err := zkdata.DecodeEntityConfig("", get(zkdata.BrokerConfigPath(zkdata.DefaultEntity))); err != nil || c["log.retention.ms"] != "5" {
		t.Errorf("default broker config %v %v", c, err)
	}
	if c, err := zkdata.DecodeEntityConfig("", get(zkdata.BrokerConfigPath("3"))); err != nil || c["log.cleaner.threads"] != "2" {
		t.Errorf("broker 3 config %v %v", c, err)
	}
	if b, err := zkdata.DecodeProducerIDBlock(get(zkdata.ProducerIDBlockPath)); err != nil || b != (zkdata.ProducerIDBlock{Broker: 3, First: 1000, Last: 1999}) {
		t.Errorf("producer id block %+v %v", b, err)
	}
	if kids, _, err := ft.Children(ctx, zkdata.TopicPartitionsPath("orders")); err != nil || !reflect.DeepEqual(kids, []string{"0", "1"}) {
		t.Errorf("partitions %v %v", kids, err)
	}
	if kept, err := os.ReadFile(filepath.Join(dir, FileName+".v1")); err != nil || string(kept) != string(v1) {
		t.Errorf("the version-1 file was not kept: %v", err)
	}
	ft.Close()
	// Now a version-2 file, it opens as such.
	b, _ := os.ReadFile(filepath.Join(dir, FileName))
	if !strings.HasPrefix(string(b), `{"version": 2,`) {
		t.Fatalf("not rewritten as version 2: %.40s", b)
	}
	ft2 := openFile(t, vfs.Default, dir)
	if _, _, err := ft2.Get(ctx, zkdata.PartitionStatePath(tp)); err != nil {
		t.Fatal(err)
	}
}

// FuzzDecodeFile: no input panics the loader; what loads saves and loads
// back the same.
func FuzzDecodeFile(f *testing.F) {
	f.Add([]byte(`{"version": 2, "zxid": 5, "znodes": {"/": {"czxid":0,"mzxid":0,"pzxid":3,"ctime":0,"mtime":0,"version":0,"cversion":1},
"/a": {"data":"x","czxid":3,"mzxid":4,"pzxid":3,"ctime":1,"mtime":2,"version":1,"cversion":0}}}`))
	f.Add([]byte(`{"version": 2, "zxid": 1, "znodes": {"/a": {"data_base64":"AAE="}}}`))
	f.Add([]byte(`{"version": 1, "topics": [{"name": "t", "id": "AAAAAAAAAAAAAAAAAAAAAg", "partitions": [{"partition": 0, "replicas": [1], "isr": [1]}]}], "broker_configs": {"": {"a": "b"}}, "producer_id_block_end": 5}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		tr, err := decodeFile("f", data)
		if err != nil {
			if tr, err = convertV1("f", data, 1); err != nil {
				return
			}
		}
		again, err := decodeFile("f", encodeFile(tr))
		if err != nil {
			t.Fatalf("re-read: %v", err)
		}
		if len(again.nodes) != len(tr.nodes) || again.zxid != tr.zxid {
			t.Fatalf("%d nodes, zxid %d; then %d, %d", len(tr.nodes), tr.zxid, len(again.nodes), again.zxid)
		}
		for p, n := range tr.nodes {
			m := again.nodes[p]
			if m == nil || string(m.data) != string(n.data) || m.statOut() != n.statOut() {
				t.Fatalf("%s changed", p)
			}
		}
	})
}

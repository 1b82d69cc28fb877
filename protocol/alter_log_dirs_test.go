package protocol

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"testing"

	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kgo"
)

// TestAlterReplicaLogDirsKadm: a broker with two log dirs moves a
// partition with several segments to the other dir (kadm's
// AlterBrokerReplicaLogDirs); DescribeLogDirs then shows it there, every
// record reads back, and producing goes on. A dir not in log.dirs answers
// LOG_DIR_NOT_FOUND, a partition the broker does not have
// REPLICA_NOT_AVAILABLE.
func TestAlterReplicaLogDirsKadm(t *testing.T) {
	t.Parallel()
	root := t.TempDir()
	dirs := []string{filepath.Join(root, "a"), filepath.Join(root, "b")}
	b := startTestBroker(t, dirs[0]+","+dirs[1], nil)
	ctx := context.Background()
	adm := newAdmin(t, b)
	seg := "4096"
	if res, err := adm.CreateTopics(ctx, 2, 1, map[string]*string{"segment.bytes": &seg}, "mv"); err != nil || res["mv"].Err != nil {
		t.Fatalf("create: %v %+v", err, res)
	}
	prod := newKgo(t, b, kgo.DefaultProduceTopic("mv"), kgo.RecordPartitioner(kgo.ManualPartitioner()))
	const n = 300
	for i := range n {
		prod.Produce(ctx, &kgo.Record{Value: recName("mv", i)}, func(_ *kgo.Record, err error) {
			if err != nil {
				t.Error(err)
			}
		})
	}
	if err := prod.Flush(ctx); err != nil {
		t.Fatal(err)
	}
	id := b.Node().NodeID()
	where := func() string {
		t.Helper()
		ds, err := adm.DescribeBrokerLogDirs(ctx, id, kadm.TopicsSet{"mv": {0: {}}})
		if err != nil {
			t.Fatal(err)
		}
		p, ok := ds.LookupPartition("mv", 0)
		if !ok {
			t.Fatalf("mv/0 not described: %+v", ds)
		}
		return p.Dir
	}
	from := where()
	to := dirs[0]
	if from == to {
		to = dirs[1]
	}

	var req kadm.AlterReplicaLogDirsReq
	req.Add(to, kadm.TopicsSet{"mv": {0: {}, 9: {}}})
	req.Add(filepath.Join(root, "c"), kadm.TopicsSet{"mv": {1: {}}})
	res, err := adm.AlterBrokerReplicaLogDirs(ctx, id, req)
	if err != nil {
		t.Fatal(err)
	}
	for p, want := range map[int32]error{0: nil, 9: kerr.ReplicaNotAvailable, 1: kerr.LogDirNotFound} {
		if r, ok := res["mv"][p]; !ok || !errors.Is(r.Err, want) && !(want == nil && r.Err == nil) {
			t.Errorf("mv/%d: %+v, want %v", p, r, want)
		}
	}
	if got := where(); got != to {
		t.Fatalf("mv/0 in %s after moving from %s to %s", got, from, to)
	}
	for i := n; i < n+10; i++ {
		if err := prod.ProduceSync(ctx, &kgo.Record{Value: recName("mv", i)}).FirstErr(); err != nil {
			t.Fatal(err)
		}
	}
	cons := newKgo(t, b, kgo.ConsumePartitions(map[string]map[int32]kgo.Offset{"mv": {0: kgo.NewOffset().AtStart()}}))
	recs := consumeN(t, cons, n+10)
	for i, r := range recs {
		if want := fmt.Sprintf("mv-%05d", i); string(r.Value) != want || r.Offset != int64(i) {
			t.Fatalf("record %d: offset %d value %q, want %q", i, r.Offset, r.Value, want)
		}
	}
}

package protocol

import (
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kmsg"

	"sluice/cluster"
	"sluice/engine/vfs"
	"sluice/engine/vfs/errorfs"
)

// startErrorfsBroker starts a broker on dirs whose file operations go
// through an errorfs the test can make fail.
func startErrorfsBroker(t *testing.T, dirs ...string) (*testBroker, *errorfs.FS) {
	t.Helper()
	cfg, _, err := cluster.ParseBrokerConfig(map[string]string{"listeners": "PLAINTEXT://127.0.0.1:0", "log.dirs": strings.Join(dirs, ",")})
	if err != nil {
		t.Fatal(err)
	}
	efs := errorfs.New(vfs.Default)
	b, err := startTestBrokerWith(testBrokerOptions{Config: cfg, FS: efs})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { closeBroker(t, b) })
	return b, efs
}

// TestStorageErrorOfflinesOneDir: writes to one of two log dirs start
// failing (EIO). Its partition answers KAFKA_STORAGE_ERROR to produce and
// fetch; the partition in the other dir keeps working.
func TestStorageErrorOfflinesOneDir(t *testing.T) {
	dirA, dirB := t.TempDir(), t.TempDir()
	b, efs := startErrorfsBroker(t, dirA, dirB)
	createTopic(t, b, "st", 2, nil)
	inA := map[int32]bool{}
	for _, p := range []int32{0, 1} {
		l, _, err := b.Node().Log(engineTP("st", p))
		if err != nil {
			t.Fatal(err)
		}
		inA[p] = l.Dir() == dirA
	}
	if inA[0] == inA[1] {
		t.Skipf("both partitions in one dir (%v): cannot isolate", inA)
	}
	bad, good := int32(0), int32(1)
	if inA[1] {
		bad, good = 1, 0
	}
	efs.SetInjector(func(op errorfs.Op, path string, _ int64) error {
		if op == errorfs.OpWrite && strings.HasPrefix(path, dirA) {
			return syscall.EIO
		}
		return nil
	})
	c := dial(t, b)
	produce := func(p int32) int16 {
		return roundTrip(t, c, produceReq("st", p, 1, buildBatch(t, -1, -1, -1, 3)), 9).(*kmsg.ProduceResponse).Topics[0].Partitions[0].ErrorCode
	}
	if code := produce(bad); code != 56 {
		t.Fatalf("produce to the failing dir: %d, want 56 KAFKA_STORAGE_ERROR", code)
	}
	if code := produce(good); code != 0 {
		t.Fatalf("produce to the healthy dir: %d", code)
	}
	if code := produce(bad); code != 56 {
		t.Fatalf("second produce to the offline dir: %d, want 56", code)
	}
	fetch := func(p int32) int16 {
		return roundTrip(t, c, fetchReq("st", [16]byte{}, p, 0, 1<<20, 1<<20), 12).(*kmsg.FetchResponse).Topics[0].Partitions[0].ErrorCode
	}
	if code := fetch(bad); code != 56 {
		t.Errorf("fetch from the offline dir: %d, want 56", code)
	}
	if code := fetch(good); code != 0 {
		t.Errorf("fetch from the healthy dir: %d", code)
	}
}

// TestStorageErrorInEveryDirFailsTheBroker: when the only log dir fails
// the node reports that the broker has nothing left to serve (sluice
// broker then halts with status 1, as Kafka's does).
func TestStorageErrorInEveryDirFailsTheBroker(t *testing.T) {
	dir := t.TempDir()
	b, efs := startErrorfsBroker(t, dir)
	createTopic(t, b, "all", 1, nil)
	select {
	case err := <-b.Node().Failed():
		t.Fatalf("failed before any disk error: %v", err)
	default:
	}
	efs.SetInjector(func(op errorfs.Op, path string, _ int64) error {
		if op == errorfs.OpWrite && strings.HasPrefix(path, dir) {
			return syscall.EIO
		}
		return nil
	})
	c := dial(t, b)
	resp := roundTrip(t, c, produceReq("all", 0, 1, buildBatch(t, -1, -1, -1, 3)), 9).(*kmsg.ProduceResponse)
	if code := resp.Topics[0].Partitions[0].ErrorCode; code != 56 {
		t.Fatalf("produce to the failing dir: %d, want 56 KAFKA_STORAGE_ERROR", code)
	}
	select {
	case err := <-b.Node().Failed():
		if want := "all log dirs in " + dir + " have failed"; !strings.Contains(err.Error(), want) {
			t.Errorf("failure %q does not say %q", err, want)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("the node did not report that every log dir failed")
	}
}

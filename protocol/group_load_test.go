package protocol

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"runtime/debug"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kgo"
	"github.com/twmb/franz-go/pkg/kmsg"

	"sluice/cluster"
	"sluice/engine/vfs"
	"sluice/engine/vfs/errorfs"
	"sluice/protocol/internal/group"
)

// commitWhenReady commits offset for group on topic/0, retrying while the
// coordinator is being created or loaded.
func commitWhenReady(t *testing.T, adm *kadm.Client, grp, topic string, offset int64) {
	t.Helper()
	var os kadm.Offsets
	os.AddOffset(topic, 0, offset, -1)
	for deadline := time.Now().Add(groupWait); ; time.Sleep(50 * time.Millisecond) {
		r, err := adm.CommitOffsets(context.Background(), grp, os)
		if err == nil {
			err = r.Error()
		}
		if err == nil {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("commit %s: %v", grp, err)
		}
	}
}

// offsetFetchDirect asks the broker itself (no client-side retries) for
// group's committed offset of topic/0: the offset and the error code.
func offsetFetchDirect(t *testing.T, cl *kgo.Client, grp, topic string) (int64, int16) {
	t.Helper()
	r := kmsg.NewPtrOffsetFetchRequest() // v8+ (what kgo sends the broker) asks per group
	r.Groups = []kmsg.OffsetFetchRequestGroup{{Group: grp, Topics: []kmsg.OffsetFetchRequestGroupTopic{{Topic: topic, Partitions: []int32{0}}}}}
	resp, err := cl.Broker(0).Request(context.Background(), r)
	if err != nil {
		t.Fatal(err)
	}
	or := resp.(*kmsg.OffsetFetchResponse)
	if or.Version < 8 || len(or.Groups) != 1 {
		t.Fatalf("OffsetFetch answer %+v", or)
	}
	g := or.Groups[0]
	if g.ErrorCode != 0 {
		return -1, g.ErrorCode
	}
	if len(g.Topics) != 1 || len(g.Topics[0].Partitions) != 1 {
		t.Fatalf("OffsetFetch answer %+v", g)
	}
	p := g.Topics[0].Partitions[0]
	return p.Offset, p.ErrorCode
}

// TestGroupLoadFailureRetried: a __consumer_offsets partition whose load
// fails (a batch on disk whose record count is garbage) is reported at
// ERROR and in the load status, its groups answer NOT_COORDINATOR while
// the other partitions' groups are served; once the batch is repaired on
// disk, a retry loads it without a restart and the committed offset is back.
func TestGroupLoadFailureRetried(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	props := groupProps()
	b := startTestBroker(t, dir, props)
	createTopic(t, b, "t", 1, nil)
	cl := newKgo(t, b)
	adm := kadm.NewClient(cl)
	// Two groups in different __consumer_offsets partitions.
	bad, good := "lg", ""
	pBad := group.PartitionFor(bad, 5)
	for i := 0; good == ""; i++ {
		if name := fmt.Sprintf("ok%d", i); group.PartitionFor(name, 5) != pBad {
			good = name
		}
	}
	commitWhenReady(t, adm, bad, "t", 42)
	commitWhenReady(t, adm, good, "t", 7)
	cl.Close()
	closeBroker(t, b)

	// Garble the record count of the first batch of bad's partition.
	seg := filepath.Join(dir, fmt.Sprintf("__consumer_offsets-%d", pBad), "00000000000000000000.log")
	f, err := os.OpenFile(seg, os.O_RDWR, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	const countAt = 57 // recordCount in the v2 batch header
	orig := make([]byte, 4)
	if _, err := f.ReadAt(orig, countAt); err != nil {
		t.Fatal(err)
	}
	garbage := binary.BigEndian.AppendUint32(nil, 0x7fffffff)
	if _, err := f.WriteAt(garbage, countAt); err != nil {
		t.Fatal(err)
	}

	all := map[string]string{"listeners": "PLAINTEXT://127.0.0.1:0", "log.dirs": dir}
	for k, v := range props {
		all[k] = v
	}
	cfg, _, err := cluster.ParseBrokerConfig(all)
	if err != nil {
		t.Fatal(err)
	}
	var logs lockedBuffer
	b, err = startTestBrokerWith(testBrokerOptions{Config: cfg, Logger: slog.New(slog.NewTextHandler(&logs, nil))})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { closeBroker(t, b) })
	cl = newKgo(t, b)

	waitFor := func(what string, cond func() error) {
		t.Helper()
		deadline := time.Now().Add(groupWait)
		for {
			err := cond()
			if err == nil {
				return
			}
			if time.Now().After(deadline) {
				t.Fatalf("%s: %v", what, err)
			}
			time.Sleep(20 * time.Millisecond)
		}
	}
	waitFor("the good group served", func() error {
		if off, code := offsetFetchDirect(t, cl, good, "t"); code != 0 || off != 7 {
			return fmt.Errorf("offset %d, %v", off, kerr.ErrorForCode(code))
		}
		return nil
	})
	waitFor("the load failure reported", func() error {
		if s := b.GroupLoadStatus(); s.Failed != 1 {
			return fmt.Errorf("load status %+v", s)
		}
		if !strings.Contains(logs.String(), "level=ERROR msg=\"loading __consumer_offsets partition failed") ||
			!strings.Contains(logs.String(), fmt.Sprintf("partition=%d ", pBad)) {
			return errors.New("no ERROR line naming the partition")
		}
		return nil
	})
	// While failed: NOT_COORDINATOR (or LOAD_IN_PROGRESS during a retry),
	// never an answer without the committed offset.
	for range 5 {
		off, code := offsetFetchDirect(t, cl, bad, "t")
		if code != kerr.NotCoordinator.Code && code != kerr.CoordinatorLoadInProgress.Code {
			t.Fatalf("failed partition answered offset %d, %v", off, kerr.ErrorForCode(code))
		}
		time.Sleep(100 * time.Millisecond)
	}

	// Repair the batch: a retry (at most a minute of backoff away; a
	// FindCoordinator for the group asks for one sooner) loads it.
	if _, err := f.WriteAt(orig, countAt); err != nil {
		t.Fatal(err)
	}
	waitFor("the repaired partition loaded", func() error {
		fc := kmsg.NewPtrFindCoordinatorRequest()
		fc.CoordinatorKey = bad
		if _, err := cl.Broker(0).Request(context.Background(), fc); err != nil {
			return err
		}
		if off, code := offsetFetchDirect(t, cl, bad, "t"); code != 0 || off != 42 {
			return fmt.Errorf("offset %d, %v", off, kerr.ErrorForCode(code))
		}
		return nil
	})
	if s := b.GroupLoadStatus(); s.Failed != 0 || s.Loading != 0 || s.Loaded != 5 {
		t.Fatalf("load status after the repair %+v", s)
	}
	if !strings.Contains(logs.String(), "loaded __consumer_offsets partition after failures") {
		t.Fatal("no log line for the recovery")
	}
}

// TestFindCoordinatorDoesNotWaitForLoad: with the only request worker
// (num.io.threads=1) free and the load of __consumer_offsets stuck on a
// read that does not return, FindCoordinator answers at once, other
// requests are served, and the group's requests get
// COORDINATOR_LOAD_IN_PROGRESS until the read completes.
func TestFindCoordinatorDoesNotWaitForLoad(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	props := groupProps()
	props["num.io.threads"] = "1"
	b := startTestBroker(t, dir, props)
	createTopic(t, b, "t", 1, nil)
	cl := newKgo(t, b)
	commitWhenReady(t, kadm.NewClient(cl), "lg", "t", 42)
	cl.Close()
	closeBroker(t, b)

	// The group loader's reads of __consumer_offsets segments (told apart
	// from the engine's own by the call stack) wait for the gate; a minute
	// at most, so a broker that waits on the load fails the test instead of
	// hanging it.
	gate, blocked := make(chan struct{}), make(chan struct{}, 1)
	var once sync.Once
	release := func() { once.Do(func() { close(gate) }) }
	efs := errorfs.New(vfs.Default)
	efs.SetInjector(func(op errorfs.Op, path string, _ int64) error {
		if op == errorfs.OpRead && strings.Contains(path, "__consumer_offsets-") && strings.HasSuffix(path, ".log") &&
			strings.Contains(string(debug.Stack()), "(*Groups).readPartition") {
			select {
			case blocked <- struct{}{}:
			default:
			}
			select {
			case <-gate:
			case <-time.After(time.Minute):
			}
		}
		return nil
	})
	all := map[string]string{"listeners": "PLAINTEXT://127.0.0.1:0", "log.dirs": dir}
	for k, v := range props {
		all[k] = v
	}
	cfg, _, err := cluster.ParseBrokerConfig(all)
	if err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	b, err = startTestBrokerWith(testBrokerOptions{Config: cfg, FS: efs})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { closeBroker(t, b) })
	defer release()
	if time.Since(start) > 30*time.Second {
		t.Fatal("the broker's start waited for the group load")
	}
	select {
	case <-blocked:
	case <-time.After(groupWait):
		t.Fatal("the loader never read __consumer_offsets")
	}
	cl = newKgo(t, b)
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	errs := make(chan error, 8)
	for i := range 8 {
		go func() {
			fc := kmsg.NewPtrFindCoordinatorRequest()
			fc.CoordinatorKey = fmt.Sprintf("g%d", i)
			fc.CoordinatorKeys = []string{fc.CoordinatorKey}
			resp, err := cl.Broker(0).Request(ctx, fc)
			if err == nil {
				r := resp.(*kmsg.FindCoordinatorResponse)
				if code := r.Coordinators[0].ErrorCode; code != 0 {
					err = kerr.ErrorForCode(code)
				}
			}
			errs <- err
		}()
	}
	for range 8 {
		if err := <-errs; err != nil {
			t.Fatalf("FindCoordinator during a stuck load: %v", err)
		}
	}
	if _, err := cl.Broker(0).Request(ctx, kmsg.NewPtrMetadataRequest()); err != nil {
		t.Fatalf("Metadata during a stuck load: %v", err)
	}
	if s := b.GroupLoadStatus(); s.Loading == 0 {
		t.Fatalf("load status %+v while a read is stuck", s)
	}
	// lg's partition may be the stuck one or still waiting behind it.
	if off, code := offsetFetchDirect(t, cl, "lg", "t"); code != kerr.CoordinatorLoadInProgress.Code {
		t.Fatalf("OffsetFetch during the load: offset %d, %v", off, kerr.ErrorForCode(code))
	}
	release()
	for deadline := time.Now().Add(groupWait); ; time.Sleep(20 * time.Millisecond) {
		off, code := offsetFetchDirect(t, cl, "lg", "t")
		if code == 0 && off == 42 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("after the load: offset %d, %v", off, kerr.ErrorForCode(code))
		}
	}
}

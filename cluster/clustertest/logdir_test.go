package clustertest

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kadm"
	"golang.org/x/sys/unix"
)

// ext4Shutdown is EXT4_IOC_SHUTDOWN (_IOR('X', 125, __u32)); flag 2 is
// EXT4_GOING_FLAGS_NOLOGFLUSH. Afterwards every operation on the file
// system fails with EIO, as on a dead disk.
const (
	ext4Shutdown           = 0x8004587d
	ext4GoingNoLogFlush    = 2
	logDirTestImageSizeMiB = 512
)

// loopFS mounts a fresh ext4 file system on a loop device for the test
// (root, losetup and mkfs.ext4 needed: the test is skipped otherwise) and
// returns its mount point. It is unmounted at cleanup.
func loopFS(t *testing.T) string {
	t.Helper()
	if os.Geteuid() != 0 {
		t.Skip("needs root to mount a loop device")
	}
	for _, tool := range []string{"losetup", "mkfs.ext4", "mount", "umount"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Skipf("needs %s: %v", tool, err)
		}
	}
	dir := t.TempDir()
	img, mnt := filepath.Join(dir, "disk.img"), filepath.Join(dir, "mnt")
	if err := os.Mkdir(mnt, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.Truncate(img, 0); err != nil && !os.IsNotExist(err) {
		t.Fatal(err)
	}
	f, err := os.Create(img)
	if err != nil {
		t.Fatal(err)
	}
	if err := f.Truncate(logDirTestImageSizeMiB << 20); err != nil {
		t.Fatal(err)
	}
	f.Close()
	if out, err := exec.Command("mkfs.ext4", "-q", "-F", img).CombinedOutput(); err != nil {
		t.Skipf("mkfs.ext4: %v: %s", err, out)
	}
	out, err := exec.Command("losetup", "-f", "--show", img).CombinedOutput()
	if err != nil {
		t.Skipf("no loop device: %v: %s", err, out)
	}
	dev := strings.TrimSpace(string(out))
	t.Cleanup(func() { _ = exec.Command("losetup", "-d", dev).Run() })
	if out, err := exec.Command("mount", dev, mnt).CombinedOutput(); err != nil {
		t.Skipf("cannot mount %s: %v: %s", dev, err, out)
	}
	t.Cleanup(func() {
		if out, err := exec.Command("umount", mnt).CombinedOutput(); err != nil {
			t.Logf("umount %s: %v: %s", mnt, err, out)
			_ = exec.Command("umount", "-l", mnt).Run()
		}
	})
	return mnt
}

// failDisk shuts the file system at mnt down: from now on its reads and
// writes fail with EIO.
func failDisk(t *testing.T, mnt string) {
	t.Helper()
	fd, err := unix.Open(mnt, unix.O_RDONLY|unix.O_DIRECTORY, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer unix.Close(fd)
	if err := unix.IoctlSetPointerInt(fd, ext4Shutdown, ext4GoingNoLogFlush); err != nil {
		t.Fatalf("EXT4_IOC_SHUTDOWN: %v", err)
	}
}

// restartWithLogDirs restarts b on the given log dirs and waits until the
// cluster has all its brokers again.
func (c *testCluster) restartWithLogDirs(b *Broker, dirs ...string) {
	c.t.Helper()
	if !b.Stop(30 * time.Second) {
		c.t.Logf("broker %d did not stop by itself", b.ID)
	}
	b.Props["log.dirs"] = strings.Join(dirs, ",")
	if err := b.Start(); err != nil {
		c.t.Fatal(err)
	}
	c.waitBrokers(len(c.Brokers), 60*time.Second)
}

// TestLogDirFailureMovesLeadership gives broker 0 two log dirs, the
// second on a loop-mounted ext4 file system, runs the acks=all workload,
// and then makes that file system fail with EIO (EXT4_IOC_SHUTDOWN).
// Broker 0 takes the dir offline, stops its replicas there and writes a
// log dir event; the controller moves leadership of those partitions to
// the other in-sync replicas and takes broker 0 out of their ISRs, while
// its partitions in the healthy dir stay as they were. The producer
// carries on and every acknowledged record is read back.
func TestLogDirFailureMovesLeadership(t *testing.T) {
	mnt := loopFS(t)
	c := startCluster(t, 3, nil)
	b0 := c.broker(0)
	bad := filepath.Join(mnt, "broker-0")
	c.restartWithLogDirs(b0, b0.Dir, bad)

	adm := c.admin()
	ctx, cancel := context.WithTimeout(context.Background(), 4*time.Minute)
	defer cancel()
	const topic = "disk"
	if _, err := adm.CreateTopic(ctx, 12, 3, map[string]*string{"min.insync.replicas": kadm.StringPtr("2"),
		"segment.bytes": kadm.StringPtr("1048576")}, topic); err != nil {
		t.Fatal(err)
	}
	c.waitTopic(adm, topic, 3, 30*time.Second)
	// The partitions broker 0 keeps on the loop file system, once it has
	// created all 12 logs.
	partsIn := func(dir string) []int32 {
		var out []int32
		ents, _ := os.ReadDir(dir)
		for _, e := range ents {
			if p, ok := strings.CutPrefix(e.Name(), topic+"-"); ok && e.IsDir() {
				if n, err := strconv.Atoi(p); err == nil {
					out = append(out, int32(n))
				}
			}
		}
		return out
	}
	var onBad []int32
	for wait := time.Now().Add(30 * time.Second); ; time.Sleep(100 * time.Millisecond) {
		onBad = partsIn(bad)
		if len(onBad)+len(partsIn(b0.Dir)) == 12 {
			break
		}
		if time.Now().After(wait) {
			t.Fatalf("broker 0 did not create the 12 logs: %v in %s, %v in %s", onBad, bad, partsIn(b0.Dir), b0.Dir)
		}
	}
	slices.Sort(onBad)
	if len(onBad) == 0 || len(onBad) == 12 {
		t.Fatalf("broker 0 placed %d of 12 partitions in %s; want some in each dir", len(onBad), bad)
	}
	before := c.waitTopic(adm, topic, 3, 30*time.Second)
	var ledBad []int32
	for _, p := range onBad {
		if before.Partitions[p].Leader == 0 {
			ledBad = append(ledBad, p)
		}
	}
	t.Logf("partitions of broker 0 on the failing disk: %v (it leads %v)", onBad, ledBad)

	p, err := StartProducer(c.Seeds(), ProducerOptions{Topic: topic, MaxInFlight: 50})
	if err != nil {
		t.Fatal(err)
	}
	if err := p.WaitAcked(ctx, 2000); err != nil {
		t.Fatal(err)
	}
	failDisk(t, mnt)
	start := time.Now()

	// Broker 0 leaves the ISRs (and leadership) of its partitions on the
	// failed disk; its other partitions keep it.
	deadline := time.Now().Add(45 * time.Second)
	var md kadm.Metadata
	for {
		mctx, mcancel := context.WithTimeout(ctx, 5*time.Second)
		md, err = adm.Metadata(mctx, topic)
		mcancel()
		done := err == nil
		if done {
			for _, pd := range md.Topics[topic].Partitions {
				gone := slices.Contains(onBad, pd.Partition)
				if pd.Leader < 0 || (gone && (pd.Leader == 0 || slices.Contains(pd.ISR, 0))) {
					done = false
				}
			}
		}
		if done {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("leadership did not move off the failed disk in time: %+v (err %v)", md.Topics[topic].Partitions, err)
		}
		time.Sleep(200 * time.Millisecond)
	}
	t.Logf("leadership moved off the failed disk in %v", time.Since(start).Round(time.Millisecond))
	for _, pd := range md.Topics[topic].Partitions {
		if slices.Contains(onBad, pd.Partition) {
			if !slices.Contains(pd.OfflineReplicas, 0) {
				t.Errorf("partition %d: offline replicas %v, want broker 0 listed", pd.Partition, pd.OfflineReplicas)
			}
		} else if !slices.Contains(pd.ISR, 0) {
			t.Errorf("partition %d on broker 0's healthy dir lost it from the ISR: %v", pd.Partition, pd.ISR)
		}
	}
	if !strings.Contains(b0.Output(), "log dir offline") {
		t.Errorf("broker 0 did not report the offline dir")
	}
	if err := p.WaitAcked(ctx, 2000); err != nil {
		t.Fatalf("no progress after the disk failed: %v", err)
	}
	stopAndCheck(t, c, p, topic)
}

// TestAllLogDirsFailedHalts: a broker whose only log dir fails has
// nothing left to serve and halts with exit status 1, naming the dirs, as
// Kafka's ("Shutdown broker because all log dirs in ... have failed");
// once its ZooKeeper session ends the controller moves its leadership,
// and the acks=all workload loses nothing.
func TestAllLogDirsFailedHalts(t *testing.T) {
	mnt := loopFS(t)
	c := startCluster(t, 3, nil)
	b0 := c.broker(0)
	c.restartWithLogDirs(b0, filepath.Join(mnt, "broker-0"))

	adm := c.admin()
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	const topic = "halt"
	if _, err := adm.CreateTopic(ctx, 3, 3, map[string]*string{"min.insync.replicas": kadm.StringPtr("2")}, topic); err != nil {
		t.Fatal(err)
	}
	c.waitTopic(adm, topic, 3, 30*time.Second)
	p, err := StartProducer(c.Seeds(), ProducerOptions{Topic: topic, MaxInFlight: 50})
	if err != nil {
		t.Fatal(err)
	}
	if err := p.WaitAcked(ctx, 1000); err != nil {
		t.Fatal(err)
	}
	failDisk(t, mnt)
	if !b0.wait(30 * time.Second) {
		t.Fatalf("broker 0 still runs 30 s after its only log dir failed")
	}
	if code := b0.ExitCode(); code != 1 {
		t.Errorf("broker 0 exited with status %d, want 1", code)
	}
	if out := b0.Output(); !strings.Contains(out, "all log dirs in "+filepath.Join(mnt, "broker-0")+" have failed") {
		t.Errorf("broker 0 did not name its failed log dirs; its output ends:\n%s", tail(out, 2000))
	}
	for _, part := range []int32{0, 1, 2} {
		waitLeaderNot(t, adm, topic, part, 0, 45*time.Second)
	}
	if err := p.WaitAcked(ctx, 1000); err != nil {
		t.Fatalf("no progress after broker 0 halted: %v", err)
	}
	stopAndCheck(t, c, p, topic)
}

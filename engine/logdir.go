package engine

import (
	"bufio"
	"bytes"
	"encoding/base64"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"golang.org/x/sys/unix"

	"sluice/engine/internal/checkpoint"
	"sluice/engine/internal/segment"
	"sluice/engine/vfs"
)

// Files of a log dir and of a partition dir (Kafka's names).
const (
	lockFile              = ".lock"
	metaPropertiesFile    = "meta.properties"
	cleanShutdownFile     = ".kafka_cleanshutdown"
	recoveryPointFile     = "recovery-point-offset-checkpoint"
	logStartOffsetFile    = "log-start-offset-checkpoint"
	replicationOffsetFile = "replication-offset-checkpoint"
	cleanerOffsetFile     = "cleaner-offset-checkpoint"
	partitionMetadataFile = "partition.metadata"
	leaderEpochFile       = "leader-epoch-checkpoint"
	deleteDirSuffix       = "-delete"
)

// logDir is one entry of log.dirs.
type logDir struct {
	path   string
	lock   vfs.File
	online atomic.Bool
	// full is set while the volume is out of space (diskfull.go): appends
	// fail, everything else goes on.
	full atomic.Bool
	// res bounds the blocks the dir's active segments reserve ahead.
	res *segment.Reservations
	// spare is set while the dir's spare file holds its blocks
	// (diskfull.go); lastProbe is when a full dir was last looked at.
	spare     atomic.Bool
	lastProbe atomic.Int64
	// ckMu serialises checkpoint writes of this dir.
	ckMu sync.Mutex
	mu   struct {
		sync.Mutex
		err       error // why offline
		fullErr   error // the ENOSPC that made it full
		fullSince time.Time
	}
}

// markOffline takes the dir offline after a disk error; every log in it
// then refuses appends with ErrStorage.
func (d *logDir) markOffline(err error) {
	d.mu.Lock()
	if d.mu.err == nil {
		d.mu.err = err
	}
	d.mu.Unlock()
	d.online.Store(false)
}

func (d *logDir) offlineErr() error {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.mu.err
}

// lockDir takes the dir's .lock with flock(2), as Kafka's FileLock does.
func lockDir(fs vfs.FS, dir string) (vfs.File, error) {
	f, err := fs.OpenFile(filepath.Join(dir, lockFile), os.O_CREATE|os.O_RDWR, 0o644)
	if err != nil {
		return nil, err
	}
	if err := unix.Flock(int(f.Fd()), unix.LOCK_EX|unix.LOCK_NB); err != nil {
		_ = f.Close()
		if err == unix.EWOULDBLOCK {
			return nil, fmt.Errorf("%w: %s", ErrDirLocked, dir)
		}
		return nil, err
	}
	return f, nil
}

// writeMetaProperties writes (or checks) meta.properties in Kafka's
// ZooKeeper-mode format (version=0, broker.id, cluster.id).
func writeMetaProperties(fs vfs.FS, dir string, nodeID int32, clusterID string, now time.Time) error {
	path := filepath.Join(dir, metaPropertiesFile)
	if old, err := checkpoint.Read(fs, path); err == nil {
		props := parseProperties(old)
		if id, ok := props["broker.id"]; ok && id != strconv.Itoa(int(nodeID)) {
			return fmt.Errorf("%w: %s has broker.id=%s but this broker is %d", ErrInvalidOptions, path, id, nodeID)
		}
		if cid := props["cluster.id"]; cid != "" && clusterID != "" && cid != clusterID {
			return fmt.Errorf("%w: %s has cluster.id=%s but this cluster is %s", ErrInvalidOptions, path, cid, clusterID)
		}
		if clusterID == "" || props["cluster.id"] == clusterID {
			return nil
		}
	}
	var b bytes.Buffer
	fmt.Fprintf(&b, "#\n#%s\nbroker.id=%d\nversion=0\n", now.UTC().Format("Mon Jan 02 15:04:05 MST 2006"), nodeID)
	if clusterID != "" {
		fmt.Fprintf(&b, "cluster.id=%s\n", clusterID)
	}
	return checkpoint.Write(fs, path, b.Bytes())
}

func parseProperties(data []byte) map[string]string {
	props := map[string]string{}
	sc := bufio.NewScanner(bytes.NewReader(data))
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if line == "" || line[0] == '#' || line[0] == '!' {
			continue
		}
		if k, v, ok := strings.Cut(line, "="); ok {
			props[strings.TrimSpace(k)] = strings.TrimSpace(v)
		}
	}
	return props
}

// formatPartitionMetadata writes partition.metadata exactly as Kafka's
// PartitionMetadataFile does: "version: 0\ntopic_id: <base64url uuid>"
// (no final newline; parsing accepts one).
func formatPartitionMetadata(id [16]byte) []byte {
	return []byte("version: 0\ntopic_id: " + base64.RawURLEncoding.EncodeToString(id[:]))
}

func parsePartitionMetadata(data []byte) ([16]byte, error) {
	var id [16]byte
	lines := strings.Split(strings.TrimSpace(string(data)), "\n")
	if len(lines) != 2 || strings.TrimSpace(lines[0]) != "version: 0" || !strings.HasPrefix(lines[1], "topic_id: ") {
		return id, fmt.Errorf("%w: malformed %s", ErrCorruptLog, partitionMetadataFile)
	}
	raw, err := base64.RawURLEncoding.DecodeString(strings.TrimSpace(strings.TrimPrefix(lines[1], "topic_id: ")))
	if err != nil || len(raw) != 16 {
		return id, fmt.Errorf("%w: malformed topic id in %s", ErrCorruptLog, partitionMetadataFile)
	}
	copy(id[:], raw)
	return id, nil
}

// validTopic reports whether a topic name may name a directory: Kafka's
// rule, [a-zA-Z0-9._-]{1,249} and not "." or "..".
func validTopic(name string) bool {
	if name == "" || len(name) > 249 || name == "." || name == ".." {
		return false
	}
	for i := 0; i < len(name); i++ {
		c := name[i]
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '.' || c == '_' || c == '-') {
			return false
		}
	}
	return true
}

// partitionDirName is "<topic>-<partition>".
func partitionDirName(tp TopicPartition) string {
	return tp.Topic + "-" + strconv.Itoa(int(tp.Partition))
}

// parsePartitionDir parses "<topic>-<partition>"; ok is false for anything
// else (deleted, future or stray dirs, files).
func parsePartitionDir(name string) (TopicPartition, bool) {
	i := strings.LastIndexByte(name, '-')
	if i <= 0 {
		return TopicPartition{}, false
	}
	p, err := strconv.ParseInt(name[i+1:], 10, 32)
	if err != nil || p < 0 || !validTopic(name[:i]) || strconv.Itoa(int(p)) != name[i+1:] {
		return TopicPartition{}, false
	}
	return TopicPartition{Topic: name[:i], Partition: int32(p)}, true
}

func exists(fs vfs.FS, path string) bool {
	_, err := fs.Stat(path)
	return err == nil
}

// SetClusterID records the cluster id in every online log dir's
// meta.properties (a ZooKeeper-mode broker learns it from /cluster/id
// after the engine is open). A dir holding another cluster's id refuses
// with ErrInvalidOptions, as at Open.
func (e *Engine) SetClusterID(id string) error {
	for _, d := range e.dirs {
		if !d.online.Load() {
			continue
		}
		if err := writeMetaProperties(e.fs, d.path, e.opts.NodeID, id, e.opts.Now()); err != nil {
			return err
		}
	}
	return nil
}

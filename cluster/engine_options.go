package cluster

import (
	"bufio"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"sluice/engine"
	"sluice/engine/vfs"
)

// EngineOptions returns the engine options for cfg: log dirs, node id,
// the cluster id of an existing meta.properties (Open records the
// store's /cluster/id once connected) and the static topic defaults (the
// replica manager gives each log its effective config, dynamic broker
// configs included). Call it before engine.Open; then Open the Node on
// that engine.
func EngineOptions(cfg BrokerConfig) (engine.Options, error) {
	if len(cfg.LogDirs) == 0 {
		return engine.Options{}, errors.New("cluster: no log dirs")
	}
	clusterID, err := readMetaPropertiesClusterID(vfs.Default, cfg.LogDirs[0])
	if err != nil {
		return engine.Options{}, err
	}
	defaults := cfg.TopicDefaults
	opts := engine.Options{
		Dirs:                   cfg.LogDirs,
		Defaults:               defaults,
		RetentionCheckInterval: cfg.RetentionCheckInterval,
		CleanerEnable:          cfg.CleanerEnable,
		CleanerBackoff:         cfg.CleanerBackoff,
		ReserveAhead:           reserveAhead(cfg.SegmentReserveAhead),
		MaxBatchDecompressed:   cfg.BatchDecompressedMax,
		ReserveDirPercent:      reserveDirPercent(cfg.ReserveDirPercent),
		NodeID:                 cfg.NodeID,
		ClusterID:              clusterID,
		FlushCheckInterval:     cfg.FlushSchedulerInterval,
	}
	opts.ProducerIDExpiration = cfg.ProducerIDExpiration
	opts.ProducerIDExpirationCheckInterval = cfg.ProducerIDExpirationCheckInterval
	return opts, nil
}

// readMetaPropertiesClusterID returns cluster.id from dir/meta.properties
// ("" when the file or the key is absent).
func readMetaPropertiesClusterID(fsys vfs.FS, dir string) (string, error) {
	f, err := fsys.OpenFile(filepath.Join(dir, "meta.properties"), os.O_RDONLY, 0)
	if errors.Is(err, fs.ErrNotExist) {
		return "", nil
	}
	if err != nil {
		return "", fmt.Errorf("cluster: read meta.properties: %w", err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		k, v, ok := strings.Cut(strings.TrimSpace(sc.Text()), "=")
		if ok && strings.TrimSpace(k) == "cluster.id" {
			return strings.TrimSpace(v), nil
		}
	}
	return "", sc.Err()
}

// topicDefaultsFor computes the broker-level topic defaults from the static
// properties overlaid with the dynamic ones (per-broker over cluster
// default over static, as Kafka's DynamicBrokerConfig does).
func (n *Node) topicDefaultsFor(dynamic map[string]map[string]string) (engine.TopicConfig, error) {
	return topicDefaults(n.lookupWith(dynamic))
}

// lookupWith returns the explicitly set value of a property given the
// dynamic configs.
func (n *Node) lookupWith(dynamic map[string]map[string]string) func(string) (string, bool) {
	per, def := dynamic[n.nodeKey()], dynamic[""]
	return func(name string) (string, bool) {
		if v, ok := per[name]; ok {
			return v, true
		}
		if v, ok := def[name]; ok {
			return v, true
		}
		return n.cfg.Static(name)
	}
}

// reserveDirPercent maps sluice.log.dir.reserve.max.percent to
// engine.Options.ReserveDirPercent, where 0 means the default and negative
// none.
func reserveDirPercent(p float64) float64 {
	if p == 0 {
		return -1
	}
	return p
}

// reserveAhead maps sluice.segment.reserve.ahead.bytes to
// engine.Options.ReserveAhead, where 0 means the default and negative off.
func reserveAhead(bytes int64) int64 {
	if bytes == 0 {
		return -1
	}
	return bytes
}

// Package metastore reads and writes the embedded single-node metadata file,
// __sluice_metadata.json, in the first log directory. The file is replaced
// atomically: written to a temporary file, fsynced, renamed over the old
// one, and the directory fsynced, so that a crash leaves either the old or
// the new state, never a torn one.
//
// The format is JSON (version 1):
//
//	{
//	  "version": 1,
//	  "cluster_id": "<22-char base64url UUID>",
//	  "node_id": 0,
//	  "producer_id_block_end": 2000,       // producer ids below it may have been handed out
//	  "topics": [
//	    {"name": "t", "id": "<base64url UUID>",
//	     "partitions": [{"partition": 0, "replicas": [0], "leader": 0, "leader_epoch": 0, "isr": [0]}],
//	     "configs": {"retention.ms": "1000"}}       // overrides only
//	  ],
//	  "broker_configs": {"": {...}, "0": {...}}   // dynamic: "" = cluster default, "<id>" = per broker
//	}
//
// Field names and the meaning of producer_id_block_end must never change
// incompatibly; new fields may be added (older readers ignore them).
package metastore

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"sluice/engine/vfs"
)

// FileName is the metadata file's name in the first log dir.
const FileName = "__sluice_metadata.json"

// Version is the format version written.
const Version = 1

// ErrCorrupt: the file exists but cannot be parsed or has an unknown version.
var ErrCorrupt = errors.New("metastore: corrupt metadata file")

// State is the whole persisted metadata.
type State struct {
	Version            int                          `json:"version"`
	ClusterID          string                       `json:"cluster_id"`
	NodeID             int32                        `json:"node_id"`
	ProducerIDBlockEnd int64                        `json:"producer_id_block_end"`
	Topics             []Topic                      `json:"topics"`
	BrokerConfigs      map[string]map[string]string `json:"broker_configs,omitempty"`
}

// Topic is one topic's assignment and config overrides.
type Topic struct {
	Name       string            `json:"name"`
	ID         string            `json:"id"`
	Partitions []Partition       `json:"partitions"`
	Configs    map[string]string `json:"configs,omitempty"`
}

// Partition is one partition's replica assignment and leadership.
type Partition struct {
	Partition   int32   `json:"partition"`
	Replicas    []int32 `json:"replicas"`
	Leader      int32   `json:"leader"`
	LeaderEpoch int32   `json:"leader_epoch"`
	ISR         []int32 `json:"isr"`
}

// Clone returns a deep copy.
func (s *State) Clone() *State {
	c := *s
	c.Topics = make([]Topic, len(s.Topics))
	for i, t := range s.Topics {
		c.Topics[i] = t.Clone()
	}
	c.BrokerConfigs = make(map[string]map[string]string, len(s.BrokerConfigs))
	for k, m := range s.BrokerConfigs {
		c.BrokerConfigs[k] = cloneMap(m)
	}
	return &c
}

// Clone returns a deep copy.
func (t Topic) Clone() Topic {
	c := t
	c.Partitions = make([]Partition, len(t.Partitions))
	for i, p := range t.Partitions {
		p.Replicas = append([]int32(nil), p.Replicas...)
		p.ISR = append([]int32(nil), p.ISR...)
		c.Partitions[i] = p
	}
	c.Configs = cloneMap(t.Configs)
	return c
}

func cloneMap(m map[string]string) map[string]string {
	if m == nil {
		return nil
	}
	c := make(map[string]string, len(m))
	for k, v := range m {
		c[k] = v
	}
	return c
}

// Load reads dir/FileName. A missing file returns an error satisfying
// errors.Is(err, os.ErrNotExist).
func Load(fs vfs.FS, dir string) (*State, error) {
	path := filepath.Join(dir, FileName)
	f, err := fs.OpenFile(path, os.O_RDONLY, 0)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	data, err := io.ReadAll(f)
	if err != nil {
		return nil, fmt.Errorf("metastore: read %s: %w", path, err)
	}
	var s State
	if err := json.Unmarshal(data, &s); err != nil {
		return nil, fmt.Errorf("%w: %s: %v", ErrCorrupt, path, err)
	}
	if s.Version != Version {
		return nil, fmt.Errorf("%w: %s: unknown version %d", ErrCorrupt, path, s.Version)
	}
	return &s, nil
}

// Save replaces dir/FileName with s atomically and durably.
func Save(fs vfs.FS, dir string, s *State) error {
	s.Version = Version
	data, err := json.MarshalIndent(s, "", "  ")
	if err != nil {
		return fmt.Errorf("metastore: encode: %w", err)
	}
	data = append(data, '\n')
	path := filepath.Join(dir, FileName)
	tmp := path + ".tmp"
	f, err := fs.OpenFile(tmp, os.O_CREATE|os.O_TRUNC|os.O_WRONLY, 0o644)
	if err != nil {
		return fmt.Errorf("metastore: create %s: %w", tmp, err)
	}
	_, err = f.Write(data)
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		_ = fs.Remove(tmp)
		return fmt.Errorf("metastore: write %s: %w", tmp, err)
	}
	if err := fs.Rename(tmp, path); err != nil {
		return fmt.Errorf("metastore: rename %s: %w", tmp, err)
	}
	if err := fs.SyncDir(dir); err != nil {
		return fmt.Errorf("metastore: sync dir %s: %w", dir, err)
	}
	return nil
}

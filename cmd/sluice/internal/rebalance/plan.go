package rebalance

import (
	"bytes"
	"encoding/json"
	"fmt"
	"sort"
)

// AnyLogDir is the only log_dirs entry a plan may carry: the broker picks
// the directory.
const AnyLogDir = "any"

// Plan is a reassignment in Kafka's JSON form (see the package doc).
type Plan struct {
	Version    int            `json:"version"`
	Partitions []Reassignment `json:"partitions"`
}

// Reassignment is one partition's new replica list, preferred leader first.
type Reassignment struct {
	Topic     string   `json:"topic"`
	Partition int32    `json:"partition"`
	Replicas  []int32  `json:"replicas"`
	LogDirs   []string `json:"log_dirs,omitempty"`
}

// NewPlan returns an empty version-1 plan.
func NewPlan() Plan { return Plan{Version: 1, Partitions: []Reassignment{}} }

// Add appends a partition's replica list with "any" log dirs.
func (p *Plan) Add(topic string, partition int32, replicas []int32) {
	dirs := make([]string, len(replicas))
	for i := range dirs {
		dirs[i] = AnyLogDir
	}
	p.Partitions = append(p.Partitions, Reassignment{
		Topic: topic, Partition: partition, Replicas: append([]int32(nil), replicas...), LogDirs: dirs,
	})
}

// Sort orders the partitions by topic, then partition.
func (p *Plan) Sort() {
	sort.Slice(p.Partitions, func(i, j int) bool {
		a, b := p.Partitions[i], p.Partitions[j]
		return a.Topic < b.Topic || a.Topic == b.Topic && a.Partition < b.Partition
	})
}

// Topics returns the distinct topics of the plan, sorted.
func (p Plan) Topics() []string {
	seen := map[string]bool{}
	var out []string
	for _, r := range p.Partitions {
		if !seen[r.Topic] {
			seen[r.Topic] = true
			out = append(out, r.Topic)
		}
	}
	sort.Strings(out)
	return out
}

// Marshal renders the plan as one line of JSON, as Kafka's tool prints it.
func (p Plan) Marshal() []byte {
	if p.Partitions == nil {
		p.Partitions = []Reassignment{}
	}
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	_ = enc.Encode(p) // only ints, strings and slices: cannot fail
	return bytes.TrimRight(buf.Bytes(), "\n")
}

// ParsePlan reads and checks a reassignment document: version 1 (or
// absent, as early Kafka files), every entry with a topic, a partition >=
// 0 and a non-empty list of distinct broker ids >= 0, no partition twice,
// log_dirs (if given) one "any" per replica.
func ParsePlan(b []byte) (Plan, error) {
	var raw struct {
		Version    *int               `json:"version"`
		Partitions *[]json.RawMessage `json:"partitions"`
	}
	if err := json.Unmarshal(b, &raw); err != nil {
		return Plan{}, fmt.Errorf("%w: not JSON: %v", ErrBadPlan, err)
	}
	if raw.Version != nil && *raw.Version != 1 {
		return Plan{}, fmt.Errorf("%w: version %d is not supported (want 1)", ErrBadPlan, *raw.Version)
	}
	if raw.Partitions == nil {
		return Plan{}, fmt.Errorf("%w: no \"partitions\" list", ErrBadPlan)
	}
	p := NewPlan()
	seen := map[string]bool{}
	for i, m := range *raw.Partitions {
		var r struct {
			Topic     *string  `json:"topic"`
			Partition *int32   `json:"partition"`
			Replicas  *[]int32 `json:"replicas"`
			LogDirs   []string `json:"log_dirs"`
		}
		if err := json.Unmarshal(m, &r); err != nil {
			return Plan{}, fmt.Errorf("%w: partitions[%d]: %v", ErrBadPlan, i, err)
		}
		switch {
		case r.Topic == nil || *r.Topic == "":
			return Plan{}, fmt.Errorf("%w: partitions[%d] has no topic", ErrBadPlan, i)
		case r.Partition == nil || *r.Partition < 0:
			return Plan{}, fmt.Errorf("%w: partitions[%d] (%s) has no partition number >= 0", ErrBadPlan, i, *r.Topic)
		case r.Replicas == nil || len(*r.Replicas) == 0:
			return Plan{}, fmt.Errorf("%w: %s-%d has no replicas", ErrBadPlan, *r.Topic, *r.Partition)
		}
		name := fmt.Sprintf("%s-%d", *r.Topic, *r.Partition)
		if seen[name] {
			return Plan{}, fmt.Errorf("%w: %s is listed twice", ErrBadPlan, name)
		}
		seen[name] = true
		reps := *r.Replicas
		dup := map[int32]bool{}
		for _, b := range reps {
			if b < 0 {
				return Plan{}, fmt.Errorf("%w: %s has broker id %d", ErrBadPlan, name, b)
			}
			if dup[b] {
				return Plan{}, fmt.Errorf("%w: %s lists broker %d twice", ErrBadPlan, name, b)
			}
			dup[b] = true
		}
		if r.LogDirs != nil {
			if len(r.LogDirs) != len(reps) {
				return Plan{}, fmt.Errorf("%w: %s has %d log_dirs for %d replicas", ErrBadPlan, name, len(r.LogDirs), len(reps))
			}
			for _, d := range r.LogDirs {
				if d != AnyLogDir {
					return Plan{}, fmt.Errorf("%w: %s: log dir %q: only \"any\" is supported", ErrBadPlan, name, d)
				}
			}
		}
		p.Add(*r.Topic, *r.Partition, reps)
	}
	return p, nil
}

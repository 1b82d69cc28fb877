package handlers

// DescribeLogDirs v0-4 (key 35): each log dir with the size of every
// partition in it (all topics when the request's topic list is null),
// offset lag 0 (no future replicas), and v4's total/usable bytes; dirs by
// absolute path, topics and partitions sorted. An offline dir answers
// KAFKA_STORAGE_ERROR with no partitions and sizes -1, as Kafka.
//
// Difference from Kafka: a topic listed with no partitions means all of
// its partitions (Kafka describes none of them), which is what kadm's
// TopicsSet{topic: nil} sends.

import (
	"cmp"
	"maps"
	"path/filepath"
	"slices"

	"github.com/twmb/franz-go/pkg/kmsg"

	"sluice/engine"
	"sluice/protocol/kerr"
)

func handleDescribeLogDirs(env *Env, c *Call) Reply {
	req := c.Req.(*kmsg.DescribeLogDirsRequest)
	resp := c.NewResponse().(*kmsg.DescribeLogDirsResponse)
	var want map[engine.TopicPartition]bool
	var wantAll map[string]bool // topics listed without partitions
	if req.Topics != nil {
		want, wantAll = map[engine.TopicPartition]bool{}, map[string]bool{}
		for _, t := range req.Topics {
			if len(t.Partitions) == 0 {
				wantAll[t.Topic] = true
			}
			for _, p := range t.Partitions {
				want[engine.TopicPartition{Topic: t.Topic, Partition: p}] = true
			}
		}
	}
	byDir := map[string]map[string][]kmsg.DescribeLogDirsResponseDirTopicPartition{}
	for _, l := range env.Engine.Logs() {
		tp := l.TopicPartition()
		if want != nil && !want[tp] && !wantAll[tp.Topic] {
			continue
		}
		topics := byDir[l.Dir()]
		if topics == nil {
			topics = map[string][]kmsg.DescribeLogDirsResponseDirTopicPartition{}
			byDir[l.Dir()] = topics
		}
		p := kmsg.NewDescribeLogDirsResponseDirTopicPartition()
		p.Partition, p.Size = tp.Partition, l.Size()
		topics[tp.Topic] = append(topics[tp.Topic], p)
	}
	for _, d := range env.Engine.Dirs() {
		rd := kmsg.NewDescribeLogDirsResponseDir()
		rd.Dir = d.Path
		if abs, err := filepath.Abs(d.Path); err == nil {
			rd.Dir = abs
		}
		if d.Offline {
			// As Kafka: no sizes and no partitions for an offline dir.
			rd.ErrorCode = kerr.KafkaStorageError.Code
			resp.Dirs = append(resp.Dirs, rd)
			continue
		}
		rd.TotalBytes, rd.UsableBytes = d.TotalBytes, d.UsableBytes
		topics := byDir[d.Path]
		names := slices.Sorted(maps.Keys(topics))
		rd.Topics = make([]kmsg.DescribeLogDirsResponseDirTopic, 0, len(names))
		for _, topic := range names {
			parts := topics[topic]
			slices.SortFunc(parts, func(a, b kmsg.DescribeLogDirsResponseDirTopicPartition) int {
				return cmp.Compare(a.Partition, b.Partition)
			})
			rt := kmsg.NewDescribeLogDirsResponseDirTopic()
			rt.Topic, rt.Partitions = topic, parts
			rd.Topics = append(rd.Topics, rt)
		}
		resp.Dirs = append(resp.Dirs, rd)
	}
	return Reply{Resp: resp}
}

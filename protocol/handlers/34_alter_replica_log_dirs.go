package handlers

// AlterReplicaLogDirs v1-2 (key 34): moves replicas of this broker to
// another of its log dirs (engine.Engine.MoveLog). Kafka copies through a
// future replica and swaps when it has caught up, answering at once; Sluice
// copies the sealed segments while the partition serves, then holds the
// partition only while the active segment and small files are copied and
// the dirs are swapped (engine/move.go says how it is crash-safe), and
// answers when the move is done: DescribeLogDirs then shows the replica in
// its new dir. Errors as Kafka: a dir not in log.dirs LOG_DIR_NOT_FOUND
// (for every partition sent to it), a replica this broker does not have
// REPLICA_NOT_AVAILABLE, an offline dir or a disk error KAFKA_STORAGE_ERROR.
// v0 is not served (Kafka 3.9 deprecates it; kadm sends v1+).

import (
	"errors"
	"path/filepath"

	"github.com/twmb/franz-go/pkg/kmsg"

	"sluice/engine"
	"sluice/protocol/kerr"
)

func handleAlterReplicaLogDirs(env *Env, c *Call) Reply {
	req := c.Req.(*kmsg.AlterReplicaLogDirsRequest)
	resp := c.NewResponse().(*kmsg.AlterReplicaLogDirsResponse)
	byTopic := map[string]int{} // index in resp.Topics
	for _, d := range req.Dirs {
		dir := d.Dir
		if abs, err := filepath.Abs(dir); err == nil {
			dir = abs
		}
		for _, t := range d.Topics {
			i, ok := byTopic[t.Topic]
			if !ok {
				rt := kmsg.NewAlterReplicaLogDirsResponseTopic()
				rt.Topic = t.Topic
				resp.Topics = append(resp.Topics, rt)
				i = len(resp.Topics) - 1
				byTopic[t.Topic] = i
			}
			for _, p := range t.Partitions {
				rp := kmsg.NewAlterReplicaLogDirsResponseTopicPartition()
				rp.Partition = p
				rp.ErrorCode = kerr.Code(moveReplica(env, engine.TopicPartition{Topic: t.Topic, Partition: p}, dir))
				resp.Topics[i].Partitions = append(resp.Topics[i].Partitions, rp)
			}
		}
	}
	return Reply{Resp: resp}
}

// moveReplica moves tp's log to dir, matched against the log dirs by
// absolute path (as DescribeLogDirs names them).
func moveReplica(env *Env, tp engine.TopicPartition, dir string) error {
	target := ""
	for _, d := range env.Engine.Dirs() {
		if abs, err := filepath.Abs(d.Path); err == nil && abs == dir || d.Path == dir {
			target = d.Path
		}
	}
	if target == "" {
		return kerr.LogDirNotFound
	}
	err := env.Engine.MoveLog(tp, target)
	if errors.Is(err, engine.ErrUnknownLog) {
		return kerr.ReplicaNotAvailable
	}
	return err
}

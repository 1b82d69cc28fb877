package cluster

import (
	"context"
	"slices"

	"sluice/cluster/internal/controller"
	"sluice/engine"
)

// Leader elections asked for by an admin client (ElectLeaders, key 43).
// As in Kafka's ZooKeeper mode the controller runs them (KafkaController
// processReplicaLeaderElection): a broker that is not the controller
// answers NOT_CONTROLLER for every partition, and clients send the request
// to the controller Metadata names. A single node is the controller of a
// cluster of one whose only replica leads every partition.

// ElectResult is one partition's ElectLeaders outcome: ErrorCode 0 when
// the election moved leadership, ELECTION_NOT_NEEDED (84) when the leader
// already was the one asked for, UNKNOWN_TOPIC_OR_PARTITION,
// PREFERRED_LEADER_NOT_AVAILABLE / ELIGIBLE_LEADERS_NOT_AVAILABLE when
// nobody could take it, NOT_CONTROLLER or REQUEST_TIMED_OUT. Message is
// Kafka's error message ("" = null).
type ElectResult struct {
	Topic     string
	Partition int32
	ErrorCode int16
	Message   string
}

// ElectLeaders runs preferred elections (unclean=false: the first replica
// takes leadership where it is live and in the ISR) or unclean ones (a
// partition without a live leader takes its first live replica) on
// partitions, nil meaning every partition. The results are in partition
// order. The error is ctx's when it ended before the controller answered;
// the results then say REQUEST_TIMED_OUT (the elections go on, as
// Kafka's do after its timeout).
func (n *Node) ElectLeaders(ctx context.Context, unclean bool, partitions []engine.TopicPartition) ([]ElectResult, error) {
	if partitions != nil {
		partitions = slices.Clone(partitions)
		slices.SortFunc(partitions, compareTopicPartition)
		partitions = slices.Compact(partitions)
	}
	if n.cs.runner == nil {
		return n.electAll(partitions, codeNotController), nil
	}
	var tps []controller.TP
	if partitions != nil {
		tps = make([]controller.TP, len(partitions))
		for i, tp := range partitions {
			tps[i] = controller.TP{Topic: tp.Topic, Partition: tp.Partition}
		}
	}
	out, err := n.cs.runner.request(ctx, func(id uint64) controller.Event {
		return controller.ElectLeaders{ReqID: id, Unclean: unclean, Partitions: tps}
	})
	if err != nil {
		code := requestErrCode(err)
		if code != codeNotController {
			return n.electAll(partitions, code), err
		}
		return n.electAll(partitions, code), nil
	}
	r := out.(*controller.ElectLeadersResponse)
	res := make([]ElectResult, len(r.Partitions))
	for i, p := range r.Partitions {
		res[i] = ElectResult{Topic: p.TP.Topic, Partition: p.TP.Partition, ErrorCode: p.Err, Message: p.Message}
	}
	slices.SortFunc(res, func(a, b ElectResult) int {
		return compareTopicPartition(engine.TopicPartition{Topic: a.Topic, Partition: a.Partition},
			engine.TopicPartition{Topic: b.Topic, Partition: b.Partition})
	})
	return res, nil
}

// electAll answers code for partitions, or for every partition this
// broker's metadata knows when partitions is nil (Kafka's KafkaApis
// expands a null topic list from the metadata cache).
func (n *Node) electAll(partitions []engine.TopicPartition, code int16) []ElectResult {
	if partitions == nil {
		partitions = n.allPartitions()
	}
	res := make([]ElectResult, len(partitions))
	for i, tp := range partitions {
		res[i] = ElectResult{Topic: tp.Topic, Partition: tp.Partition, ErrorCode: code}
	}
	return res
}

// allPartitions lists every partition of every topic this broker knows.
func (n *Node) allPartitions() []engine.TopicPartition {
	out := []engine.TopicPartition{}
	for _, t := range n.Topics() {
		for _, p := range t.Partitions {
			out = append(out, engine.TopicPartition{Topic: t.Name, Partition: p.Partition})
		}
	}
	slices.SortFunc(out, compareTopicPartition)
	return out
}

func compareTopicPartition(a, b engine.TopicPartition) int {
	if a.Topic != b.Topic {
		if a.Topic < b.Topic {
			return -1
		}
		return 1
	}
	return int(a.Partition) - int(b.Partition)
}

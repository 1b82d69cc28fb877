package cluster

import (
	"context"
	"fmt"
	"slices"

	"github.com/twmb/franz-go/pkg/kmsg"

	"sluice/cluster/internal/controller"
)

// Partition reassignment (KIP-455): AlterPartitionReassignments (key 45)
// and ListPartitionReassignments (key 46) are served by the controller.
// In ZooKeeper mode they are queued on the controller runner
// (NOT_CONTROLLER on another broker); the controller state machine does
// the work (cluster/internal/controller/reassign.go). In single-node mode
// they answer as Kafka's controller of a one-broker cluster would: a
// target of [this broker] changes nothing and succeeds, any other target
// names a broker that is not alive.

const (
	codeInvalidReplicaAssignment int16 = 39
	codeNoReassignmentInProgress int16 = 85
)

// AlterPartitionReassignments starts, changes or cancels (null replicas)
// partition reassignments (key 45).
func (n *Node) AlterPartitionReassignments(ctx context.Context, req *kmsg.AlterPartitionAssignmentsRequest) *kmsg.AlterPartitionAssignmentsResponse {
	resp := kmsg.NewPtrAlterPartitionAssignmentsResponse()
	var ev controller.AlterReassignments
	for _, t := range req.Topics {
		for _, p := range t.Partitions {
			ev.Items = append(ev.Items, controller.ReassignItem{TP: controller.TP{Topic: t.Topic, Partition: p.Partition}, Replicas: p.Replicas})
		}
	}
	var results []controller.ReassignResult
	switch {
	case n.zk == nil:
		results = n.singleNodeReassign(ev.Items)
	case n.zk.runner == nil:
		resp.ErrorCode = codeNotController
		return resp
	default:
		out, err := n.zk.runner.request(ctx, func(id uint64) controller.Event {
			ev.ReqID = id
			return ev
		})
		if err != nil {
			resp.ErrorCode = requestErrCode(err)
			return resp
		}
		r := out.(*controller.AlterReassignmentsResponse)
		if r.Err != 0 {
			resp.ErrorCode = r.Err
			return resp
		}
		results = r.Partitions
	}
	idx := map[string]int{}
	for _, res := range results {
		i := topicSlot(&resp.Topics, idx, res.TP.Topic, func() kmsg.AlterPartitionAssignmentsResponseTopic {
			t := kmsg.NewAlterPartitionAssignmentsResponseTopic()
			t.Topic = res.TP.Topic
			return t
		})
		p := kmsg.NewAlterPartitionAssignmentsResponseTopicPartition()
		p.Partition, p.ErrorCode = res.TP.Partition, res.Err
		if res.Err != 0 && res.Message != "" {
			msg := res.Message
			p.ErrorMessage = &msg
		}
		resp.Topics[i].Partitions = append(resp.Topics[i].Partitions, p)
	}
	return resp
}

// singleNodeReassign answers as the controller of a one-broker cluster.
func (n *Node) singleNodeReassign(items []controller.ReassignItem) []controller.ReassignResult {
	self := n.cfg.NodeID
	out := make([]controller.ReassignResult, len(items))
	for i, it := range items {
		out[i].TP = it.TP
		t, ok := n.Topic(it.TP.Topic)
		if !ok || it.TP.Partition < 0 || int(it.TP.Partition) >= len(t.Partitions) {
			out[i].Err, out[i].Message = codeUnknownTopicOrPartition, fmt.Sprintf("Unable to find partition %s", it.TP)
			continue
		}
		rs := it.Replicas
		switch {
		case rs == nil:
			out[i].Err, out[i].Message = codeNoReassignmentInProgress, fmt.Sprintf("No reassignment in progress for partition %s", it.TP)
		case len(rs) == 0:
			out[i].Err, out[i].Message = codeInvalidReplicaAssignment, "Empty replica list specified in partition reassignment."
		case duplicateID(rs):
			out[i].Err, out[i].Message = codeInvalidReplicaAssignment,
				fmt.Sprintf("Duplicate replica ids in partition reassignment replica list: %v", rs)
		case slices.ContainsFunc(rs, func(r int32) bool { return r < 0 }):
			out[i].Err, out[i].Message = codeInvalidReplicaAssignment, fmt.Sprintf("Invalid broker id in replica list: %v", rs)
		case len(rs) != 1 || rs[0] != self:
			out[i].Err, out[i].Message = codeInvalidReplicaAssignment,
				fmt.Sprintf("Replica assignment has brokers that are not alive. Replica list: %v, live broker list: [%d]", rs, self)
		}
	}
	return out
}

// ListPartitionReassignments lists the reassignments in progress among
// the partitions asked for (all when Topics is null), key 46.
func (n *Node) ListPartitionReassignments(ctx context.Context, req *kmsg.ListPartitionReassignmentsRequest) *kmsg.ListPartitionReassignmentsResponse {
	resp := kmsg.NewPtrListPartitionReassignmentsResponse()
	if n.zk == nil {
		return resp // a single broker never reassigns
	}
	if n.zk.runner == nil {
		resp.ErrorCode = codeNotController
		return resp
	}
	var ev controller.ListReassignments
	if req.Topics != nil {
		ev.Partitions = []controller.TP{}
		for _, t := range req.Topics {
			for _, p := range t.Partitions {
				ev.Partitions = append(ev.Partitions, controller.TP{Topic: t.Topic, Partition: p})
			}
		}
	}
	out, err := n.zk.runner.request(ctx, func(id uint64) controller.Event {
		ev.ReqID = id
		return ev
	})
	if err != nil {
		resp.ErrorCode = requestErrCode(err)
		return resp
	}
	r := out.(*controller.ListReassignmentsResponse)
	resp.ErrorCode = r.Err
	idx := map[string]int{}
	for _, ra := range r.Partitions {
		i := topicSlot(&resp.Topics, idx, ra.TP.Topic, func() kmsg.ListPartitionReassignmentsResponseTopic {
			t := kmsg.NewListPartitionReassignmentsResponseTopic()
			t.Topic = ra.TP.Topic
			return t
		})
		p := kmsg.NewListPartitionReassignmentsResponseTopicPartition()
		p.Partition, p.Replicas = ra.TP.Partition, ra.Replicas
		p.AddingReplicas, p.RemovingReplicas = nonNil(ra.Adding), nonNil(ra.Removing)
		resp.Topics[i].Partitions = append(resp.Topics[i].Partitions, p)
	}
	return resp
}

func nonNil(l []int32) []int32 {
	if l == nil {
		return []int32{}
	}
	return l
}

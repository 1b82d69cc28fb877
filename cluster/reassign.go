package cluster

import (
	"context"

	"github.com/twmb/franz-go/pkg/kmsg"

	"sluice/cluster/internal/controller"
)

// Partition reassignment (KIP-455): AlterPartitionReassignments (key 45)
// and ListPartitionReassignments (key 46) are served by the controller.
// They are queued on the controller runner (NOT_CONTROLLER on another
// broker); the controller state machine does the work
// (cluster/internal/controller/reassign.go).

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
	case n.cs.runner == nil:
		resp.ErrorCode = codeNotController
		return resp
	default:
		out, err := n.cs.runner.request(ctx, func(id uint64) controller.Event {
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

// ListPartitionReassignments lists the reassignments in progress among
// the partitions asked for (all when Topics is null), key 46.
func (n *Node) ListPartitionReassignments(ctx context.Context, req *kmsg.ListPartitionReassignmentsRequest) *kmsg.ListPartitionReassignmentsResponse {
	resp := kmsg.NewPtrListPartitionReassignmentsResponse()
	if n.cs.runner == nil {
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
	out, err := n.cs.runner.request(ctx, func(id uint64) controller.Event {
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

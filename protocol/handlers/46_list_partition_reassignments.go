package handlers

// ListPartitionReassignments v0 (key 46), sent by admin clients to the
// controller (KIP-455): the reassignments in progress among the
// partitions asked for (all when topics is null), each with its replicas
// and those being added and removed; partitions not being reassigned are
// left out. NOT_CONTROLLER when this broker is not the controller.
//
// Differences from Kafka: none known. The wait is bounded by controllerWait.

import (
	"context"

	"github.com/twmb/franz-go/pkg/kmsg"
)

func handleListPartitionReassignments(env *Env, c *Call) Reply {
	ctx, cancel := context.WithTimeout(c.Ctx, controllerWait)
	defer cancel()
	resp := env.Node.ListPartitionReassignments(ctx, c.Req.(*kmsg.ListPartitionReassignmentsRequest))
	resp.SetVersion(c.Version)
	return Reply{Resp: resp}
}

package handlers

// AlterPartitionReassignments v0 (key 45), sent by admin clients to the
// controller (KIP-455): per partition, the target replicas, or null to
// cancel the reassignment in progress. Handed to cluster.Node, which
// queues it on the controller; the answer comes once the reassignment is
// started (written to ZooKeeper), not when it completes
// (ListPartitionReassignments shows it until then). NOT_CONTROLLER when
// this broker is not the controller. Errors per partition, as Kafka's:
// UNKNOWN_TOPIC_OR_PARTITION, INVALID_REPLICA_ASSIGNMENT (empty,
// duplicates, brokers not alive), NO_REASSIGNMENT_IN_PROGRESS.
//
// Differences from Kafka: v1 (allow_replication_factor_change, Kafka 4.0)
// is not served. The wait is bounded by controllerWait.

import (
	"context"

	"github.com/twmb/franz-go/pkg/kmsg"
)

func handleAlterPartitionReassignments(env *Env, c *Call) Reply {
	ctx, cancel := context.WithTimeout(c.Ctx, controllerWait)
	defer cancel()
	resp := env.Node.AlterPartitionReassignments(ctx, c.Req.(*kmsg.AlterPartitionAssignmentsRequest))
	resp.SetVersion(c.Version)
	return Reply{Resp: resp}
}

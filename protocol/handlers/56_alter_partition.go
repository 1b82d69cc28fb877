package handlers

// AlterPartition v2-3 (key 56), sent by a partition leader to the
// controller to expand or shrink the ISR (KIP-497). Handed to
// cluster.Node, which queues it on the controller: the controller checks
// the leader and partition epochs, writes the new state to ZooKeeper and
// answers it per partition; NOT_CONTROLLER when this broker is not the
// controller. A single node (no zookeeper.connect) has no peers and
// answers STALE_BROKER_EPOCH (its own goes in-process).
//
// Differences from Kafka: versions below 2 (topics by name) are not
// served — Sluice's brokers send v2+ (topic ids), as Kafka 3.9's do with
// inter.broker.protocol.version 3.3+. v3's new_isr_with_epochs (KIP-903)
// is read for the broker ids only; broker epochs are not checked against
// the registrations. The wait is bounded by controllerWait.

import (
	"context"

	"github.com/twmb/franz-go/pkg/kmsg"
)

func handleAlterPartition(env *Env, c *Call) Reply {
	ctx, cancel := context.WithTimeout(c.Ctx, controllerWait)
	defer cancel()
	resp := env.Node.AlterPartition(ctx, c.Req.(*kmsg.AlterPartitionRequest))
	resp.SetVersion(c.Version)
	return Reply{Resp: resp}
}

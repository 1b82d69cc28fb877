package handlers

// ControlledShutdown v2-3 (key 7), sent by a stopping broker to the
// controller, which moves leadership away from it and shrinks it out of
// the ISRs; the answer lists the partitions it still leads (it retries
// until none remain). Handed to cluster.Node, which queues it on the
// controller and waits for the answer; NOT_CONTROLLER when this broker is
// not the controller. A single node (no zookeeper.connect) has no peers
// and answers STALE_BROKER_EPOCH (its own goes in-process).
//
// Differences from Kafka: versions below 2 (no broker epoch) are not
// served — Sluice's brokers send v2+, as Kafka 3.9's do with
// inter.broker.protocol.version 2.2+. The wait is bounded by
// controllerWait (Kafka's has no bound of its own; the sender's request
// timeout ends it): past it the answer is REQUEST_TIMED_OUT, so a stuck
// controller cannot hold a worker for ever.

import (
	"context"
	"time"

	"github.com/twmb/franz-go/pkg/kmsg"
)

// controllerWait bounds how long a request handed to the controller
// (ControlledShutdown, AlterPartition) holds a worker.
const controllerWait = 60 * time.Second

func handleControlledShutdown(env *Env, c *Call) Reply {
	ctx, cancel := context.WithTimeout(c.Ctx, controllerWait)
	defer cancel()
	resp := env.Node.ControlledShutdown(ctx, c.Req.(*kmsg.ControlledShutdownRequest))
	resp.SetVersion(c.Version)
	return Reply{Resp: resp}
}

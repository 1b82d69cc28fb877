package handlers

// StopReplica v3-4 (key 5), sent by the controller to stop (and with
// delete, remove) replicas: reassignment away from this broker, topic
// deletion, controlled shutdown of a follower. Handed to cluster.Node
// (Kafka's ReplicaManager.stopReplicas); per-partition error codes.
//
// Differences from Kafka: versions below 3 (no per-partition leader
// epoch) are not served — Sluice's controller sends v3+, as Kafka 3.9's
// does with inter.broker.protocol.version 2.6+. v4's is_kraft_controller
// is ignored. A single node (no
// zookeeper.connect) has no peers and answers STALE_CONTROLLER_EPOCH:
// its controller is itself and reaches it in-process.

import "github.com/twmb/franz-go/pkg/kmsg"

func handleStopReplica(env *Env, c *Call) Reply {
	resp := env.Node.StopReplica(c.Req.(*kmsg.StopReplicaRequest))
	resp.SetVersion(c.Version)
	return Reply{Resp: resp}
}

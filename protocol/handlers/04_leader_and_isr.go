package handlers

// LeaderAndIsr v5-7 (key 4), sent by the controller to the replicas of
// partitions whose leader or ISR changed. Handed to cluster.Node
// (Kafka's ReplicaManager.becomeLeaderOrFollower): stale controller
// epochs are refused, each partition becomes leader or follower, and
// the answer carries an error code per partition (per topic from v5).
//
// Differences from Kafka: versions below 5 (no topic ids, no Type) are
// not served — Sluice's controller sends v5+, and Kafka 3.9 brokers do
// too with inter.broker.protocol.version 2.8+. v7's is_kraft_controller
// is ignored (no ZooKeeper-to-KRaft migration). A single node (no
// zookeeper.connect) has no peers and answers STALE_CONTROLLER_EPOCH:
// its controller is itself and reaches it in-process.

import "github.com/twmb/franz-go/pkg/kmsg"

func handleLeaderAndIsr(env *Env, c *Call) Reply {
	resp := env.Node.LeaderAndIsr(c.Req.(*kmsg.LeaderAndISRRequest))
	resp.SetVersion(c.Version)
	return Reply{Resp: resp}
}

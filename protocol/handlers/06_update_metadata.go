package handlers

// UpdateMetadata v5-8 (key 6), sent by the controller to every live
// broker: the live brokers with their endpoints and the partition states
// that Metadata, Produce and Fetch answer from. Handed to cluster.Node
// (Kafka's MetadataCache.updateMetadata); one error code.
//
// Differences from Kafka: versions below 5 (no topic states, no broker
// epoch) are not served — Sluice's controller sends v5+, as Kafka 3.9's
// does with inter.broker.protocol.version 2.2+. v8's is_kraft_controller
// is ignored. A single node (no
// zookeeper.connect) has no peers and answers STALE_CONTROLLER_EPOCH:
// its controller is itself and reaches it in-process.

import "github.com/twmb/franz-go/pkg/kmsg"

func handleUpdateMetadata(env *Env, c *Call) Reply {
	resp := env.Node.UpdateMetadata(c.Req.(*kmsg.UpdateMetadataRequest))
	resp.SetVersion(c.Version)
	return Reply{Resp: resp}
}

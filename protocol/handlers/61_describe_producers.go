package handlers

// DescribeProducers v0 (key 61, KIP-664): for each requested partition this
// broker leads, the idempotent producers whose state its log keeps
// (engine.Log.Producers): producer id, epoch, last sequence and the max
// timestamp of the last batch. Sluice has no transactions, so the
// coordinator epoch and the current transaction start offset are always -1.
// As Kafka's ReplicaManager.activeProducerState: a partition not led here
// answers NOT_LEADER_OR_FOLLOWER, one not in the metadata
// UNKNOWN_TOPIC_OR_PARTITION, one on an offline dir KAFKA_STORAGE_ERROR,
// with no error message. Producers are listed by producer id.

import (
	"github.com/twmb/franz-go/pkg/kmsg"

	"sluice/engine"
	"sluice/protocol/kerr"
)

func handleDescribeProducers(env *Env, c *Call) Reply {
	req := c.Req.(*kmsg.DescribeProducersRequest)
	resp := c.NewResponse().(*kmsg.DescribeProducersResponse)
	resp.Topics = make([]kmsg.DescribeProducersResponseTopic, 0, len(req.Topics))
	for _, t := range req.Topics {
		rt := kmsg.NewDescribeProducersResponseTopic()
		rt.Topic = t.Topic
		rt.Partitions = make([]kmsg.DescribeProducersResponseTopicPartition, 0, len(t.Partitions))
		for _, p := range t.Partitions {
			rp := kmsg.NewDescribeProducersResponseTopicPartition()
			rp.Partition = p
			producers, err := env.Node.Producers(engine.TopicPartition{Topic: t.Topic, Partition: p})
			if err != nil {
				rp.ErrorCode = kerr.Code(err)
				rt.Partitions = append(rt.Partitions, rp)
				continue
			}
			for _, pi := range producers {
				ap := kmsg.NewDescribeProducersResponseTopicPartitionActiveProducer()
				ap.ProducerID, ap.ProducerEpoch = pi.ProducerID, int32(pi.Epoch)
				ap.LastSequence, ap.LastTimestamp = pi.LastSequence, pi.LastTimestamp
				ap.CoordinatorEpoch, ap.CurrentTxnStartOffset = -1, -1
				rp.ActiveProducers = append(rp.ActiveProducers, ap)
			}
			rt.Partitions = append(rt.Partitions, rp)
		}
		resp.Topics = append(resp.Topics, rt)
	}
	return Reply{Resp: resp}
}

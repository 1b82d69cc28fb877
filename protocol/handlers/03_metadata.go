package handlers

// Metadata v0-12 (key 3). Brokers, cluster id, controller, topics with
// their ids (v10+) and partitions. The requested topics are a set, as in
// Kafka's handler: the decoder (protocol/internal/wire) keeps each
// distinct entry once, so a request naming one topic a million times is
// answered once. A requested topic that does not exist is created when
// auto.create.topics.enable is set and the request allows it (v4+
// allow_auto_topic_creation; always allowed below v4), with num.partitions
// and default.replication.factor, and answered LEADER_NOT_AVAILABLE
// without partitions, as Kafka's auto-creation does: the next Metadata
// shows it. An invalid name answers INVALID_TOPIC_EXCEPTION. Topics
// requested by id (v10+) that are unknown answer UNKNOWN_TOPIC_ID.
//
// Authorized operations are answered as Kafka answers them without an
// authorizer: when asked, every operation Kafka supports on a topic (v8+,
// for every topic named in the answer, not for unknown ids) and on the
// cluster (v8-10, the seven AclEntry.supportedOperations(CLUSTER)).

import (
	"github.com/twmb/franz-go/pkg/kmsg"

	"sluice/cluster"
	"sluice/protocol/kerr"
)

// topicAuthorizedOps: READ, WRITE, CREATE, DELETE, ALTER, DESCRIBE,
// DESCRIBE_CONFIGS, ALTER_CONFIGS (AclOperation codes 3-8, 10, 11).
const topicAuthorizedOps = 1<<3 | 1<<4 | 1<<5 | 1<<6 | 1<<7 | 1<<8 | 1<<10 | 1<<11

func handleMetadata(env *Env, c *Call) Reply {
	req := c.Req.(*kmsg.MetadataRequest)
	resp := c.NewResponse().(*kmsg.MetadataResponse)
	n := env.Node
	for _, b := range n.Brokers() {
		mb := kmsg.NewMetadataResponseBroker()
		mb.NodeID, mb.Host, mb.Port = b.NodeID, b.Host, b.Port
		if b.Rack != "" {
			rack := b.Rack
			mb.Rack = &rack
		}
		resp.Brokers = append(resp.Brokers, mb)
	}
	cid := n.ClusterID()
	resp.ClusterID = &cid
	resp.ControllerID = n.ControllerID()
	if c.Version >= 8 && c.Version <= 10 && req.IncludeClusterAuthorizedOperations {
		resp.AuthorizedOperations = clusterAuthorizedOps
	}

	all := req.Topics == nil || (c.Version == 0 && len(req.Topics) == 0)
	if all {
		for _, t := range n.Topics() {
			resp.Topics = append(resp.Topics, metadataTopic(req, t))
		}
		return Reply{Resp: resp}
	}
	autoCreate := n.Config().AutoCreateTopics && (c.Version < 4 || req.AllowAutoTopicCreation)
	for _, rt := range req.Topics {
		if rt.Topic == nil { // by id, v10+
			t, ok := n.TopicByID(rt.TopicID)
			if !ok {
				mt := kmsg.NewMetadataResponseTopic()
				mt.TopicID = rt.TopicID
				mt.ErrorCode = kerr.UnknownTopicID.Code
				resp.Topics = append(resp.Topics, mt)
				continue
			}
			resp.Topics = append(resp.Topics, metadataTopic(req, t))
			continue
		}
		name := *rt.Topic
		t, ok := n.Topic(name)
		if ok {
			resp.Topics = append(resp.Topics, metadataTopic(req, t))
			continue
		}
		err := cluster.ValidateTopicName(name)
		if err == nil {
			err = kerr.UnknownTopicOrPartition
			if autoCreate {
				if _, err = n.AutoCreateTopic(name); err == nil {
					err = kerr.LeaderNotAvailable // created: its partitions show in the next Metadata
				}
			}
		}
		mt := kmsg.NewMetadataResponseTopic()
		mt.Topic = &name
		mt.ErrorCode = kerr.Code(err)
		mt.IsInternal = cluster.IsInternalTopic(name)
		if req.IncludeTopicAuthorizedOperations {
			mt.AuthorizedOperations = topicAuthorizedOps
		}
		resp.Topics = append(resp.Topics, mt)
	}
	return Reply{Resp: resp}
}

func metadataTopic(req *kmsg.MetadataRequest, t cluster.TopicInfo) kmsg.MetadataResponseTopic {
	mt := kmsg.NewMetadataResponseTopic()
	name := t.Name
	mt.Topic = &name
	mt.TopicID = t.ID
	mt.IsInternal = t.Internal
	if req.IncludeTopicAuthorizedOperations {
		mt.AuthorizedOperations = topicAuthorizedOps
	}
	mt.Partitions = make([]kmsg.MetadataResponseTopicPartition, 0, len(t.Partitions))
	for _, p := range t.Partitions {
		mp := kmsg.NewMetadataResponseTopicPartition()
		mp.Partition = p.Partition
		mp.Leader = p.Leader
		mp.LeaderEpoch = p.LeaderEpoch
		mp.Replicas = nonNil(p.Replicas)
		mp.ISR = nonNil(p.ISR)
		mp.OfflineReplicas = nonNil(p.Offline)
		if p.Leader < 0 {
			mp.ErrorCode = kerr.LeaderNotAvailable.Code
		}
		mt.Partitions = append(mt.Partitions, mp)
	}
	return mt
}

func nonNil(s []int32) []int32 {
	if s == nil {
		return []int32{}
	}
	return s
}

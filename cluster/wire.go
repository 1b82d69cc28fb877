package cluster

// Conversions between the controller's requests (package
// cluster/internal/controller) and Kafka's inter-broker messages (kmsg),
// both ways: the controller's channel encodes them for other brokers, and
// a broker decodes what it receives. The layouts used are those of
// LeaderAndIsr v5+, UpdateMetadata v5+, StopReplica v3+ and AlterPartition
// v2+ (topic states, topic ids); peer.Conn refuses older versions
// (minInterBrokerVersions).

import (
	"slices"

	"github.com/twmb/franz-go/pkg/kmsg"

	"sluice/cluster/internal/controller"
)

// minInterBrokerVersions are the oldest versions these conversions encode.
var minInterBrokerVersions = map[int16]int16{
	4:  5, // LeaderAndIsr
	5:  3, // StopReplica
	6:  5, // UpdateMetadata
	7:  2, // ControlledShutdown
	56: 2, // AlterPartition
}

// securityProtocol is the wire code of a security protocol name.
func securityProtocol(name string) int16 {
	switch name {
	case "SSL":
		return 1
	case "SASL_PLAINTEXT":
		return 2
	case "SASL_SSL":
		return 3
	}
	return 0 // PLAINTEXT
}

func securityProtocolName(code int16) string {
	switch code {
	case 1:
		return "SSL"
	case 2:
		return "SASL_PLAINTEXT"
	case 3:
		return "SASL_SSL"
	}
	return "PLAINTEXT"
}

// endpoint returns a broker's endpoint on listener.
func endpoint(b controller.Broker, listener string) (controller.Endpoint, bool) {
	for _, e := range b.Endpoints {
		if e.Listener == listener {
			return e, true
		}
	}
	return controller.Endpoint{}, false
}

// groupByTopic calls add for each run of views of one topic (views are
// sorted by topic).
func groupByTopic(views []controller.PartitionView, add func(topic string, id [16]byte, vs []controller.PartitionView)) {
	for i := 0; i < len(views); {
		j := i + 1
		for j < len(views) && views[j].TP.Topic == views[i].TP.Topic {
			j++
		}
		add(views[i].TP.Topic, views[i].TopicID, views[i:j])
		i = j
	}
}

func sortedViews(views []controller.PartitionView) []controller.PartitionView {
	vs := slices.Clone(views)
	slices.SortStableFunc(vs, func(a, b controller.PartitionView) int {
		if a.TP.Topic != b.TP.Topic {
			if a.TP.Topic < b.TP.Topic {
				return -1
			}
			return 1
		}
		return int(a.TP.Partition - b.TP.Partition)
	})
	return vs
}

// leaderAndIsrToWire encodes a LeaderAndIsr from controller ctrl; the
// leaders' addresses are their endpoints on the inter-broker listener.
// topicSlot returns the index of topic's entry in a request's or
// response's topic list (idx maps names to indexes), appending one made by
// mk when the topic has none yet: kmsg groups partitions by topic.
func topicSlot[T any](list *[]T, idx map[string]int, topic string, mk func() T) int {
	if i, ok := idx[topic]; ok {
		return i
	}
	*list = append(*list, mk())
	idx[topic] = len(*list) - 1
	return len(*list) - 1
}

func leaderAndIsrToWire(ctrl int32, r *controller.LeaderAndIsrRequest, listener string) *kmsg.LeaderAndISRRequest {
	req := kmsg.NewPtrLeaderAndISRRequest()
	req.ControllerID, req.ControllerEpoch, req.BrokerEpoch = ctrl, r.ControllerEpoch, r.BrokerEpoch
	if r.Full {
		req.Type = 1
	}
	groupByTopic(sortedViews(r.Partitions), func(topic string, id [16]byte, vs []controller.PartitionView) {
		ts := kmsg.NewLeaderAndISRRequestTopicState()
		ts.Topic, ts.TopicID = topic, id
		for _, v := range vs {
			p := kmsg.NewLeaderAndISRRequestTopicPartition()
			p.Topic, p.Partition = topic, v.TP.Partition
			p.ControllerEpoch, p.Leader, p.LeaderEpoch = v.State.ControllerEpoch, v.State.Leader, v.State.LeaderEpoch
			p.ISR, p.ZKVersion, p.Replicas = v.State.ISR, v.State.Version, v.Replicas
			p.AddingReplicas, p.RemovingReplicas, p.IsNew = v.Adding, v.Removing, v.IsNew
			ts.PartitionStates = append(ts.PartitionStates, p)
		}
		req.TopicStates = append(req.TopicStates, ts)
	})
	for _, b := range r.Leaders {
		if e, ok := endpoint(b, listener); ok {
			l := kmsg.NewLeaderAndISRRequestLiveLeader()
			l.BrokerID, l.Host, l.Port = b.ID, e.Host, e.Port
			req.LiveLeaders = append(req.LiveLeaders, l)
		}
	}
	return req
}

// leaderAndIsrFromWire decodes a LeaderAndIsr; the leaders get one
// endpoint, on the inter-broker listener.
func leaderAndIsrFromWire(req *kmsg.LeaderAndISRRequest, listener string) *controller.LeaderAndIsrRequest {
	r := &controller.LeaderAndIsrRequest{ControllerEpoch: req.ControllerEpoch, BrokerEpoch: req.BrokerEpoch, Full: req.Type == 1}
	for _, ts := range req.TopicStates {
		for _, p := range ts.PartitionStates {
			r.Partitions = append(r.Partitions, controller.PartitionView{
				TP: controller.TP{Topic: ts.Topic, Partition: p.Partition}, TopicID: ts.TopicID,
				State: controller.LeaderAndIsr{Leader: p.Leader, LeaderEpoch: p.LeaderEpoch, ISR: p.ISR,
					ControllerEpoch: p.ControllerEpoch, Version: p.ZKVersion},
				Replicas: p.Replicas, Adding: p.AddingReplicas, Removing: p.RemovingReplicas, IsNew: p.IsNew,
			})
		}
	}
	for _, l := range req.LiveLeaders {
		r.Leaders = append(r.Leaders, controller.Broker{ID: l.BrokerID,
			Endpoints: []controller.Endpoint{{Listener: listener, Host: l.Host, Port: l.Port, SecurityProtocol: "PLAINTEXT"}}})
	}
	return r
}

// leaderAndIsrResponse encodes per-partition error codes.
func leaderAndIsrResponse(r *controller.LeaderAndIsrRequest, errs map[controller.TP]int16) *kmsg.LeaderAndISRResponse {
	resp := kmsg.NewPtrLeaderAndISRResponse()
	groupByTopic(sortedViews(r.Partitions), func(topic string, id [16]byte, vs []controller.PartitionView) {
		t := kmsg.NewLeaderAndISRResponseTopic()
		t.TopicID = id
		for _, v := range vs {
			p := kmsg.NewLeaderAndISRResponseTopicPartition()
			p.Topic, p.Partition, p.ErrorCode = topic, v.TP.Partition, errs[v.TP]
			t.Partitions = append(t.Partitions, p)
			resp.Partitions = append(resp.Partitions, p)
		}
		resp.Topics = append(resp.Topics, t)
	})
	return resp
}

func updateMetadataToWire(ctrl int32, r *controller.UpdateMetadataRequest) *kmsg.UpdateMetadataRequest {
	req := kmsg.NewPtrUpdateMetadataRequest()
	req.ControllerID, req.ControllerEpoch, req.BrokerEpoch = ctrl, r.ControllerEpoch, r.BrokerEpoch
	groupByTopic(sortedViews(r.Partitions), func(topic string, id [16]byte, vs []controller.PartitionView) {
		ts := kmsg.NewUpdateMetadataRequestTopicState()
		ts.Topic, ts.TopicID = topic, id
		for _, v := range vs {
			p := kmsg.NewUpdateMetadataRequestTopicPartition()
			p.Topic, p.Partition = topic, v.TP.Partition
			p.ControllerEpoch, p.Leader, p.LeaderEpoch = v.State.ControllerEpoch, v.State.Leader, v.State.LeaderEpoch
			p.ISR, p.ZKVersion, p.Replicas, p.OfflineReplicas = v.State.ISR, v.State.Version, v.Replicas, v.Offline
			ts.PartitionStates = append(ts.PartitionStates, p)
		}
		req.TopicStates = append(req.TopicStates, ts)
	})
	for _, b := range r.Brokers {
		lb := kmsg.NewUpdateMetadataRequestLiveBroker()
		lb.ID = b.ID
		if b.Rack != "" {
			lb.Rack = kmsg.StringPtr(b.Rack)
		}
		for _, e := range b.Endpoints {
			ep := kmsg.NewUpdateMetadataRequestLiveBrokerEndpoint()
			ep.Host, ep.Port, ep.ListenerName, ep.SecurityProtocol = e.Host, e.Port, e.Listener, securityProtocol(e.SecurityProtocol)
			lb.Endpoints = append(lb.Endpoints, ep)
		}
		req.LiveBrokers = append(req.LiveBrokers, lb)
	}
	return req
}

func updateMetadataFromWire(req *kmsg.UpdateMetadataRequest) *controller.UpdateMetadataRequest {
	r := &controller.UpdateMetadataRequest{ControllerEpoch: req.ControllerEpoch, BrokerEpoch: req.BrokerEpoch}
	for _, ts := range req.TopicStates {
		for _, p := range ts.PartitionStates {
			r.Partitions = append(r.Partitions, controller.PartitionView{
				TP: controller.TP{Topic: ts.Topic, Partition: p.Partition}, TopicID: ts.TopicID,
				State: controller.LeaderAndIsr{Leader: p.Leader, LeaderEpoch: p.LeaderEpoch, ISR: p.ISR,
					ControllerEpoch: p.ControllerEpoch, Version: p.ZKVersion},
				Replicas: p.Replicas, Offline: p.OfflineReplicas,
			})
		}
	}
	for _, lb := range req.LiveBrokers {
		b := controller.Broker{ID: lb.ID}
		if lb.Rack != nil {
			b.Rack = *lb.Rack
		}
		for _, e := range lb.Endpoints {
			b.Endpoints = append(b.Endpoints, controller.Endpoint{Listener: e.ListenerName, Host: e.Host, Port: e.Port,
				SecurityProtocol: securityProtocolName(e.SecurityProtocol)})
		}
		r.Brokers = append(r.Brokers, b)
	}
	return r
}

func stopReplicaToWire(ctrl int32, r *controller.StopReplicaRequest) *kmsg.StopReplicaRequest {
	req := kmsg.NewPtrStopReplicaRequest()
	req.ControllerID, req.ControllerEpoch, req.BrokerEpoch = ctrl, r.ControllerEpoch, r.BrokerEpoch
	var cur *kmsg.StopReplicaRequestTopic
	for _, p := range r.Partitions {
		if cur == nil || cur.Topic != p.TP.Topic {
			req.Topics = append(req.Topics, kmsg.NewStopReplicaRequestTopic())
			cur = &req.Topics[len(req.Topics)-1]
			cur.Topic = p.TP.Topic
		}
		ps := kmsg.NewStopReplicaRequestTopicPartitionState()
		ps.Partition, ps.LeaderEpoch, ps.Delete = p.TP.Partition, p.LeaderEpoch, p.Delete
		cur.PartitionStates = append(cur.PartitionStates, ps)
	}
	return req
}

func stopReplicaFromWire(req *kmsg.StopReplicaRequest) *controller.StopReplicaRequest {
	r := &controller.StopReplicaRequest{ControllerEpoch: req.ControllerEpoch, BrokerEpoch: req.BrokerEpoch}
	for _, t := range req.Topics {
		for _, ps := range t.PartitionStates {
			r.Partitions = append(r.Partitions, controller.StopPartition{TP: controller.TP{Topic: t.Topic, Partition: ps.Partition},
				LeaderEpoch: ps.LeaderEpoch, Delete: ps.Delete})
		}
	}
	return r
}

func stopReplicaResponse(r *controller.StopReplicaRequest, errs map[controller.TP]int16) *kmsg.StopReplicaResponse {
	resp := kmsg.NewPtrStopReplicaResponse()
	for _, p := range r.Partitions {
		rp := kmsg.NewStopReplicaResponsePartition()
		rp.Topic, rp.Partition, rp.ErrorCode = p.TP.Topic, p.TP.Partition, errs[p.TP]
		resp.Partitions = append(resp.Partitions, rp)
	}
	return resp
}

// stopReplicaResult turns a broker's answer into the controller's event.
func stopReplicaResult(broker int32, resp *kmsg.StopReplicaResponse) controller.StopReplicaResult {
	ev := controller.StopReplicaResult{Broker: broker, Errors: map[controller.TP]int16{}}
	for _, p := range resp.Partitions {
		code := p.ErrorCode
		if code == 0 {
			code = resp.ErrorCode
		}
		ev.Errors[controller.TP{Topic: p.Topic, Partition: p.Partition}] = code
	}
	return ev
}

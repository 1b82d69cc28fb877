package protocol

import (
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kmsg"

	"sluice/protocol/handlers"
)

// TestInterBrokerKeysSingleNode: LeaderAndIsr, StopReplica,
// UpdateMetadata, ControlledShutdown and AlterPartition at every served
// version are answered on a single node with an error code (it has no
// peers: its controller is itself, in-process, so these come from a
// stranger: STALE_CONTROLLER_EPOCH for a controller's requests,
// STALE_BROKER_EPOCH for a broker's), and the connection stays usable.
// ApiVersions advertises them.
func TestInterBrokerKeysSingleNode(t *testing.T) {
	b := startTestBroker(t, "", nil)
	createTopic(t, b, "ib", 1, nil)
	info, _ := b.Node().Topic("ib")
	c := dial(t, b)

	lai := func() kmsg.Request {
		req := kmsg.NewPtrLeaderAndISRRequest()
		req.ControllerID, req.ControllerEpoch, req.BrokerEpoch = 2, 1, 7
		ts := kmsg.NewLeaderAndISRRequestTopicState()
		ts.Topic, ts.TopicID = "ib", info.ID
		p := kmsg.NewLeaderAndISRRequestTopicPartition()
		p.Leader, p.LeaderEpoch, p.ISR, p.Replicas = 2, 5, []int32{2, 1}, []int32{2, 1}
		ts.PartitionStates = append(ts.PartitionStates, p)
		req.TopicStates = append(req.TopicStates, ts)
		req.LiveLeaders = append(req.LiveLeaders, kmsg.LeaderAndISRRequestLiveLeader{BrokerID: 2, Host: "h", Port: 9092})
		return req
	}
	stop := func() kmsg.Request {
		req := kmsg.NewPtrStopReplicaRequest()
		req.ControllerID, req.ControllerEpoch = 2, 1
		rt := kmsg.NewStopReplicaRequestTopic()
		rt.Topic = "ib"
		ps := kmsg.NewStopReplicaRequestTopicPartitionState()
		ps.Delete = true
		rt.PartitionStates = append(rt.PartitionStates, ps)
		req.Topics = append(req.Topics, rt)
		return req
	}
	um := func() kmsg.Request {
		req := kmsg.NewPtrUpdateMetadataRequest()
		req.ControllerID, req.ControllerEpoch = 2, 1
		lb := kmsg.NewUpdateMetadataRequestLiveBroker()
		lb.ID = 2
		lb.Endpoints = append(lb.Endpoints, kmsg.UpdateMetadataRequestLiveBrokerEndpoint{Host: "h", Port: 9092, ListenerName: "PLAINTEXT"})
		req.LiveBrokers = append(req.LiveBrokers, lb)
		return req
	}
	cs := func() kmsg.Request {
		req := kmsg.NewPtrControlledShutdownRequest()
		req.BrokerID, req.BrokerEpoch = 2, 7
		return req
	}
	ap := func() kmsg.Request {
		req := kmsg.NewPtrAlterPartitionRequest()
		req.BrokerID, req.BrokerEpoch = 2, 7
		rt := kmsg.NewAlterPartitionRequestTopic()
		rt.TopicID = info.ID
		p := kmsg.NewAlterPartitionRequestTopicPartition()
		p.NewISR = []int32{2}
		p.NewEpochISR = []kmsg.AlterPartitionRequestTopicPartitionNewEpochISR{{BrokerID: 2, BrokerEpoch: 7}}
		rt.Partitions = append(rt.Partitions, p)
		req.Topics = append(req.Topics, rt)
		return req
	}
	code := func(r kmsg.Response) int16 {
		switch r := r.(type) {
		case *kmsg.LeaderAndISRResponse:
			return r.ErrorCode
		case *kmsg.StopReplicaResponse:
			return r.ErrorCode
		case *kmsg.UpdateMetadataResponse:
			return r.ErrorCode
		case *kmsg.ControlledShutdownResponse:
			return r.ErrorCode
		case *kmsg.AlterPartitionResponse:
			return r.ErrorCode
		}
		t.Fatalf("unexpected response %T", r)
		return 0
	}
	cases := []struct {
		key  int16
		make func() kmsg.Request
		want int16
	}{
		{4, lai, 11}, {5, stop, 11}, {6, um, 11}, {7, cs, 77}, {56, ap, 77},
	}
	served := map[int16]handlers.API{}
	for _, a := range handlers.Table() {
		served[a.Key] = a
	}
	av := roundTrip(t, c, kmsg.NewPtrApiVersionsRequest(), 3).(*kmsg.ApiVersionsResponse)
	advertised := map[int16][2]int16{}
	for _, k := range av.ApiKeys {
		advertised[k.ApiKey] = [2]int16{k.MinVersion, k.MaxVersion}
	}
	for _, tc := range cases {
		a, ok := served[tc.key]
		if !ok {
			t.Fatalf("key %d not served", tc.key)
		}
		if got := advertised[tc.key]; got != [2]int16{a.MinVersion, a.MaxVersion} {
			t.Errorf("%s: ApiVersions advertises %v, table %d-%d", a.Name, got, a.MinVersion, a.MaxVersion)
		}
		if a.MaxVersion != tc.make().MaxVersion() {
			t.Errorf("%s: served up to v%d, kmsg knows v%d", a.Name, a.MaxVersion, tc.make().MaxVersion())
		}
		for v := a.MinVersion; v <= a.MaxVersion; v++ {
			if got := code(roundTrip(t, c, tc.make(), v)); got != tc.want {
				t.Errorf("%s v%d: error %d, want %d", a.Name, v, got, tc.want)
			}
		}
	}
	// The connection still works.
	if r := roundTrip(t, c, kmsg.NewPtrApiVersionsRequest(), 3).(*kmsg.ApiVersionsResponse); r.ErrorCode != 0 {
		t.Fatalf("ApiVersions afterwards: %d", r.ErrorCode)
	}
}

// TestFollowerFetchSingleNode: a Fetch with a replica id (replica_id up to
// v14, replica_state from v15) is a follower's; a single node has no
// followers and answers NOT_LEADER_OR_FOLLOWER at once (no park, no
// records), though a consumer's fetch of the same offsets gets records.
func TestFollowerFetchSingleNode(t *testing.T) {
	b := startTestBroker(t, "", nil)
	createTopic(t, b, "ff", 1, nil)
	info, _ := b.Node().Topic("ff")
	c := dial(t, b)
	roundTrip(t, c, produceReq("ff", 0, 1, buildBatch(t, -1, -1, -1, 3)), 9)
	for v := int16(4); v <= 16; v++ {
		req := fetchReq("ff", info.ID, 0, 0, 1<<20, 1<<20)
		req.MaxWaitMillis, req.MinBytes = 2000, 1<<20 // a consumer's would park
		if v >= 15 {
			req.ReplicaState.ID, req.ReplicaState.Epoch = 2, 9
		} else {
			req.ReplicaID = 2
		}
		start := time.Now()
		resp := roundTrip(t, c, req, v).(*kmsg.FetchResponse)
		if el := time.Since(start); el > time.Second {
			t.Errorf("v%d: follower fetch answered after %v (parked)", v, el)
		}
		p := resp.Topics[0].Partitions[0]
		if resp.ErrorCode != 0 || p.ErrorCode != 6 || len(p.RecordBatches) != 0 || p.HighWatermark != -1 {
			t.Errorf("v%d: %+v, want NOT_LEADER_OR_FOLLOWER without records", v, p)
		}
		if v >= 12 && p.DivergingEpoch.Epoch != -1 {
			t.Errorf("v%d: diverging epoch %+v", v, p.DivergingEpoch)
		}
		consumer := fetchReq("ff", info.ID, 0, 0, 1<<20, 1<<20)
		cp := roundTrip(t, c, consumer, v).(*kmsg.FetchResponse).Topics[0].Partitions[0]
		if cp.ErrorCode != 0 || len(cp.RecordBatches) == 0 || cp.HighWatermark != 3 {
			t.Errorf("v%d: consumer fetch %+v", v, cp)
		}
	}
	// Unknown topic id (v13+) answers UNKNOWN_TOPIC_ID for a follower too.
	req := fetchReq("ff", [16]byte{9, 9}, 0, 0, 1<<20, 1<<20)
	req.ReplicaState.ID = 2
	if p := roundTrip(t, c, req, 15).(*kmsg.FetchResponse).Topics[0].Partitions[0]; p.ErrorCode != 100 {
		t.Errorf("unknown topic id: %+v", p)
	}
}

// TestListOffsetsReplica: a replica's ListOffsets (replica_id >= 0)
// answers latest with the log end offset (equal to the high watermark on
// a single node) and earliest with the log start, at every version.
func TestListOffsetsReplica(t *testing.T) {
	b := startTestBroker(t, "", nil)
	createTopic(t, b, "lor", 1, nil)
	c := dial(t, b)
	for range 2 {
		roundTrip(t, c, produceReq("lor", 0, 1, buildBatch(t, -1, -1, -1, 5)), 9)
	}
	for v := int16(1); v <= 8; v++ {
		for _, tc := range []struct{ ts, want int64 }{{-2, 0}, {-1, 10}, {0, 0}} {
			req := kmsg.NewPtrListOffsetsRequest()
			req.ReplicaID = 2
			rt := kmsg.NewListOffsetsRequestTopic()
			rt.Topic = "lor"
			rp := kmsg.NewListOffsetsRequestTopicPartition()
			rp.Timestamp = tc.ts
			rt.Partitions = append(rt.Partitions, rp)
			req.Topics = append(req.Topics, rt)
			p := roundTrip(t, c, req, v).(*kmsg.ListOffsetsResponse).Topics[0].Partitions[0]
			if p.ErrorCode != 0 || p.Offset != tc.want {
				t.Fatalf("ListOffsets v%d replica, ts %d: %+v, want offset %d", v, tc.ts, p, tc.want)
			}
		}
	}
}

// TestProduceAcksAllSingleNode: acks=-1 is acknowledged at once on a
// single node, for one partition and for several in one request, with
// any timeout (0 included: nothing waits).
func TestProduceAcksAllSingleNode(t *testing.T) {
	b := startTestBroker(t, "", nil)
	createTopic(t, b, "all", 3, nil)
	c := dial(t, b)
	for v := int16(3); v <= 11; v++ {
		for _, timeout := range []int32{0, 5000} {
			req := produceReq("all", 0, -1, buildBatch(t, -1, -1, -1, 2))
			req.TimeoutMillis = timeout
			for _, p := range []int32{1, 2} {
				rp := kmsg.NewProduceRequestTopicPartition()
				rp.Partition, rp.Records = p, buildBatch(t, -1, -1, -1, 2)
				req.Topics[0].Partitions = append(req.Topics[0].Partitions, rp)
			}
			start := time.Now()
			resp := roundTrip(t, c, req, v).(*kmsg.ProduceResponse)
			if el := time.Since(start); el > 2*time.Second {
				t.Errorf("v%d: acks=all took %v", v, el)
			}
			for _, p := range resp.Topics[0].Partitions {
				if p.ErrorCode != 0 || p.BaseOffset < 0 {
					t.Errorf("v%d timeout %d: partition %d: %+v", v, timeout, p.Partition, p)
				}
			}
		}
	}
}

// TestMetadataControllerID: the controller id is the node's
// (Node.ControllerID: this broker on a single node).
func TestMetadataControllerID(t *testing.T) {
	b := startTestBroker(t, "", map[string]string{"node.id": "4"})
	c := dial(t, b)
	for v := int16(1); v <= 12; v++ {
		if r := roundTrip(t, c, kmsg.NewPtrMetadataRequest(), v).(*kmsg.MetadataResponse); r.ControllerID != b.Node().ControllerID() || r.ControllerID != 4 {
			t.Errorf("v%d: controller %d, node says %d", v, r.ControllerID, b.Node().ControllerID())
		}
	}
}

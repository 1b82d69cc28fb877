package protocol

// Raw-wire tests of the admin APIs: every served version decodes and
// answers, and the per-version and per-field rules (error_message only
// where the schema has it, KIP-defined defaults, Kafka's refusals).

import (
	"strings"
	"syscall"
	"testing"

	"github.com/twmb/franz-go/pkg/kmsg"

	"sluice/cluster"
	"sluice/engine/vfs"
	"sluice/engine/vfs/errorfs"
	"sluice/protocol/kerr"
)

func createTopicsReq(timeout int32, validate bool, topics ...string) *kmsg.CreateTopicsRequest {
	req := kmsg.NewPtrCreateTopicsRequest()
	req.TimeoutMillis, req.ValidateOnly = timeout, validate
	for _, name := range topics {
		rt := kmsg.NewCreateTopicsRequestTopic()
		rt.Topic, rt.NumPartitions, rt.ReplicationFactor = name, 2, 1
		req.Topics = append(req.Topics, rt)
	}
	return req
}

func str(p *string) string {
	if p == nil {
		return "<null>"
	}
	return *p
}

func TestAdminWireCreateDeleteTopicsAllVersions(t *testing.T) {
	b := startTestBroker(t, "", nil)
	c := dial(t, b)
	for v := int16(0); v <= 7; v++ {
		name := "w" + string(rune('0'+v))
		resp := roundTrip(t, c, createTopicsReq(5000, false, name), v).(*kmsg.CreateTopicsResponse)
		rt := resp.Topics[0]
		if rt.ErrorCode != 0 || rt.Topic != name || rt.ErrorMessage != nil {
			t.Fatalf("CreateTopics v%d: %+v", v, rt)
		}
		info, ok := b.Node().Topic(name)
		if !ok || len(info.Partitions) != 2 {
			t.Fatalf("CreateTopics v%d did not create %s", v, name)
		}
		switch {
		case v >= 5 && (rt.NumPartitions != 2 || rt.ReplicationFactor != 1 || len(rt.Configs) < 20):
			t.Errorf("CreateTopics v%d: partitions %d rf %d configs %d", v, rt.NumPartitions, rt.ReplicationFactor, len(rt.Configs))
		case v >= 7 && rt.TopicID != info.ID:
			t.Errorf("CreateTopics v7 topic id %x, node has %x", rt.TopicID, info.ID)
		case v < 7 && rt.TopicID != [16]byte{}:
			t.Errorf("CreateTopics v%d carries a topic id", v)
		}
		// Again: TOPIC_ALREADY_EXISTS, with a message from v1.
		rt = roundTrip(t, c, createTopicsReq(5000, false, name), v).(*kmsg.CreateTopicsResponse).Topics[0]
		if rt.ErrorCode != kerr.TopicAlreadyExists.Code || (v >= 1) != (rt.ErrorMessage != nil) {
			t.Errorf("CreateTopics v%d twice: %d %s", v, rt.ErrorCode, str(rt.ErrorMessage))
		}
		if v >= 5 && (rt.NumPartitions != -1 || rt.ReplicationFactor != -1 || rt.Configs != nil) {
			t.Errorf("CreateTopics v%d error answer has partitions %d rf %d configs %d", v, rt.NumPartitions, rt.ReplicationFactor, len(rt.Configs))
		}
	}
	// Duplicates in one request: both refused, nothing created.
	resp := roundTrip(t, c, createTopicsReq(5000, false, "dup", "dup"), 7).(*kmsg.CreateTopicsResponse)
	for _, rt := range resp.Topics {
		if rt.ErrorCode != kerr.InvalidRequest.Code || str(rt.ErrorMessage) != "Found multiple entries for this topic." {
			t.Errorf("duplicate entry: %+v", rt)
		}
	}
	if _, ok := b.Node().Topic("dup"); ok || len(resp.Topics) != 2 {
		t.Errorf("duplicate entries: %d answers, created %v", len(resp.Topics), ok)
	}
	// timeout 0: created, answered REQUEST_TIMED_OUT (ZooKeeper-mode Kafka).
	rt := roundTrip(t, c, createTopicsReq(0, false, "fire"), 4).(*kmsg.CreateTopicsResponse).Topics[0]
	if _, ok := b.Node().Topic("fire"); rt.ErrorCode != kerr.RequestTimedOut.Code || !ok {
		t.Errorf("timeout 0: %+v, created %v", rt, ok)
	}
	// Explicit assignment together with a partition count: INVALID_REQUEST.
	req := createTopicsReq(5000, false, "assigned")
	ra := kmsg.NewCreateTopicsRequestTopicReplicaAssignment()
	ra.Partition, ra.Replicas = 0, []int32{b.Node().NodeID()}
	req.Topics[0].ReplicaAssignment = append(req.Topics[0].ReplicaAssignment, ra)
	if rt := roundTrip(t, c, req, 5).(*kmsg.CreateTopicsResponse).Topics[0]; rt.ErrorCode != kerr.InvalidRequest.Code {
		t.Errorf("assignment with a partition count: %+v", rt)
	}
	req.Topics[0].NumPartitions, req.Topics[0].ReplicationFactor = -1, -1
	if rt := roundTrip(t, c, req, 5).(*kmsg.CreateTopicsResponse).Topics[0]; rt.ErrorCode != 0 || rt.NumPartitions != 1 {
		t.Errorf("explicit assignment: %+v", rt)
	}

	// DeleteTopics at every version.
	for v := int16(0); v <= 6; v++ {
		name := "w" + string(rune('0'+v))
		id := mustTopicID(t, b, name)
		dreq := kmsg.NewPtrDeleteTopicsRequest()
		dreq.TimeoutMillis = 5000
		if v >= 6 {
			dt := kmsg.NewDeleteTopicsRequestTopic()
			dt.TopicID = id // by id
			dreq.Topics = append(dreq.Topics, dt)
		} else {
			dreq.TopicNames = []string{name}
		}
		dresp := roundTrip(t, c, dreq, v).(*kmsg.DeleteTopicsResponse)
		if len(dresp.Topics) != 1 || dresp.Topics[0].ErrorCode != 0 || str(dresp.Topics[0].Topic) != name {
			t.Fatalf("DeleteTopics v%d: %+v", v, dresp.Topics)
		}
		if v >= 6 && dresp.Topics[0].TopicID != id {
			t.Errorf("DeleteTopics v6 id %x, want %x", dresp.Topics[0].TopicID, id)
		}
		if _, ok := b.Node().Topic(name); ok {
			t.Fatalf("DeleteTopics v%d left %s", v, name)
		}
	}
	dreq := kmsg.NewPtrDeleteTopicsRequest()
	dreq.TimeoutMillis = 5000
	unknownID := kmsg.NewDeleteTopicsRequestTopic()
	unknownID.TopicID = [16]byte{1, 2, 3}
	unknownName := kmsg.NewDeleteTopicsRequestTopic()
	unknownName.Topic = kmsg.StringPtr("nosuch")
	dreq.Topics = []kmsg.DeleteTopicsRequestTopic{unknownID, unknownName}
	dresp := roundTrip(t, c, dreq, 6).(*kmsg.DeleteTopicsResponse)
	if d := dresp.Topics[0]; d.ErrorCode != kerr.UnknownTopicID.Code || d.Topic != nil {
		t.Errorf("unknown topic id: %+v", d)
	}
	if d := dresp.Topics[1]; d.ErrorCode != kerr.UnknownTopicOrPartition.Code || str(d.Topic) != "nosuch" {
		t.Errorf("unknown topic name: %+v", d)
	}
	both := kmsg.NewDeleteTopicsRequestTopic()
	both.Topic, both.TopicID = kmsg.StringPtr("w7"), mustTopicID(t, b, "w7")
	dreq.Topics = []kmsg.DeleteTopicsRequestTopic{both, unknownName}
	for _, d := range roundTrip(t, c, dreq, 6).(*kmsg.DeleteTopicsResponse).Topics {
		if d.ErrorCode != kerr.InvalidRequest.Code || str(d.ErrorMessage) != "Topic name and topic ID can not both be specified." {
			t.Errorf("name and id: %+v", d)
		}
	}
	if _, ok := b.Node().Topic("w7"); !ok {
		t.Error("a refused request deleted w7")
	}
	// Internal topics cannot be deleted.
	if _, err := b.Node().EnsureInternalTopic("__consumer_offsets"); err != nil {
		t.Fatal(err)
	}
	dreq = kmsg.NewPtrDeleteTopicsRequest()
	dreq.TimeoutMillis, dreq.TopicNames = 5000, []string{"__consumer_offsets"}
	if d := roundTrip(t, c, dreq, 5).(*kmsg.DeleteTopicsResponse).Topics[0]; d.ErrorCode != kerr.UnknownServerError.Code {
		t.Errorf("deleting __consumer_offsets: %+v", d)
	}
}

func mustTopicID(t *testing.T, b *testBroker, name string) [16]byte {
	t.Helper()
	info, ok := b.Node().Topic(name)
	if !ok {
		t.Fatalf("no topic %s", name)
	}
	return info.ID
}

func TestAdminWireDeleteTopicsDisabled(t *testing.T) {
	b := startTestBroker(t, "", map[string]string{"delete.topic.enable": "false"})
	createTopic(t, b, "keep", 1, nil)
	c := dial(t, b)
	for v, want := range map[int16]int16{0: kerr.InvalidRequest.Code, 2: kerr.InvalidRequest.Code, 3: kerr.TopicDeletionDisabled.Code, 5: kerr.TopicDeletionDisabled.Code} {
		req := kmsg.NewPtrDeleteTopicsRequest()
		req.TimeoutMillis, req.TopicNames = 5000, []string{"keep", "nosuch"}
		for _, d := range roundTrip(t, c, req, v).(*kmsg.DeleteTopicsResponse).Topics {
			if d.ErrorCode != want {
				t.Errorf("DeleteTopics v%d with deletion disabled: %+v, want code %d", v, d, want)
			}
		}
	}
	if _, ok := b.Node().Topic("keep"); !ok {
		t.Fatal("topic deleted although delete.topic.enable=false")
	}
}

func TestAdminWirePartitionsRecordsAllVersions(t *testing.T) {
	b := startTestBroker(t, "", nil)
	createTopic(t, b, "grow", 1, nil)
	c := dial(t, b)
	for v := int16(0); v <= 3; v++ {
		req := kmsg.NewPtrCreatePartitionsRequest()
		req.TimeoutMillis = 5000
		rt := kmsg.NewCreatePartitionsRequestTopic()
		rt.Topic, rt.Count = "grow", int32(v)+2
		req.Topics = append(req.Topics, rt)
		r := roundTrip(t, c, req, v).(*kmsg.CreatePartitionsResponse).Topics[0]
		if r.ErrorCode != 0 || r.ErrorMessage != nil || len(mustTopic(t, b, "grow").Partitions) != int(v)+2 {
			t.Fatalf("CreatePartitions v%d: %+v", v, r)
		}
	}
	req := kmsg.NewPtrCreatePartitionsRequest()
	req.TimeoutMillis = 5000
	rt := kmsg.NewCreatePartitionsRequestTopic()
	rt.Topic, rt.Count = "grow", 9
	req.Topics = []kmsg.CreatePartitionsRequestTopic{rt, rt}
	for _, r := range roundTrip(t, c, req, 3).(*kmsg.CreatePartitionsResponse).Topics {
		if r.ErrorCode != kerr.InvalidRequest.Code || str(r.ErrorMessage) != "Duplicate topic in request." {
			t.Errorf("duplicate topic: %+v", r)
		}
	}
	rt.Assignment = []kmsg.CreatePartitionsRequestTopicAssignment{{Replicas: []int32{42}}}
	req.Topics = []kmsg.CreatePartitionsRequestTopic{rt}
	if r := roundTrip(t, c, req, 3).(*kmsg.CreatePartitionsResponse).Topics[0]; r.ErrorCode != kerr.InvalidReplicaAssignment.Code {
		t.Errorf("assignment to an unknown broker: %+v", r)
	}

	// DeleteRecords at every version, on a partition with 10 records.
	resp := roundTrip(t, c, produceReq("grow", 0, 1, buildBatch(t, -1, -1, -1, 10)), 9).(*kmsg.ProduceResponse)
	if resp.Topics[0].Partitions[0].ErrorCode != 0 {
		t.Fatalf("produce: %+v", resp.Topics[0].Partitions[0])
	}
	for v := int16(0); v <= 2; v++ {
		dr := kmsg.NewPtrDeleteRecordsRequest()
		dr.TimeoutMillis = 5000
		dt := kmsg.NewDeleteRecordsRequestTopic()
		dt.Topic = "grow"
		for _, p := range []struct {
			part int32
			off  int64
		}{{0, int64(v) + 1}, {0, -5}, {0, 11}, {99, 0}} {
			dp := kmsg.NewDeleteRecordsRequestTopicPartition()
			dp.Partition, dp.Offset = p.part, p.off
			dt.Partitions = append(dt.Partitions, dp)
		}
		dr.Topics = append(dr.Topics, dt)
		parts := roundTrip(t, c, dr, v).(*kmsg.DeleteRecordsResponse).Topics[0].Partitions
		want := []struct {
			code int16
			low  int64
		}{{0, int64(v) + 1}, {kerr.OffsetOutOfRange.Code, -1}, {kerr.OffsetOutOfRange.Code, -1}, {kerr.UnknownTopicOrPartition.Code, -1}}
		for i, w := range want {
			if parts[i].ErrorCode != w.code || parts[i].LowWatermark != w.low {
				t.Errorf("DeleteRecords v%d entry %d: %+v, want %+v", v, i, parts[i], w)
			}
		}
	}
}

func describeConfigsReq(typ kmsg.ConfigResourceType, name string, names []string) *kmsg.DescribeConfigsRequest {
	req := kmsg.NewPtrDescribeConfigsRequest()
	req.IncludeSynonyms, req.IncludeDocumentation = true, true
	r := kmsg.NewDescribeConfigsRequestResource()
	r.ResourceType, r.ResourceName, r.ConfigNames = typ, name, names
	req.Resources = append(req.Resources, r)
	return req
}

func TestAdminWireDescribeConfigsAllVersions(t *testing.T) {
	b := startTestBroker(t, "", nil)
	createTopic(t, b, "dc", 1, map[string]string{"retention.ms": "1000"})
	c := dial(t, b)
	for v := int16(0); v <= 4; v++ {
		res := roundTrip(t, c, describeConfigsReq(kmsg.ConfigResourceTypeTopic, "dc", nil), v).(*kmsg.DescribeConfigsResponse).Resources[0]
		if res.ErrorCode != 0 || len(res.Configs) < 20 {
			t.Fatalf("DescribeConfigs v%d: %d %s, %d configs", v, res.ErrorCode, str(res.ErrorMessage), len(res.Configs))
		}
		for _, cf := range res.Configs {
			if cf.ReadOnly || cf.IsSensitive {
				t.Errorf("v%d topic config %s read-only/sensitive", v, cf.Name)
			}
			override := cf.Name == "retention.ms"
			switch {
			case v == 0 && cf.IsDefault == override:
				t.Errorf("v0 %s is_default %v", cf.Name, cf.IsDefault)
			case v >= 1 && override && (cf.Source != kmsg.ConfigSourceDynamicTopicConfig || len(cf.ConfigSynonyms) < 2 || str(cf.Value) != "1000"):
				t.Errorf("v%d retention.ms: %+v", v, cf)
			case v >= 1 && !override && cf.Source == kmsg.ConfigSourceDynamicTopicConfig:
				t.Errorf("v%d %s claims a topic override", v, cf.Name)
			case v >= 3 && override && (cf.ConfigType != kmsg.ConfigTypeLong || cf.Documentation == nil):
				t.Errorf("v%d retention.ms type %v doc %v", v, cf.ConfigType, cf.Documentation != nil)
			case v < 3 && cf.Documentation != nil:
				t.Errorf("v%d carries documentation", v)
			}
		}
	}
	// config_names filters; an empty list means all.
	res := roundTrip(t, c, describeConfigsReq(kmsg.ConfigResourceTypeTopic, "dc", []string{"retention.ms", "nope"}), 4).(*kmsg.DescribeConfigsResponse).Resources[0]
	if len(res.Configs) != 1 || res.Configs[0].Name != "retention.ms" {
		t.Errorf("filtered: %+v", res.Configs)
	}
	if res := roundTrip(t, c, describeConfigsReq(kmsg.ConfigResourceTypeTopic, "dc", []string{}), 4).(*kmsg.DescribeConfigsResponse).Resources[0]; len(res.Configs) < 20 {
		t.Errorf("empty config_names gave %d configs", len(res.Configs))
	}
	refusals := []struct {
		typ  kmsg.ConfigResourceType
		name string
		code int16
		msg  string
	}{
		{kmsg.ConfigResourceTypeTopic, "nosuch", kerr.UnknownTopicOrPartition.Code, "<null>"},
		{kmsg.ConfigResourceTypeTopic, "a b", kerr.InvalidTopicException.Code, `Topic name "a b" is illegal, it contains a character other than ASCII alphanumerics, '.', '_' and '-'`},
		{kmsg.ConfigResourceTypeBroker, "x", kerr.InvalidRequest.Code, "Broker id must be an integer, but it is: x"},
		{kmsg.ConfigResourceTypeBroker, "7", kerr.InvalidRequest.Code, "Unexpected broker id, expected 0 or empty string, but received 7"},
		{kmsg.ConfigResourceTypeBrokerLogger, "", kerr.InvalidRequest.Code, "Broker id must not be empty"},
		{kmsg.ConfigResourceTypeClientMetrics, "m", kerr.InvalidRequest.Code, "Unsupported resource type: CLIENT_METRICS"},
		{kmsg.ConfigResourceTypeBrokerLogger, "0", 0, "<null>"},
	}
	for _, r := range refusals {
		res := roundTrip(t, c, describeConfigsReq(r.typ, r.name, nil), 4).(*kmsg.DescribeConfigsResponse).Resources[0]
		if res.ErrorCode != r.code || str(res.ErrorMessage) != r.msg || (r.code != 0 && len(res.Configs) != 0) {
			t.Errorf("describe %d/%q: %d %q, want %d %q", r.typ, r.name, res.ErrorCode, str(res.ErrorMessage), r.code, r.msg)
		}
	}
	// The broker's own table: read-only marked, sensitive values null.
	res = roundTrip(t, c, describeConfigsReq(kmsg.ConfigResourceTypeBroker, "0", nil), 4).(*kmsg.DescribeConfigsResponse).Resources[0]
	var readOnly, dynamic int
	for _, cf := range res.Configs {
		if cf.IsSensitive && cf.Value != nil {
			t.Errorf("sensitive %s has a value", cf.Name)
		}
		if cf.ReadOnly {
			readOnly++
		} else {
			dynamic++
		}
	}
	if res.ErrorCode != 0 || readOnly == 0 || dynamic == 0 {
		t.Errorf("broker configs: code %d, %d read-only, %d dynamic", res.ErrorCode, readOnly, dynamic)
	}
}

func alterReq(typ kmsg.ConfigResourceType, name string, kv ...*string) *kmsg.AlterConfigsRequest {
	req := kmsg.NewPtrAlterConfigsRequest()
	r := kmsg.NewAlterConfigsRequestResource()
	r.ResourceType, r.ResourceName = typ, name
	for i := 0; i+1 < len(kv); i += 2 {
		cf := kmsg.NewAlterConfigsRequestResourceConfig()
		cf.Name, cf.Value = *kv[i], kv[i+1]
		r.Configs = append(r.Configs, cf)
	}
	req.Resources = append(req.Resources, r)
	return req
}

func incReq(typ kmsg.ConfigResourceType, name string, op kmsg.IncrementalAlterConfigOp, key string, value *string) *kmsg.IncrementalAlterConfigsRequest {
	req := kmsg.NewPtrIncrementalAlterConfigsRequest()
	r := kmsg.NewIncrementalAlterConfigsRequestResource()
	r.ResourceType, r.ResourceName = typ, name
	cf := kmsg.NewIncrementalAlterConfigsRequestResourceConfig()
	cf.Name, cf.Op, cf.Value = key, op, value
	r.Configs = append(r.Configs, cf)
	req.Resources = append(req.Resources, r)
	return req
}

func TestAdminWireAlterConfigsAllVersions(t *testing.T) {
	b := startTestBroker(t, "", nil)
	createTopic(t, b, "ac", 1, nil)
	c := dial(t, b)
	s := kmsg.StringPtr
	for v := int16(0); v <= 2; v++ {
		val := "10000" + string(rune('0'+v))
		r := roundTrip(t, c, alterReq(kmsg.ConfigResourceTypeTopic, "ac", s("retention.ms"), s(val)), v).(*kmsg.AlterConfigsResponse).Resources[0]
		if r.ErrorCode != 0 || r.ErrorMessage != nil {
			t.Fatalf("AlterConfigs v%d: %+v", v, r)
		}
		if info, _ := b.Node().Topic("ac"); info.Configs["retention.ms"] != val {
			t.Fatalf("AlterConfigs v%d: overrides %v", v, info.Configs)
		}
	}
	for v := int16(0); v <= 1; v++ {
		r := roundTrip(t, c, incReq(kmsg.ConfigResourceTypeTopic, "ac", kmsg.IncrementalAlterConfigOpSet, "segment.ms", s("60000")), v).(*kmsg.IncrementalAlterConfigsResponse).Resources[0]
		if r.ErrorCode != 0 {
			t.Fatalf("IncrementalAlterConfigs v%d: %+v", v, r)
		}
		r = roundTrip(t, c, incReq(kmsg.ConfigResourceTypeTopic, "ac", kmsg.IncrementalAlterConfigOpDelete, "segment.ms", nil), v).(*kmsg.IncrementalAlterConfigsResponse).Resources[0]
		if info, _ := b.Node().Topic("ac"); r.ErrorCode != 0 || info.Configs["segment.ms"] != "" || info.Configs["retention.ms"] == "" {
			t.Fatalf("IncrementalAlterConfigs v%d DELETE with a null value: %+v, overrides %v", v, r, info.Configs)
		}
	}
	legacy := []struct {
		req  *kmsg.AlterConfigsRequest
		code int16
		msg  string
	}{
		{alterReq(kmsg.ConfigResourceTypeTopic, "ac", s("retention.ms"), nil), kerr.InvalidRequest.Code, "Null value not supported for : retention.ms"},
		{alterReq(kmsg.ConfigResourceTypeTopic, "ac", s("retention.ms"), s("1"), s("retention.ms"), s("2")), kerr.InvalidRequest.Code, "Error due to duplicate config keys"},
		{alterReq(kmsg.ConfigResourceTypeTopic, "nosuch", s("retention.ms"), s("1")), kerr.UnknownTopicOrPartition.Code, "The topic 'nosuch' does not exist."},
		{alterReq(kmsg.ConfigResourceTypeTopic, "", s("retention.ms"), s("1")), kerr.InvalidRequest.Code, "Default topic resources are not allowed."},
		{alterReq(kmsg.ConfigResourceTypeTopic, "ac", s("no.such"), s("1")), kerr.InvalidConfig.Code, "Unknown topic config name: no.such"},
		{alterReq(kmsg.ConfigResourceTypeBroker, "x", s("log.retention.ms"), s("1")), kerr.InvalidRequest.Code, "Node id must be an integer, but it is: x"},
		{alterReq(kmsg.ConfigResourceTypeBroker, "7", s("log.retention.ms"), s("1")), kerr.InvalidRequest.Code, "Unexpected broker id, expected 0, but received 7"},
		{alterReq(kmsg.ConfigResourceTypeBrokerLogger, "0", s("root"), s("DEBUG")), kerr.InvalidRequest.Code, "Unknown resource type 8"},
	}
	for i, tc := range legacy {
		r := roundTrip(t, c, tc.req, 2).(*kmsg.AlterConfigsResponse).Resources[0]
		if r.ErrorCode != tc.code || str(r.ErrorMessage) != tc.msg {
			t.Errorf("legacy refusal %d: %d %q, want %d %q", i, r.ErrorCode, str(r.ErrorMessage), tc.code, tc.msg)
		}
	}
	if info, _ := b.Node().Topic("ac"); info.Configs["retention.ms"] != "100002" {
		t.Errorf("refused requests changed overrides: %v", info.Configs)
	}
	// The same resource twice: both refused.
	req := alterReq(kmsg.ConfigResourceTypeTopic, "ac", s("retention.ms"), s("5"))
	req.Resources = append(req.Resources, req.Resources[0])
	for _, r := range roundTrip(t, c, req, 2).(*kmsg.AlterConfigsResponse).Resources {
		if r.ErrorCode != kerr.InvalidRequest.Code || str(r.ErrorMessage) != "Each resource must appear at most once." {
			t.Errorf("duplicate resource: %+v", r)
		}
	}
	inc := []struct {
		req  *kmsg.IncrementalAlterConfigsRequest
		code int16
	}{
		{incReq(kmsg.ConfigResourceTypeTopic, "ac", 9, "retention.ms", s("1")), kerr.InvalidRequest.Code},
		{incReq(kmsg.ConfigResourceTypeTopic, "ac", kmsg.IncrementalAlterConfigOpAppend, "retention.ms", s("1")), kerr.InvalidRequest.Code},
		{incReq(kmsg.ConfigResourceTypeTopic, "ac", kmsg.IncrementalAlterConfigOpSet, "retention.ms", nil), kerr.InvalidRequest.Code},
		{incReq(kmsg.ConfigResourceTypeTopic, "ac", kmsg.IncrementalAlterConfigOpSet, "retention.ms", s("-5")), kerr.InvalidConfig.Code},
		{incReq(kmsg.ConfigResourceTypeBroker, "", kmsg.IncrementalAlterConfigOpSet, "log.dirs", s("/x")), kerr.InvalidRequest.Code},
		{incReq(kmsg.ConfigResourceTypeBroker, "", kmsg.IncrementalAlterConfigOpSet, "no.such.broker.config", s("1")), kerr.InvalidConfig.Code},
		{incReq(kmsg.ConfigResourceTypeBrokerLogger, "0", kmsg.IncrementalAlterConfigOpSet, "root", s("DEBUG")), kerr.InvalidRequest.Code},
	}
	for i, tc := range inc {
		r := roundTrip(t, c, tc.req, 1).(*kmsg.IncrementalAlterConfigsResponse).Resources[0]
		if r.ErrorCode != tc.code || r.ErrorMessage == nil || *r.ErrorMessage == "" {
			t.Errorf("incremental refusal %d: %d %s, want %d with a message", i, r.ErrorCode, str(r.ErrorMessage), tc.code)
		}
	}
	// validate_only changes nothing.
	vreq := incReq(kmsg.ConfigResourceTypeTopic, "ac", kmsg.IncrementalAlterConfigOpSet, "retention.ms", s("7"))
	vreq.ValidateOnly = true
	if r := roundTrip(t, c, vreq, 1).(*kmsg.IncrementalAlterConfigsResponse).Resources[0]; r.ErrorCode != 0 {
		t.Errorf("validate-only: %+v", r)
	}
	if info, _ := b.Node().Topic("ac"); info.Configs["retention.ms"] != "100002" {
		t.Errorf("validate-only changed overrides: %v", info.Configs)
	}
}

func TestAdminWireClusterAndLogDirsAllVersions(t *testing.T) {
	b := startTestBroker(t, "", nil)
	createTopic(t, b, "ld", 2, nil)
	c := dial(t, b)
	for v := int16(0); v <= 1; v++ {
		r := roundTrip(t, c, kmsg.NewPtrDescribeClusterRequest(), v).(*kmsg.DescribeClusterResponse)
		if r.ErrorCode != 0 || r.ClusterID != b.Node().ClusterID() || len(r.Brokers) != 1 || r.ClusterAuthorizedOperations != -2147483648 {
			t.Fatalf("DescribeCluster v%d: %+v", v, r)
		}
	}
	for et, code := range map[int8]int16{2: kerr.MismatchedEndpointType.Code, 7: kerr.UnsupportedEndpointType.Code} {
		req := kmsg.NewPtrDescribeClusterRequest()
		req.EndpointType = et
		if r := roundTrip(t, c, req, 1).(*kmsg.DescribeClusterResponse); r.ErrorCode != code || r.ErrorMessage == nil || len(r.Brokers) != 0 {
			t.Errorf("endpoint type %d: %+v", et, r)
		}
	}
	for v := int16(0); v <= 4; v++ {
		r := roundTrip(t, c, kmsg.NewPtrDescribeLogDirsRequest(), v).(*kmsg.DescribeLogDirsResponse)
		if len(r.Dirs) != 1 || r.Dirs[0].ErrorCode != 0 || r.ErrorCode != 0 {
			t.Fatalf("DescribeLogDirs v%d: %+v", v, r)
		}
		d := r.Dirs[0]
		if (v >= 4) != (d.TotalBytes > 0 && d.UsableBytes > 0) {
			t.Errorf("DescribeLogDirs v%d total %d usable %d", v, d.TotalBytes, d.UsableBytes)
		}
		if len(d.Topics) != 1 || d.Topics[0].Topic != "ld" || len(d.Topics[0].Partitions) != 2 || d.Topics[0].Partitions[1].Partition != 1 {
			t.Errorf("DescribeLogDirs v%d topics %+v", v, d.Topics)
		}
	}
}

// TestAdminOfflineLogDir: once writes to one of two log dirs fail, that
// dir is described with KAFKA_STORAGE_ERROR (no partitions, no sizes) and
// DeleteRecords on its partition answers KAFKA_STORAGE_ERROR; the other
// dir is unaffected.
func TestAdminOfflineLogDir(t *testing.T) {
	dirA, dirB := t.TempDir(), t.TempDir()
	cfg, _, err := cluster.ParseBrokerConfig(map[string]string{"listeners": "PLAINTEXT://127.0.0.1:0", "log.dirs": dirA + "," + dirB})
	if err != nil {
		t.Fatal(err)
	}
	efs := errorfs.New(vfs.Default)
	b, err := startTestBrokerWith(testBrokerOptions{Config: cfg, FS: efs})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { closeBroker(t, b) })
	createTopic(t, b, "off", 2, nil)
	bad, good := int32(-1), int32(-1)
	for _, p := range []int32{0, 1} {
		l, _, err := b.Node().Log(adminTP("off", p))
		if err != nil {
			t.Fatal(err)
		}
		if l.Dir() == dirA {
			bad = p
		} else {
			good = p
		}
	}
	if bad < 0 || good < 0 {
		t.Skip("both partitions in one dir: cannot isolate")
	}
	efs.SetInjector(func(op errorfs.Op, path string, _ int64) error {
		if op == errorfs.OpWrite && strings.HasPrefix(path, dirA) {
			return syscall.EIO
		}
		return nil
	})
	c := dial(t, b)
	for _, p := range []int32{bad, good} {
		roundTrip(t, c, produceReq("off", p, 1, buildBatch(t, -1, -1, -1, 3)), 9)
	}
	dirs := roundTrip(t, c, kmsg.NewPtrDescribeLogDirsRequest(), 4).(*kmsg.DescribeLogDirsResponse).Dirs
	if len(dirs) != 2 {
		t.Fatalf("dirs: %+v", dirs)
	}
	for _, d := range dirs {
		switch d.Dir {
		case dirA:
			if d.ErrorCode != kerr.KafkaStorageError.Code || len(d.Topics) != 0 || d.TotalBytes != -1 {
				t.Errorf("offline dir: %+v", d)
			}
		case dirB:
			if d.ErrorCode != 0 || len(d.Topics) != 1 || d.Topics[0].Partitions[0].Partition != good || d.Topics[0].Partitions[0].Size == 0 || d.TotalBytes <= 0 {
				t.Errorf("healthy dir: %+v", d)
			}
		default:
			t.Errorf("unexpected dir %q", d.Dir)
		}
	}
	dr := kmsg.NewPtrDeleteRecordsRequest()
	dr.TimeoutMillis = 5000
	dt := kmsg.NewDeleteRecordsRequestTopic()
	dt.Topic = "off"
	for _, p := range []int32{bad, good} {
		dp := kmsg.NewDeleteRecordsRequestTopicPartition()
		dp.Partition, dp.Offset = p, -1
		dt.Partitions = append(dt.Partitions, dp)
	}
	dr.Topics = append(dr.Topics, dt)
	parts := roundTrip(t, c, dr, 2).(*kmsg.DeleteRecordsResponse).Topics[0].Partitions
	if parts[0].ErrorCode != kerr.KafkaStorageError.Code || parts[1].ErrorCode != 0 || parts[1].LowWatermark != 3 {
		t.Errorf("delete records: %+v", parts)
	}
}

package zkdata

import (
	"errors"
	"os"
	"reflect"
	"strings"
	"testing"
)

// Bytes written by real Kafka 3.x brokers (zkCli.sh `get` output quoted
// in public write-ups), the oracle for the field order emulation.
var kafkaSamples = []struct {
	name string
	got  func() []byte
	want string
}{
	{"broker, one listener", func() []byte {
		return EncodeBroker(BrokerInfo{Endpoints: []Endpoint{{"PLAINTEXT", "kafka", 9092, "PLAINTEXT"}},
			JMXPort: -1, Timestamp: 1647406227247})
	}, `{"features":{},"listener_security_protocol_map":{"PLAINTEXT":"PLAINTEXT"},"endpoints":["PLAINTEXT://kafka:9092"],"jmx_port":-1,"port":9092,"host":"kafka","version":5,"timestamp":"1647406227247"}`},
	{"broker, two listeners", func() []byte {
		return EncodeBroker(BrokerInfo{Endpoints: []Endpoint{{"PLAINTEXT", "kafka-1", 9092, "PLAINTEXT"}, {"PLAINTEXT_HOST", "localhost", 29092, "PLAINTEXT"}},
			JMXPort: -1, Timestamp: 1625336133848})
	}, `{"features":{},"listener_security_protocol_map":{"PLAINTEXT":"PLAINTEXT","PLAINTEXT_HOST":"PLAINTEXT"},"endpoints":["PLAINTEXT://kafka-1:9092","PLAINTEXT_HOST://localhost:29092"],"jmx_port":-1,"port":9092,"host":"kafka-1","version":5,"timestamp":"1625336133848"}`},
	{"topic v3", func() []byte {
		return EncodeTopic(TopicAssignment{TopicID: "cMr3GpVESX2L3byPGf93lQ", Partitions: map[int32]ReplicaAssignment{
			0: {Replicas: []int32{2, 3, 1}}, 1: {Replicas: []int32{3, 1, 2}}, 2: {Replicas: []int32{1, 2, 3}}}})
	}, `{"partitions":{"0":[2,3,1],"1":[3,1,2],"2":[1,2,3]},"topic_id":"cMr3GpVESX2L3byPGf93lQ","adding_replicas":{},"removing_replicas":{},"version":3}`},
	{"partition state", func() []byte {
		return EncodePartitionState(PartitionState{Leader: 2, LeaderEpoch: 0, ControllerEpoch: 1, ISR: []int32{2, 3, 1}})
	}, `{"controller_epoch":1,"leader":2,"version":1,"leader_epoch":0,"isr":[2,3,1]}`},
	{"controller", func() []byte {
		return EncodeController(ControllerInfo{BrokerID: 1, Timestamp: 1704032949256, KRaftControllerEpoch: -1})
	}, `{"version":2,"brokerid":1,"timestamp":"1704032949256","kraftControllerEpoch":-1}`},
	{"config", func() []byte { return EncodeEntityConfig(map[string]string{"flush.messages": "1"}) },
		`{"version":1,"config":{"flush.messages":"1"}}`},
}

func TestEncodeMatchesKafka(t *testing.T) {
	for _, s := range kafkaSamples {
		if got := string(s.got()); got != s.want {
			t.Errorf("%s:\n got %s\nwant %s", s.name, got, s.want)
		}
	}
}

// A 12-partition assignment written by Kafka 3.x lists partition "11"
// first (the hash map has grown to 32 buckets), then "0" to "10".
func TestEncodeTopicManyPartitionsOrder(t *testing.T) {
	ps := map[int32]ReplicaAssignment{}
	for p := int32(0); p < 12; p++ {
		ps[p] = ReplicaAssignment{Replicas: []int32{p % 5}}
	}
	got := string(EncodeTopic(TopicAssignment{Partitions: ps}))
	want := `{"partitions":{"11":[1],"0":[0],"1":[1],"2":[2],"3":[3],"4":[4],"5":[0],"6":[1],"7":[2],"8":[3],"9":[4],"10":[0]},"adding_replicas":{},"removing_replicas":{},"version":3}`
	if got != want {
		t.Fatalf("\n got %s\nwant %s", got, want)
	}
}

func TestEncodeBrokerFourListenersKeepInsertionOrder(t *testing.T) {
	eps := []Endpoint{{"CONTROLPLANE-9090", "h", 9090, "SSL"}, {"REPLICATION-9091", "h", 9091, "SSL"}, {"PLAIN-9092", "h", 9092, "PLAINTEXT"}, {"TLS-9093", "h", 9093, "SSL"}}
	got := string(EncodeBroker(BrokerInfo{Endpoints: eps, JMXPort: -1}))
	if !strings.Contains(got, `"listener_security_protocol_map":{"CONTROLPLANE-9090":"SSL","REPLICATION-9091":"SSL","PLAIN-9092":"PLAINTEXT","TLS-9093":"SSL"}`) {
		t.Fatal(got)
	}
	if !strings.Contains(got, `"port":9092,"host":"h"`) {
		t.Fatalf("top-level host/port are not the PLAINTEXT endpoint's: %s", got)
	}
}

func TestEncodeBrokerWithoutPlaintext(t *testing.T) {
	got := string(EncodeBroker(BrokerInfo{Endpoints: []Endpoint{{"SSL", "h", 9093, "SSL"}}, JMXPort: -1, Rack: "r1"}))
	for _, want := range []string{`"host":null`, `"port":-1`, `"rack":"r1"`} {
		if !strings.Contains(got, want) {
			t.Errorf("missing %s in %s", want, got)
		}
	}
}

// The package documentation shows what the encoders write.
func TestDocShowsEncodings(t *testing.T) {
	doc, err := os.ReadFile("doc.go")
	if err != nil {
		t.Fatal(err)
	}
	for _, b := range [][]byte{
		EncodeClusterID("q1Sh-9_ISia_zwGINzRvyQ"),
		EncodeController(ControllerInfo{BrokerID: 1, Timestamp: 1700000000000, KRaftControllerEpoch: -1}),
		EncodePartitionState(PartitionState{Leader: 1, ControllerEpoch: 1, ISR: []int32{1, 2, 3}}),
		EncodeReassignment(map[TopicPartition][]int32{{"foo", 0}: {1, 2}}),
		EncodePreferredReplicaElection([]TopicPartition{{"foo", 0}}),
		EncodeEntityConfig(map[string]string{"retention.ms": "1000", "cleanup.policy": "compact"}),
		EncodeConfigChange(ConfigChange{ConfigTypeTopic, "foo"}),
		EncodeIsrChange([]TopicPartition{{"foo", 0}}),
		EncodeLogDirEvent(1),
		EncodeProducerIDBlock(ProducerIDBlock{Broker: 1, First: 0, Last: 999}),
		EncodeFeature(Feature{Version: 2, Status: FeatureEnabled}),
	} {
		if !strings.Contains(string(doc), string(b)) {
			t.Errorf("doc.go does not show %s", b)
		}
	}
	// The two wrapped examples, joined.
	var lines []string
	for _, l := range strings.Split(string(doc), "\n") {
		l = strings.TrimPrefix(l, "//")
		lines = append(lines, strings.NewReplacer("│", "", "├──", "", "└──", "").Replace(l))
	}
	flat := strings.Join(strings.Fields(strings.Join(lines, " ")), "")
	for _, b := range [][]byte{
		EncodeBroker(BrokerInfo{Endpoints: []Endpoint{{"PLAINTEXT", "localhost", 9092, "PLAINTEXT"}}, JMXPort: -1, Timestamp: 1700000000000}),
		EncodeTopic(TopicAssignment{TopicID: "ikAub9q6QcW9qUakngNwfQ", Partitions: map[int32]ReplicaAssignment{0: {Replicas: []int32{1, 2, 3}}, 1: {Replicas: []int32{2, 3, 1}}}}),
	} {
		if !strings.Contains(flat, string(b)) {
			t.Errorf("doc.go does not show %s", b)
		}
	}
}

func TestRoundTrips(t *testing.T) {
	b := BrokerInfo{ID: 7, Version: 5, Endpoints: []Endpoint{{"PLAINTEXT", "10.0.0.1", 9092, "PLAINTEXT"}, {"INTERNAL", "fe80::1", 9093, "SASL_SSL"}, {"EXTERNAL", "", 9094, "SSL"}},
		Rack: "r1", JMXPort: 9999, Timestamp: 1700000000123}
	if got, err := DecodeBroker(7, EncodeBroker(b)); err != nil || !reflect.DeepEqual(got, b) {
		t.Errorf("broker: %+v %v\nwant %+v", got, err, b)
	}
	a := TopicAssignment{TopicID: "ikAub9q6QcW9qUakngNwfQ", Partitions: map[int32]ReplicaAssignment{
		0: {Replicas: []int32{1, 2}}, 1: {Replicas: []int32{2, 3}, Adding: []int32{3}, Removing: []int32{1}}}}
	if got, err := DecodeTopic("t", EncodeTopic(a)); err != nil || !reflect.DeepEqual(got, a) {
		t.Errorf("topic: %+v %v", got, err)
	}
	for _, s := range []PartitionState{
		{Leader: 1, LeaderEpoch: 4, ControllerEpoch: 2, ISR: []int32{1, 2}},
		{Leader: -1, LeaderEpoch: 5, ControllerEpoch: 3, ISR: []int32{2}, LeaderRecoveryState: LeaderRecovering},
	} {
		if got, err := DecodePartitionState(TopicPartition{"t", 0}, EncodePartitionState(s)); err != nil || !reflect.DeepEqual(got, s) {
			t.Errorf("state: %+v %v", got, err)
		}
	}
	c := ControllerInfo{BrokerID: 3, Timestamp: 99, KRaftControllerEpoch: -1}
	if got, err := DecodeController(EncodeController(c)); err != nil || got != c {
		t.Errorf("controller: %+v %v", got, err)
	}
	if got, err := DecodeControllerEpoch(EncodeControllerEpoch(12)); err != nil || got != 12 {
		t.Errorf("epoch: %d %v", got, err)
	}
	if got, err := DecodeClusterID(EncodeClusterID("abc")); err != nil || got != "abc" {
		t.Errorf("cluster id: %q %v", got, err)
	}
	cfg := map[string]string{"a": "1", "weird \"key\"\n": "välue\x01"}
	if got, err := DecodeEntityConfig("/config/topics/t", EncodeEntityConfig(cfg)); err != nil || !reflect.DeepEqual(got, cfg) {
		t.Errorf("config: %v %v", got, err)
	}
	cc := ConfigChange{ConfigTypeBroker, DefaultEntity}
	if got, err := DecodeConfigChange("/config/changes/config_change_0000000001", EncodeConfigChange(cc)); err != nil || got != cc {
		t.Errorf("config change: %+v %v", got, err)
	}
	tps := []TopicPartition{{"a", 0}, {"b", 3}}
	if got, err := DecodeIsrChange("/x", EncodeIsrChange(tps)); err != nil || !reflect.DeepEqual(got, tps) {
		t.Errorf("isr change: %v %v", got, err)
	}
	if got, err := DecodePreferredReplicaElection(EncodePreferredReplicaElection(tps)); err != nil || !reflect.DeepEqual(got, tps) {
		t.Errorf("preferred: %v %v", got, err)
	}
	if got, err := DecodeLogDirEvent("/x", EncodeLogDirEvent(4)); err != nil || got != 4 {
		t.Errorf("log dir event: %v %v", got, err)
	}
	r := map[TopicPartition][]int32{{"a", 0}: {1, 2}, {"b", 1}: {3}}
	if got, err := DecodeReassignment(EncodeReassignment(r)); err != nil || !reflect.DeepEqual(got, r) {
		t.Errorf("reassignment: %v %v", got, err)
	}
	pb := ProducerIDBlock{Broker: 2, First: 1000, Last: 1999}
	if got, err := DecodeProducerIDBlock(EncodeProducerIDBlock(pb)); err != nil || got != pb {
		t.Errorf("producer id block: %+v %v", got, err)
	}
	for _, f := range []Feature{{Version: 2, Status: 1, Features: map[string]int16{}}, {Version: 1, Status: 0, Features: map[string]int16{"x": 3, "y": 1}}} {
		if got, err := DecodeFeature(EncodeFeature(f)); err != nil || !reflect.DeepEqual(got, f) {
			t.Errorf("feature: %+v %v", got, err)
		}
	}
}

// Kafka's older formats still decode.
func TestDecodeOlderVersions(t *testing.T) {
	b, err := DecodeBroker(0, []byte(`{"jmx_port":-1,"timestamp":"1456125963355","endpoints":["PLAINTEXT://192.168.7.100:19092"],"host":"192.168.7.100","version":2,"port":19092}`))
	if err != nil || len(b.Endpoints) != 1 || b.Endpoints[0] != (Endpoint{"PLAINTEXT", "192.168.7.100", 19092, "PLAINTEXT"}) {
		t.Errorf("v2 broker: %+v %v", b, err)
	}
	b, err = DecodeBroker(0, []byte(`{"version":1,"host":"h","port":9092,"jmx_port":-1,"timestamp":"1"}`))
	if err != nil || b.Endpoints[0] != (Endpoint{"PLAINTEXT", "h", 9092, "PLAINTEXT"}) {
		t.Errorf("v1 broker: %+v %v", b, err)
	}
	a, err := DecodeTopic("t", []byte(`{"version":2,"partitions":{"2":[3],"1":[3],"0":[3]},"adding_replicas":{},"removing_replicas":{}}`))
	if err != nil || a.TopicID != "" || len(a.Partitions) != 3 {
		t.Errorf("v2 topic: %+v %v", a, err)
	}
	a, err = DecodeTopic("t", []byte(`{"version":1,"partitions":{"0":[1]}}`))
	if err != nil || len(a.Partitions[0].Replicas) != 1 {
		t.Errorf("v1 topic: %+v %v", a, err)
	}
	c, err := DecodeController([]byte(`{"version":1,"brokerid":2,"timestamp":"1673382716473"}`))
	if err != nil || c.BrokerID != 2 || c.KRaftControllerEpoch != -1 {
		t.Errorf("v1 controller: %+v %v", c, err)
	}
	cc, err := DecodeConfigChange("/p", []byte(`{"version":1,"entity_type":"topics","entity_name":"foo"}`))
	if err != nil || cc != (ConfigChange{"topics", "foo"}) {
		t.Errorf("v1 config change: %+v %v", cc, err)
	}
	if cfg, err := DecodeEntityConfig("/p", nil); err != nil || len(cfg) != 0 {
		t.Errorf("empty config znode: %v %v", cfg, err)
	}
}

// Hand-written data with mistakes: each gives a *DecodeError naming the
// znode and the problem.
func TestDecodeErrors(t *testing.T) {
	tp := TopicPartition{"foo", 3}
	for _, c := range []struct {
		name, path, want string
		decode           func() error
	}{
		{"state not json", "/brokers/topics/foo/partitions/3/state", "not a JSON object", func() error {
			_, err := DecodePartitionState(tp, []byte(`{"leader":1,`))
			return err
		}},
		{"state leader string", "/brokers/topics/foo/partitions/3/state", `field "leader": want a 32-bit integer, got "1"`, func() error {
			_, err := DecodePartitionState(tp, []byte(`{"leader":"1","leader_epoch":0,"controller_epoch":1,"isr":[1]}`))
			return err
		}},
		{"state isr missing", "/brokers/topics/foo/partitions/3/state", `field "isr": missing`, func() error {
			_, err := DecodePartitionState(tp, []byte(`{"leader":1,"leader_epoch":0,"controller_epoch":1}`))
			return err
		}},
		{"state isr element", "", `field "isr": element 1: want a 32-bit integer, got 2.5`, func() error {
			_, err := DecodePartitionState(tp, []byte(`{"leader":1,"leader_epoch":0,"controller_epoch":1,"isr":[1,2.5]}`))
			return err
		}},
		{"state epoch too big", "", `field "leader_epoch": want a 32-bit integer, got 4294967296`, func() error {
			_, err := DecodePartitionState(tp, []byte(`{"leader":1,"leader_epoch":4294967296,"controller_epoch":1,"isr":[1]}`))
			return err
		}},
		{"state array", "", "not a JSON object", func() error {
			_, err := DecodePartitionState(tp, []byte(`[1,2]`))
			return err
		}},
		{"state null", "", "null, want a JSON object", func() error {
			_, err := DecodePartitionState(tp, []byte(`null`))
			return err
		}},
		{"state empty", "", "empty", func() error {
			_, err := DecodePartitionState(tp, nil)
			return err
		}},
		{"topic bad partition key", "/brokers/topics/foo", `field "partitions": key "x" is not a partition number`, func() error {
			_, err := DecodeTopic("foo", []byte(`{"version":3,"partitions":{"x":[1]}}`))
			return err
		}},
		{"topic replicas not array", "/brokers/topics/foo", `field "partitions": field "0": want an array of integers, got 1`, func() error {
			_, err := DecodeTopic("foo", []byte(`{"version":3,"partitions":{"0":1}}`))
			return err
		}},
		{"topic bad id", "/brokers/topics/foo", `field "topic_id": "nope" is not a topic id`, func() error {
			_, err := DecodeTopic("foo", []byte(`{"version":3,"partitions":{},"topic_id":"nope"}`))
			return err
		}},
		{"broker no jmx_port", "/brokers/ids/4", `field "jmx_port": missing`, func() error {
			_, err := DecodeBroker(4, []byte(`{"version":5,"endpoints":[]}`))
			return err
		}},
		{"broker bad endpoint", "/brokers/ids/4", `"localhost" is not LISTENER://host:port`, func() error {
			_, err := DecodeBroker(4, []byte(`{"version":5,"jmx_port":-1,"endpoints":["localhost"]}`))
			return err
		}},
		{"broker unknown listener", "/brokers/ids/4", "no security protocol for listener FOO", func() error {
			_, err := DecodeBroker(4, []byte(`{"version":5,"jmx_port":-1,"endpoints":["FOO://h:1"],"listener_security_protocol_map":{"BAR":"SSL"}}`))
			return err
		}},
		{"broker bad protocol", "/brokers/ids/4", `unknown security protocol "TLS"`, func() error {
			_, err := DecodeBroker(4, []byte(`{"version":5,"jmx_port":-1,"endpoints":["FOO://h:1"],"listener_security_protocol_map":{"FOO":"TLS"}}`))
			return err
		}},
		{"controller epoch text", "/controller_epoch", "want a decimal 32-bit integer", func() error {
			_, err := DecodeControllerEpoch([]byte("one"))
			return err
		}},
		{"controller epoch newline", "/controller_epoch", "want a decimal 32-bit integer", func() error {
			_, err := DecodeControllerEpoch([]byte("1\n"))
			return err
		}},
		{"config value number", "/config/topics/foo", `field "config": field "retention.ms": want a string, got 1000`, func() error {
			_, err := DecodeEntityConfig(TopicConfigPath("foo"), []byte(`{"version":1,"config":{"retention.ms":1000}}`))
			return err
		}},
		{"producer block start", "/latest_producer_id_block", `field "block_start": want a decimal 64-bit integer in a string, got "x"`, func() error {
			_, err := DecodeProducerIDBlock([]byte(`{"version":1,"broker":1,"block_start":"x","block_end":"9"}`))
			return err
		}},
		{"producer block inverted", "/latest_producer_id_block", "block [9, 0] is empty or negative", func() error {
			_, err := DecodeProducerIDBlock([]byte(`{"version":1,"broker":1,"block_start":"9","block_end":"0"}`))
			return err
		}},
		{"config change version", "/config/changes/config_change_0000000001", "unsupported config change version 3", func() error {
			_, err := DecodeConfigChange("/config/changes/config_change_0000000001", []byte(`{"version":3}`))
			return err
		}},
		{"isr change element", "/isr", `field "partitions[0]": field "partition": negative partition -1`, func() error {
			_, err := DecodeIsrChange("/isr", []byte(`{"version":1,"partitions":[{"topic":"a","partition":-1}]}`))
			return err
		}},
		{"feature status", "/feature", `field "status": unknown status 7`, func() error {
			_, err := DecodeFeature([]byte(`{"version":2,"status":7,"features":{}}`))
			return err
		}},
		{"cluster id missing", "/cluster/id", `field "id": missing`, func() error {
			_, err := DecodeClusterID([]byte(`{"version":"1"}`))
			return err
		}},
	} {
		err := c.decode()
		var de *DecodeError
		if !errors.As(err, &de) || !errors.Is(err, ErrMalformed) {
			t.Errorf("%s: %v is not a *DecodeError", c.name, err)
			continue
		}
		if c.path != "" && de.Path != c.path {
			t.Errorf("%s: path %q, want %q", c.name, de.Path, c.path)
		}
		if !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: %q does not say %q", c.name, err, c.want)
		}
	}
}

func TestSequenceNumber(t *testing.T) {
	if n, err := SequenceNumber("/config/changes/config_change_0000000012", ConfigChangePrefix); err != nil || n != 12 {
		t.Errorf("%d %v", n, err)
	}
	if SequenceName(IsrChangePrefix, 7) != "isr_change_0000000007" {
		t.Error(SequenceName(IsrChangePrefix, 7))
	}
	for _, bad := range []string{"config_change_", "config_change_x", "other_0000000001", "config_change_-1"} {
		if _, err := SequenceNumber(bad, ConfigChangePrefix); err == nil {
			t.Errorf("%q accepted", bad)
		}
	}
}

func TestJSONStringEscaping(t *testing.T) {
	got := string(appendJSONString(nil, "a\"b\\c\n\t\x01/<>é\xff"))
	want := `"a\"b\\c\n\t\u0001/<>é` + "\uFFFD" + `"`
	if got != want {
		t.Fatalf("got %s want %s", got, want)
	}
}

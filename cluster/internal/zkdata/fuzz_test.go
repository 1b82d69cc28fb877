package zkdata

import (
	"reflect"
	"testing"
)

// FuzzDecode: no decoder panics on any input, and whatever decodes
// encodes to data that decodes to the same value.
func FuzzDecode(f *testing.F) {
	for _, s := range kafkaSamples {
		f.Add(s.got())
	}
	f.Add([]byte(`{"version":1,"partitions":[{"topic":"a","partition":1,"replicas":[1]}]}`))
	f.Add([]byte(`{"version":2,"status":1,"features":{"a":{"max_version_level":2}}}`))
	f.Add([]byte(`{"version":1,"broker":1,"block_start":"0","block_end":"999"}`))
	f.Add([]byte(`{"version":1,"host":"h","port":1,"jmx_port":-1}`))
	f.Add([]byte(`{"version":2,"entity_path":"topics/x"}`))
	f.Add([]byte(`17`))
	f.Fuzz(func(t *testing.T, data []byte) {
		tp := TopicPartition{"t", 0}
		if v, err := DecodeBroker(1, data); err == nil {
			v.Version = BrokerVersion
			if len(v.Features) == 0 {
				v.Features = nil
			}
			got, err := DecodeBroker(1, EncodeBroker(v))
			if len(got.Features) == 0 {
				got.Features = nil
			}
			if err != nil || !reflect.DeepEqual(got, v) {
				t.Fatalf("broker: %+v %v, want %+v", got, err, v)
			}
		}
		if v, err := DecodeTopic("t", data); err == nil {
			got, err := DecodeTopic("t", EncodeTopic(v))
			if err != nil || len(got.Partitions) != len(v.Partitions) || got.TopicID != v.TopicID {
				t.Fatalf("topic: %+v %v, want %+v", got, err, v)
			}
		}
		if v, err := DecodePartitionState(tp, data); err == nil {
			if v.ISR == nil {
				v.ISR = []int32{}
			}
			got, err := DecodePartitionState(tp, EncodePartitionState(v))
			if err != nil || !reflect.DeepEqual(got, v) {
				t.Fatalf("state: %+v %v, want %+v", got, err, v)
			}
		}
		if v, err := DecodeController(data); err == nil {
			if got, err := DecodeController(EncodeController(v)); err != nil || got != v {
				t.Fatalf("controller: %+v %v, want %+v", got, err, v)
			}
		}
		if v, err := DecodeControllerEpoch(data); err == nil {
			if got, err := DecodeControllerEpoch(EncodeControllerEpoch(v)); err != nil || got != v {
				t.Fatalf("epoch: %d %v, want %d", got, err, v)
			}
		}
		if v, err := DecodeClusterID(data); err == nil {
			if got, err := DecodeClusterID(EncodeClusterID(v)); err != nil || (got != v && validUTF8(v)) {
				t.Fatalf("cluster id: %q %v, want %q", got, err, v)
			}
		}
		if v, err := DecodeEntityConfig("/c", data); err == nil {
			if got, err := DecodeEntityConfig("/c", EncodeEntityConfig(v)); err != nil || len(got) != len(v) {
				t.Fatalf("config: %v %v, want %v", got, err, v)
			}
		}
		if v, err := DecodeConfigChange("/c", data); err == nil {
			if _, err := DecodeConfigChange("/c", EncodeConfigChange(v)); err != nil {
				t.Fatalf("config change: %v", err)
			}
		}
		if v, err := DecodeIsrChange("/i", data); err == nil {
			if got, err := DecodeIsrChange("/i", EncodeIsrChange(v)); err != nil || len(got) != len(v) {
				t.Fatalf("isr change: %v %v", got, err)
			}
		}
		if v, err := DecodeLogDirEvent("/l", data); err == nil {
			if got, err := DecodeLogDirEvent("/l", EncodeLogDirEvent(v)); err != nil || got != v {
				t.Fatalf("log dir event: %v %v", got, err)
			}
		}
		if v, err := DecodeReassignment(data); err == nil {
			if got, err := DecodeReassignment(EncodeReassignment(v)); err != nil || len(got) != len(v) {
				t.Fatalf("reassignment: %v %v", got, err)
			}
		}
		if v, err := DecodePreferredReplicaElection(data); err == nil {
			if got, err := DecodePreferredReplicaElection(EncodePreferredReplicaElection(v)); err != nil || len(got) != len(v) {
				t.Fatalf("preferred: %v %v", got, err)
			}
		}
		if v, err := DecodeProducerIDBlock(data); err == nil {
			if got, err := DecodeProducerIDBlock(EncodeProducerIDBlock(v)); err != nil || got != v {
				t.Fatalf("producer ids: %+v %v", got, err)
			}
		}
		if v, err := DecodeFeature(data); err == nil {
			if got, err := DecodeFeature(EncodeFeature(v)); err != nil || !reflect.DeepEqual(got, v) {
				t.Fatalf("feature: %+v %v, want %+v", got, err, v)
			}
		}
	})
}

func validUTF8(s string) bool {
	for _, r := range s {
		if r == 0xFFFD {
			return false
		}
	}
	return true
}

package protocol

import (
	"strings"
	"testing"

	"github.com/twmb/franz-go/pkg/kmsg"

	"sluice/internal/hostile"
)

func metadataReq(auto bool, topics ...string) *kmsg.MetadataRequest {
	req := kmsg.NewPtrMetadataRequest()
	req.AllowAutoTopicCreation = auto
	for _, name := range topics {
		rt := kmsg.NewMetadataRequestTopic()
		rt.Topic = kmsg.StringPtr(name)
		req.Topics = append(req.Topics, rt)
	}
	return req
}

// TestMetadataAutoCreateAnswersLeaderNotAvailable: the Metadata request
// that creates a topic answers LEADER_NOT_AVAILABLE for it, without
// partitions, as Kafka's auto-creation does; the next one shows it.
func TestMetadataAutoCreateAnswersLeaderNotAvailable(t *testing.T) {
	b := startTestBroker(t, "", map[string]string{"auto.create.topics.enable": "true", "num.partitions": "3"})
	c := dial(t, b)
	for v := int16(0); v <= 12; v++ {
		name := "auto-" + string(rune('a'+v))
		first := roundTrip(t, c, metadataReq(true, name), v).(*kmsg.MetadataResponse)
		if len(first.Topics) != 1 || first.Topics[0].ErrorCode != 5 || len(first.Topics[0].Partitions) != 0 {
			t.Fatalf("v%d: creating request answered %+v, want LEADER_NOT_AVAILABLE without partitions", v, first.Topics)
		}
		if _, ok := b.Node().Topic(name); !ok {
			t.Fatalf("v%d: %s not created", v, name)
		}
		next := roundTrip(t, c, metadataReq(true, name), v).(*kmsg.MetadataResponse)
		if len(next.Topics) != 1 || next.Topics[0].ErrorCode != 0 || len(next.Topics[0].Partitions) != 3 {
			t.Fatalf("v%d: next request answered %+v, want the topic with 3 partitions", v, next.Topics)
		}
	}
}

// TestMetadataAuthorizedOperations: without an authorizer Kafka answers
// every supported operation when asked: the seven cluster operations at
// v8-10 (librdkafka's DescribeCluster reads them), the eight topic
// operations for every named topic, found or not (not for unknown ids).
func TestMetadataAuthorizedOperations(t *testing.T) {
	b := startTestBroker(t, "", map[string]string{"auto.create.topics.enable": "false"})
	createTopic(t, b, "ops", 1, nil)
	c := dial(t, b)
	const unset = -2147483648
	const cluster = 1<<5 | 1<<7 | 1<<8 | 1<<9 | 1<<10 | 1<<11 | 1<<12
	const topic = 1<<3 | 1<<4 | 1<<5 | 1<<6 | 1<<7 | 1<<8 | 1<<10 | 1<<11
	for v := int16(8); v <= 12; v++ {
		for _, ask := range []bool{false, true} {
			req := metadataReq(false, "ops", "missing")
			req.IncludeClusterAuthorizedOperations, req.IncludeTopicAuthorizedOperations = ask, ask
			if v >= 10 {
				byID := kmsg.NewMetadataRequestTopic()
				byID.TopicID = [16]byte{9}
				if v >= 12 {
					req.Topics = append(req.Topics, byID)
				}
			}
			resp := roundTrip(t, c, req, v).(*kmsg.MetadataResponse)
			wantCluster, wantTopic := int32(unset), int32(unset)
			if ask {
				wantTopic = topic
				if v <= 10 {
					wantCluster = cluster
				}
			}
			if v <= 10 && resp.AuthorizedOperations != wantCluster {
				t.Errorf("v%d ask=%v: cluster operations %#x, want %#x", v, ask, resp.AuthorizedOperations, wantCluster)
			}
			for _, tp := range resp.Topics {
				want := wantTopic
				if tp.Topic == nil {
					want = unset // unknown topic id
				}
				if tp.AuthorizedOperations != want {
					t.Errorf("v%d ask=%v: topic %v operations %#x, want %#x", v, ask, tp.Topic, tp.AuthorizedOperations, want)
				}
			}
		}
	}
}

// TestMetadataRepeatedTopicAnsweredOnce: a 16 MiB Metadata v1 naming one
// topic 1.8 million times is answered with that topic once (Kafka works
// on a set of names), not with a 75 MB answer.
func TestMetadataRepeatedTopicAnsweredOnce(t *testing.T) {
	b := startTestBroker(t, "", nil)
	createTopic(t, b, "healthy", 1, nil)
	c := dial(t, b)
	if _, err := c.Write(hostile.Frame(3, 1, 1, hostile.RepeatedTopic(16<<20, "healthy"))); err != nil {
		t.Fatal(err)
	}
	frame, err := readFrame(t, c)
	if err != nil {
		t.Fatal(err)
	}
	resp := kmsg.NewPtrMetadataResponse()
	resp.SetVersion(1)
	if err := resp.ReadFrom(frame[4:]); err != nil {
		t.Fatal(err)
	}
	if len(resp.Topics) != 1 || *resp.Topics[0].Topic != "healthy" || resp.Topics[0].ErrorCode != 0 {
		t.Fatalf("answered %d topics: %+v", len(resp.Topics), resp.Topics)
	}
	if len(frame) > 1<<10 {
		t.Fatalf("answer is %d bytes", len(frame))
	}
}

// TestFourPartMessageFormatVersion: a topic created with
// message.format.version=0.10.0.0 (as Kafka's system tests and librdkafka's
// test suite create them) is accepted, as Kafka's validator cuts the value
// to three parts; a version Kafka does not know is refused.
func TestFourPartMessageFormatVersion(t *testing.T) {
	b := startTestBroker(t, "", nil)
	c := dial(t, b)
	for name, want := range map[string]int16{"0.10.0.0": 0, "0.10.5": 40} { // 40 INVALID_CONFIG
		req := createTopicsReq(5000, false, "mfv-"+strings.ReplaceAll(name, ".", "-"))
		cfg := kmsg.NewCreateTopicsRequestTopicConfig()
		cfg.Name, cfg.Value = "message.format.version", kmsg.StringPtr(name)
		req.Topics[0].Configs = append(req.Topics[0].Configs, cfg)
		resp := roundTrip(t, c, req, 5).(*kmsg.CreateTopicsResponse)
		if got := resp.Topics[0].ErrorCode; got != want {
			t.Errorf("message.format.version=%s: error %d (%s), want %d", name, got, str(resp.Topics[0].ErrorMessage), want)
		}
	}
}

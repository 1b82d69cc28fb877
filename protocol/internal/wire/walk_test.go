package wire

import (
	"math/rand/v2"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kmsg"
)

func randBytes(r *rand.Rand, n int) []byte {
	b := make([]byte, n)
	for i := range b {
		b[i] = byte(r.Uint32())
	}
	return b
}

// TestWalkAcceptsWhatKmsgEncodes: random Produce and Fetch requests at
// every flexible version, with unknown tags at every level, pass the walk;
// any truncation of them fails it (or leaves bytes, which also fails).
func TestWalkAcceptsWhatKmsgEncodes(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	var tg kmsg.Tags
	tg.Set(7, randBytes(r, 5))
	for iter := range 50 {
		for v := int16(3); v <= 11; v++ {
			req := kmsg.NewPtrProduceRequest()
			req.SetVersion(v)
			if iter%2 == 0 {
				req.TransactionID = kmsg.StringPtr("txn")
			}
			req.Acks, req.UnknownTags = -1, tg
			for ti := range 1 + r.IntN(3) {
				rt := kmsg.NewProduceRequestTopic()
				rt.Topic = string(rune('a' + ti))
				rt.UnknownTags = tg
				for pi := range r.IntN(3) {
					rp := kmsg.NewProduceRequestTopicPartition()
					rp.Partition = int32(pi)
					if r.IntN(4) > 0 {
						rp.Records = randBytes(r, r.IntN(300))
					}
					rp.UnknownTags = tg
					rt.Partitions = append(rt.Partitions, rp)
				}
				req.Topics = append(req.Topics, rt)
			}
			checkAll(t, 0, v, req.AppendTo(nil))
		}
		for v := int16(4); v <= 16; v++ {
			req := kmsg.NewPtrFetchRequest()
			req.SetVersion(v)
			req.UnknownTags = tg
			if iter%2 == 0 {
				req.ClusterID = kmsg.StringPtr("cluster")
				req.ReplicaState.ID = 3
				req.ReplicaState.UnknownTags = tg
			}
			req.Rack = "rack"
			for ti := range 1 + r.IntN(3) {
				rt := kmsg.NewFetchRequestTopic()
				rt.Topic = string(rune('a' + ti))
				copy(rt.TopicID[:], randBytes(r, 16))
				rt.UnknownTags = tg
				for pi := range r.IntN(3) {
					rp := kmsg.NewFetchRequestTopicPartition()
					rp.Partition, rp.FetchOffset = int32(pi), r.Int64()
					rp.UnknownTags = tg
					rt.Partitions = append(rt.Partitions, rp)
				}
				req.Topics = append(req.Topics, rt)
			}
			ft := kmsg.NewFetchRequestForgottenTopic()
			ft.Topic, ft.Partitions = "gone", []int32{1, 2}
			req.ForgottenTopics = append(req.ForgottenTopics, ft)
			checkAll(t, 1, v, req.AppendTo(nil))
		}
	}
}

func checkAll(t *testing.T, key, v int16, body []byte) {
	t.Helper()
	flexible := (key == 0 && v >= 9) || (key == 1 && v >= 12)
	if suspect, err := CheckBody(key, v, flexible, body); err != nil || suspect {
		t.Fatalf("key %d v%d: valid body refused: %v (suspect %v)", key, v, err, suspect)
	}
	for cut := range len(body) {
		if _, err := CheckBody(key, v, flexible, body[:cut]); err == nil {
			t.Fatalf("key %d v%d: body truncated to %d of %d accepted", key, v, cut, len(body))
		}
	}
}

// TestHugeTagCountIsCaught: the request that stalls kmsg for seconds is
// refused by the walk (Fetch) or flagged suspect (InitProducerId).
func TestHugeTagCountIsCaught(t *testing.T) {
	body := []byte("\x00\x00\x00\x00\x00\xff\xb7\xb7\xb7\xb7\xff\xff\xff\xff\xff\xff\xff\xff\xff\x00")
	if suspect, err := CheckBody(22, 4, true, body); err != nil || !suspect {
		t.Fatalf("InitProducerId v4: suspect %v err %v", suspect, err)
	}
	fetch := append(make([]byte, 4*6+1), 1, 1, 0, 0xff, 0xff, 0xff, 0xff, 0x0f)
	start := time.Now()
	if _, err := CheckBody(1, 12, true, fetch); err == nil {
		t.Fatal("Fetch v12 with 2^32 tags accepted")
	}
	if d := time.Since(start); d > time.Second {
		t.Fatalf("walk took %v", d)
	}
}

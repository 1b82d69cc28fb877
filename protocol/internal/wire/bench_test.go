package wire

import (
	"testing"

	"github.com/twmb/franz-go/pkg/kmsg"
)

// produceBody is a Produce v9 body like franz-go's: one topic, partitions
// of 16 KiB batches.
func produceBody(partitions int) []byte {
	req := kmsg.NewPtrProduceRequest()
	req.SetVersion(9)
	req.Acks = 1
	rt := kmsg.NewProduceRequestTopic()
	rt.Topic = "bench"
	for p := range partitions {
		rp := kmsg.NewProduceRequestTopicPartition()
		rp.Partition, rp.Records = int32(p), make([]byte, 16<<10)
		rt.Partitions = append(rt.Partitions, rp)
	}
	req.Topics = append(req.Topics, rt)
	return req.AppendTo(nil)
}

// BenchmarkDecodeProduce: what the walk adds to kmsg's decode of a
// produce request (bytes are the body's).
func BenchmarkDecodeProduce(b *testing.B) {
	body := produceBody(4)
	b.Run("kmsg", func(b *testing.B) {
		b.SetBytes(int64(len(body)))
		b.ReportAllocs()
		for range b.N {
			req := kmsg.NewPtrProduceRequest()
			req.SetVersion(9)
			if err := req.ReadFrom(body); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("walk", func(b *testing.B) {
		b.SetBytes(int64(len(body)))
		b.ReportAllocs()
		for range b.N {
			if _, err := Check(0, 9, body, DecodeLimit(len(body))); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("decode", func(b *testing.B) {
		b.SetBytes(int64(len(body)))
		b.ReportAllocs()
		for range b.N {
			if _, err := Decode(0, 9, body); err != nil {
				b.Fatal(err)
			}
		}
	})
}

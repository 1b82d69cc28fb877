package protocol

import (
	"fmt"
	"testing"
	"time"

	"sluice/engine"
	"sluice/engine/record"
)

// buildBatch builds an uncompressed batch of n records from a producer.
func buildBatch(t testing.TB, pid int64, epoch int16, seq int32, n int) []byte {
	t.Helper()
	bl := record.NewBuilder(record.BuilderOptions{ProducerID: pid, ProducerEpoch: epoch, BaseSequence: seq})
	for i := range n {
		bl.Add(nil, fmt.Appendf(nil, "r%d", i), time.Now().UnixMilli())
	}
	return bl.Build()
}

func engineTP(topic string, p int32) engine.TopicPartition {
	return engine.TopicPartition{Topic: topic, Partition: p}
}

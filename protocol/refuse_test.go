package protocol

import (
	"testing"

	"github.com/twmb/franz-go/pkg/kmsg"

	"sluice/engine"
	"sluice/internal/hostile"
)

// TestMalformedRequestDropsPipelined: requests pipelined after one that
// cannot be decoded are not run: the connection closes without an answer
// and the produce behind the bad request appends nothing (Kafka reads one
// request at a time and closes at the bad one).
func TestMalformedRequestDropsPipelined(t *testing.T) {
	b := startTestBroker(t, "", nil)
	createTopic(t, b, "after", 1, nil)
	bad, ok := hostile.Body(3, 1, 64<<10, hostile.Announce)
	if !ok {
		t.Fatal("no hostile Metadata body")
	}
	produce := kmsg.NewPtrProduceRequest()
	produce.SetVersion(9)
	produce.Acks, produce.TimeoutMillis = 1, 5000
	rt := kmsg.NewProduceRequestTopic()
	rt.Topic = "after"
	rp := kmsg.NewProduceRequestTopicPartition()
	rp.Records = buildBatch(t, -1, -1, -1, 2)
	rt.Partitions = append(rt.Partitions, rp)
	produce.Topics = append(produce.Topics, rt)
	for range 5 {
		c := dial(t, b)
		frames := append(hostile.Frame(3, 1, 1, bad), rawRequest(produce, 2)...)
		frames = append(frames, rawRequest(produce, 3)...)
		if _, err := c.Write(frames); err != nil {
			t.Fatal(err)
		}
		expectClosed(t, c, "malformed Metadata then produces")
	}
	l, _ := b.Engine().Log(engine.TopicPartition{Topic: "after"})
	if leo := l.LogEndOffset(); leo != 0 {
		t.Fatalf("produces after a malformed request appended: log end %d", leo)
	}
	healthyProduce(t, b)
}

// healthyProduce checks the broker still serves a well-formed produce.
func healthyProduce(t *testing.T, b *testBroker) {
	t.Helper()
	createTopic(t, b, "healthy", 1, nil)
	healthy(t, newKgo(t, b), "still serving")
}

package protocol

import (
	"bytes"
	"context"
	"testing"

	"github.com/twmb/franz-go/pkg/kgo"
)

// TestFetchUsesSendfile: consuming moves the records with sendfile(2):
// the netio sendfile counter grows by at least the records' size while
// the copied-bytes counter does not move.
func TestFetchUsesSendfile(t *testing.T) {
	b := startTestBroker(t, "", nil)
	createTopic(t, b, "sf", 1, nil)
	prod := newKgo(t, b, kgo.DefaultProduceTopic("sf"), kgo.ProducerBatchCompression(kgo.NoCompression()))
	const n, size = 200, 4096
	for i := range n {
		prod.Produce(context.Background(), &kgo.Record{Value: bytes.Repeat([]byte{byte(i)}, size)}, nil)
	}
	if err := prod.Flush(context.Background()); err != nil {
		t.Fatal(err)
	}
	before := b.Stats()
	cons := newKgo(t, b, kgo.ConsumeTopics("sf"), kgo.ConsumeResetOffset(kgo.NewOffset().AtStart()))
	got := consumeN(t, cons, n)
	after := b.Stats()
	if len(got) != n {
		t.Fatalf("consumed %d", len(got))
	}
	sent := after.SendfileBytes - before.SendfileBytes
	copied := after.CopiedBytes - before.CopiedBytes
	t.Logf("sendfile bytes %d, copied bytes %d", sent, copied)
	if sent < n*size || copied != 0 {
		t.Fatalf("sendfile bytes %d (want >= %d), copied %d (want 0)", sent, n*size, copied)
	}
}

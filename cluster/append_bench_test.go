package cluster

import (
	"bytes"
	"context"
	"testing"
	"time"

	"sluice/engine"
	"sluice/engine/record"
)

// BenchmarkAppend compares Node.Append (lookup, checks, HW advance) with
// the engine's Log.Append on the same batch: the difference is what the
// ReplicaManager role costs per produce.
func BenchmarkAppend(b *testing.B) {
	bl := record.NewBuilder(record.DefaultBuilderOptions())
	value := bytes.Repeat([]byte("v"), 1024)
	for i := 0; i < 16; i++ {
		// Current timestamps: the engine rolls on segment.ms measured from
		// the segment's first timestamp to now.
		bl.Add(nil, value, time.Now().UnixMilli())
	}
	batch := bl.Build()
	for _, mode := range []string{"engine", "node"} {
		b.Run(mode, func(b *testing.B) {
			tb := newBenchBroker(b)
			tp := engine.TopicPartition{Topic: "bench"}
			l, _, err := tb.node.Log(tp)
			if err != nil {
				b.Fatal(err)
			}
			b.SetBytes(int64(len(batch)))
			b.ReportAllocs()
			b.ResetTimer()
			buf := make([]byte, len(batch))
			for i := 0; i < b.N; i++ {
				copy(buf, batch) // the engine rewrites the base offset in place
				if mode == "engine" {
					_, err = l.Append(buf, engine.AppendOptions{Origin: engine.OriginClient})
					l.SetHighWatermark(l.LogEndOffset())
				} else {
					_, err = tb.node.Append(context.Background(), tp, buf, 1)
				}
				if err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

type benchBroker struct {
	eng  *engine.Engine
	node *Node
}

func newBenchBroker(b *testing.B) *benchBroker {
	cfg, _, err := ParseBrokerConfig(map[string]string{"log.dirs": b.TempDir()})
	if err != nil {
		b.Fatal(err)
	}
	opts, err := EngineOptions(cfg)
	if err != nil {
		b.Fatal(err)
	}
	opts.DisableBackground = true
	eng, err := engine.Open(opts)
	if err != nil {
		b.Skip(err)
	}
	n, err := Open(cfg, eng, nil)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { n.Close(); eng.Close() })
	if _, err := n.CreateTopic(CreateTopicRequest{Name: "bench", NumPartitions: 1, ReplicationFactor: 1}); err != nil {
		b.Fatal(err)
	}
	return &benchBroker{eng: eng, node: n}
}

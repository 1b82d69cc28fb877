package engine

import (
	"testing"
	"time"

	"sluice/engine/record"
)

func TestOffsetForTimestampAndMaxTimestamp(t *testing.T) {
	env := newEnv(t, 1)
	e := env.open()
	defer e.Close()
	l := mustCreate(t, e, tp0, map[string]string{"segment.bytes": "700", "index.interval.bytes": "100"})
	base := env.clock.Now().UnixMilli()
	// Batch i holds 3 records with timestamps base+10i, +1, +2; batch 7 has
	// the max timestamp (out of order).
	type rec struct{ off, ts int64 }
	var recs []rec
	for i := int64(0); i < 20; i++ {
		ts := base + 10*i
		if i == 7 {
			ts = base + 5000
		}
		r := mustAppend(t, l, env.batch(batchSpec{n: 3, valSize: 50, ts: ts}))
		for k := int64(0); k < 3; k++ {
			recs = append(recs, rec{r.BaseOffset + k, ts + k})
		}
	}
	for target := base - 5; target <= base+5005; target += 1 {
		want := int64(-1)
		for _, r := range recs {
			if r.ts >= target {
				want = r.off
				break
			}
		}
		got, ok := l.OffsetForTimestamp(target)
		if want < 0 {
			if ok {
				t.Fatalf("ts %d: found %+v, want none", target, got)
			}
			continue
		}
		if !ok || got.Offset != want {
			t.Fatalf("OffsetForTimestamp(%d) = %+v %v, want offset %d", target-base, got, ok, want)
		}
		if target > base+200 && target < base+4990 {
			target = base + 4990 // skip the empty stretch
		}
	}
	mx, ok := l.MaxTimestamp()
	if !ok || mx.Offset != 23 || mx.Timestamp != base+5002 {
		t.Fatalf("MaxTimestamp = %+v %v", mx, ok)
	}
}

func TestLogAppendTimeAndRecompression(t *testing.T) {
	env := newEnv(t, 1)
	e := env.open()
	defer e.Close()
	l := mustCreate(t, e, tp0, map[string]string{"message.timestamp.type": "LogAppendTime", "compression.type": "gzip"})
	env.clock.Advance(time.Hour)
	r, err := l.Append(env.batch(batchSpec{n: 5, valSize: 200, ts: 1000, codec: record.Snappy}), AppendOptions{LeaderEpoch: 3})
	if err != nil {
		t.Fatal(err)
	}
	now := env.clock.Now().UnixMilli()
	if r.LogAppendTime != now {
		t.Fatalf("LogAppendTime %d, want %d", r.LogAppendTime, now)
	}
	l.SetHighWatermark(l.LogEndOffset())
	hs := readAll(t, l, 0)
	if len(hs) != 1 || hs[0].Codec() != record.Gzip || !hs[0].LogAppendTime() || hs[0].MaxTimestamp != now ||
		hs[0].PartitionLeaderEpoch != 3 {
		t.Fatalf("stored batch %+v", hs[0])
	}
	if ot, ok := l.OffsetForTimestamp(now); !ok || ot.Offset != 0 || ot.Timestamp != now || ot.LeaderEpoch != 3 {
		t.Fatalf("lookup by append time: %+v %v", ot, ok)
	}
	// compression.type=producer keeps the producer's codec.
	l2 := mustCreate(t, e, TopicPartition{Topic: "p", Partition: 0}, nil)
	mustAppend(t, l2, env.batch(batchSpec{n: 5, valSize: 200, codec: record.LZ4}))
	if hs := readAll(t, l2, 0); hs[0].Codec() != record.LZ4 {
		t.Fatalf("producer codec not kept: %v", hs[0].Codec())
	}
}

func TestReplicationAppendKeepsOffsetsAndEpochs(t *testing.T) {
	env := newEnv(t, 1)
	e := env.open()
	defer e.Close()
	leader := mustCreate(t, e, tp0, nil)
	for i := 0; i < 6; i++ {
		if _, err := leader.Append(env.batch(batchSpec{n: 2, valSize: 30, pid: 4, seq: int32(2 * i)}), AppendOptions{LeaderEpoch: int32(i / 2)}); err != nil {
			t.Fatal(err)
		}
	}
	leader.SetHighWatermark(leader.LogEndOffset())
	r, _ := leader.Read(0, 1<<20, ReadOptions{MaxOffset: -1})
	data, _ := r.AppendTo(nil)
	r.Release()
	follower := mustCreate(t, e, TopicPartition{Topic: "f", Partition: 0}, nil)
	res, err := follower.Append(data, AppendOptions{Origin: OriginReplication})
	if err != nil || res.BaseOffset != 0 || res.LastOffset != 11 || res.RecordCount != 12 {
		t.Fatalf("replicate: %+v %v", res, err)
	}
	if follower.LatestEpoch() != 2 {
		t.Fatalf("follower epoch %d", follower.LatestEpoch())
	}
	for ep := int32(0); ep <= 3; ep++ {
		le, lo := leader.EndOffsetForEpoch(ep)
		fe, fo := follower.EndOffsetForEpoch(ep)
		if le != fe || lo != fo {
			t.Fatalf("epoch %d: leader (%d,%d) follower (%d,%d)", ep, le, lo, fe, fo)
		}
	}
	// Re-sending old offsets is refused; nothing written.
	if _, err := follower.Append(data, AppendOptions{Origin: OriginReplication}); err == nil {
		t.Fatal("replicated batches below the log end accepted")
	}
	// Follower truncation to the leader's epoch end, then catch up.
	if err := follower.TruncateTo(6); err != nil {
		t.Fatal(err)
	}
	if _, lo := follower.EndOffsetForEpoch(1); lo != 6 {
		t.Fatalf("epoch 1 ends at %d after truncation", lo)
	}
}

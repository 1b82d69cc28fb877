package engine

import (
	"encoding/binary"
	"errors"
	"testing"

	"sluice/engine/record"
)

func TestRejectionsLeaveLogByteIdentical(t *testing.T) {
	env := newEnv(t, 1)
	e := env.open()
	defer e.Close()
	plain := mustCreate(t, e, tp0, map[string]string{"max.message.bytes": "5000", "message.timestamp.before.max.ms": "3600000",
		"message.timestamp.after.max.ms": "3600000"})
	compacted := mustCreate(t, e, TopicPartition{Topic: "compacted", Partition: 0}, map[string]string{"cleanup.policy": "compact"})
	for _, l := range []*Log{plain, compacted} {
		mustAppend(t, l, env.batch(batchSpec{n: 3, valSize: 10, keys: []string{"k"}}))
		mustAppend(t, l, env.batch(batchSpec{n: 3, valSize: 10, keys: []string{"k"}, pid: 9, seq: 0}))
	}
	now := env.clock.Now().UnixMilli()
	good := func() []byte { return env.batch(batchSpec{n: 3, valSize: 10, keys: []string{"k"}}) }
	mutate := func(f func(b []byte) []byte) []byte { return f(good()) }
	cases := []struct {
		name string
		log  *Log
		b    []byte
		want error
	}{
		{"bad crc", plain, mutate(func(b []byte) []byte { b[len(b)-1] ^= 1; return b }), record.ErrCorruptMessage},
		{"nonzero base offset", plain, mutate(func(b []byte) []byte { record.SetBaseOffset(b, 7); return b }), record.ErrInvalidRecord},
		{"magic 1", plain, mutate(func(b []byte) []byte { b[16] = 1; return b }), record.ErrInvalidRecord},
		{"truncated", plain, good()[:70], record.ErrCorruptMessage},
		{"two batches", plain, append(good(), good()...), record.ErrInvalidRecord},
		{"too large", plain, env.batch(batchSpec{n: 10, valSize: 1000}), record.ErrMessageTooLarge},
		{"count mismatch", plain, mutate(func(b []byte) []byte {
			binary.BigEndian.PutUint32(b[57:], 4)
			record.UpdateCRC(b)
			return b
		}), record.ErrInvalidRecord},
		{"lastOffsetDelta mismatch", plain, mutate(func(b []byte) []byte {
			binary.BigEndian.PutUint32(b[23:], 5)
			record.UpdateCRC(b)
			return b
		}), record.ErrInvalidRecord},
		{"control batch from client", plain, mutate(func(b []byte) []byte {
			binary.BigEndian.PutUint16(b[21:], binary.BigEndian.Uint16(b[21:])|0x20)
			record.UpdateCRC(b)
			return b
		}), record.ErrInvalidRecord},
		{"corrupt gzip payload", plain, func() []byte {
			b := env.batch(batchSpec{n: 3, valSize: 100, codec: record.Gzip})
			b[record.HeaderSize+12] ^= 0xff
			record.UpdateCRC(b)
			return b
		}(), record.ErrCorruptMessage},
		{"timestamp too old", plain, env.batch(batchSpec{n: 2, valSize: 10, ts: now - 7200_000}), record.ErrInvalidTimestamp},
		{"timestamp too new", plain, env.batch(batchSpec{n: 2, valSize: 10, ts: now + 7200_000}), record.ErrInvalidTimestamp},
		{"null key on compacted topic", compacted, env.batch(batchSpec{n: 2, valSize: 10}), record.ErrInvalidRecord},
		{"sequence gap", plain, env.batch(batchSpec{n: 2, valSize: 10, pid: 9, seq: 7}), ErrOutOfOrderSequence},
		{"old producer epoch", plain, func() []byte {
			mustAppend(t, plain, env.batch(batchSpec{n: 1, valSize: 10, pid: 10, epoch: 3, seq: 0}))
			return env.batch(batchSpec{n: 1, valSize: 10, pid: 10, epoch: 2, seq: 1})
		}(), ErrInvalidProducerEpoch},
		{"new epoch not at sequence 0", plain, env.batch(batchSpec{n: 1, valSize: 10, pid: 9, epoch: 1, seq: 3}), ErrOutOfOrderSequence},
	}
	for _, c := range cases {
		before := snapshotDir(t, env.dirs[0])
		leo := c.log.LogEndOffset()
		_, err := c.log.Append(c.b, AppendOptions{})
		if !errors.Is(err, c.want) {
			t.Errorf("%s: err = %v, want %v", c.name, err, c.want)
		}
		after := snapshotDir(t, env.dirs[0])
		if c.log.LogEndOffset() != leo {
			t.Errorf("%s: log end moved %d -> %d", c.name, leo, c.log.LogEndOffset())
		}
		if len(before) != len(after) {
			t.Errorf("%s: files changed: %v -> %v", c.name, sortedKeys(before), sortedKeys(after))
		}
		for p, b := range before {
			if after[p] != b {
				t.Errorf("%s: %s changed", c.name, p)
			}
		}
	}
}

func TestIdempotentDuplicateReturnsOriginalOffsets(t *testing.T) {
	env := newEnv(t, 1)
	e := env.open()
	l := mustCreate(t, e, tp0, map[string]string{"segment.bytes": "1000"})
	var firsts []AppendResult
	seq := int32(0)
	for i := 0; i < 8; i++ {
		r := mustAppend(t, l, env.batch(batchSpec{n: 4, valSize: 50, pid: 42, seq: seq}))
		firsts = append(firsts, r)
		seq += 4
	}
	leo := l.LogEndOffset()
	// The last five batches are recognised as duplicates.
	for i := 3; i < 8; i++ {
		r, err := l.Append(env.batch(batchSpec{n: 4, valSize: 50, pid: 42, seq: int32(i * 4)}), AppendOptions{})
		if err != nil || !r.Duplicate || r.BaseOffset != firsts[i].BaseOffset || r.LastOffset != firsts[i].LastOffset {
			t.Fatalf("resend %d: %+v %v", i, r, err)
		}
	}
	if l.LogEndOffset() != leo {
		t.Fatal("duplicate appended")
	}
	// The state survives a restart (snapshot + replay) and an unclean one.
	e.Close()
	e = env.open()
	l, _ = e.Log(tp0)
	r, err := l.Append(env.batch(batchSpec{n: 4, valSize: 50, pid: 42, seq: 28}), AppendOptions{})
	if err != nil || !r.Duplicate || r.BaseOffset != firsts[7].BaseOffset {
		t.Fatalf("after reopen: %+v %v", r, err)
	}
	if _, err := l.Append(env.batch(batchSpec{n: 4, valSize: 50, pid: 42, seq: 40}), AppendOptions{}); !errors.Is(err, ErrOutOfOrderSequence) {
		t.Fatalf("gap after reopen: %v", err)
	}
	mustAppend(t, l, env.batch(batchSpec{n: 4, valSize: 50, pid: 42, seq: 32}))
	e.Close()
}

package handlers

// The Fetch response is encoded by hand: kmsg's encoder would copy every
// record into the response buffer. Here the fixed fields go into one
// memory buffer and each partition's records stay file ranges that netio
// sends with sendfile(2). The chunks alternate
//
//	mem: throttle, error, session, topics..., partition fields, records length
//	file ranges of that partition's batches (engine.ReadResult.Ranges)
//	mem: partition tags, next partition's fields ...
//	mem: trailing tags
//
// Layout by version (flexible = v12+: compact strings/arrays, tag sections):
//
//	throttle_ms int32 (v1+) | error_code int16 (v7+) | session_id int32 (v7+)
//	topics [ topic string (v0-12) | topic_id uuid (v13+)
//	         partitions [ partition int32 | error_code int16 | high_watermark int64
//	                      last_stable_offset int64 (v4+) | log_start_offset int64 (v5+)
//	                      aborted_transactions nullable [producer_id int64, first_offset int64] (v4+)
//	                      preferred_read_replica int32 (v11+, -1: none) | records nullable bytes
//	                      tags: diverging_epoch (tag 0: epoch int32, end_offset int64, tags),
//	                            only for a follower told to truncate ] tags ]
//	tags (node_endpoints, tag 0, v16+: not sent)

import (
	"sluice/cluster"
	"sluice/engine"
	"sluice/netio"
	"sluice/protocol/internal/wire"
)

// fetchPart is one partition of the answer.
type fetchPart struct {
	partition int32
	errCode   int16
	hw        int64
	lso       int64
	logStart  int64
	// abortedNull: aborted_transactions is null (read_uncommitted) rather
	// than an empty array (read_committed; Sluice has no transactions).
	abortedNull bool
	rr          *engine.ReadResult // nil: no records
	// preferred (v11+): the replica the consumer should fetch from
	// instead (KIP-392); nil sends -1.
	preferred *int32
	// diverging (v12+, followers): the epoch and end offset the follower
	// truncates to; nil: none (the tag is not sent).
	diverging *cluster.EpochEndOffset
}

type fetchTopic struct {
	name  string
	id    [16]byte
	parts []fetchPart
}

type fetchAnswer struct {
	version   int16
	errCode   int16
	sessionID int32
	topics    []fetchTopic
}

// encode returns the body chunks and their total size. The memory chunks
// share one buffer. The caller releases the ReadResults after writing.
func (a *fetchAnswer) encode() ([]netio.Chunk, int64) {
	v := a.version
	flex := v >= 12
	nranges := 0
	for i := range a.topics {
		for j := range a.topics[i].parts {
			if rr := a.topics[i].parts[j].rr; rr != nil {
				nranges += len(rr.Ranges)
			}
		}
	}
	buf := make([]byte, 0, 32+len(a.topics)*64)
	// marks[i] ends memory chunk i; ranges follow it.
	type mark struct {
		end int
		rr  *engine.ReadResult
	}
	marks := make([]mark, 0, 4)
	if v >= 1 {
		buf = wire.AppendInt32(buf, 0)
	}
	if v >= 7 {
		buf = wire.AppendInt16(buf, a.errCode)
		buf = wire.AppendInt32(buf, a.sessionID)
	}
	buf = wire.AppendArrayLen(buf, len(a.topics), flex)
	for i := range a.topics {
		t := &a.topics[i]
		if v >= 13 {
			buf = append(buf, t.id[:]...)
		} else {
			buf = wire.AppendString(buf, t.name, flex)
		}
		buf = wire.AppendArrayLen(buf, len(t.parts), flex)
		for j := range t.parts {
			p := &t.parts[j]
			buf = wire.AppendInt32(buf, p.partition)
			buf = wire.AppendInt16(buf, p.errCode)
			buf = wire.AppendInt64(buf, p.hw)
			if v >= 4 {
				buf = wire.AppendInt64(buf, p.lso)
			}
			if v >= 5 {
				buf = wire.AppendInt64(buf, p.logStart)
			}
			if v >= 4 {
				if p.abortedNull {
					buf = wire.AppendArrayLen(buf, -1, flex)
				} else {
					buf = wire.AppendArrayLen(buf, 0, flex)
				}
			}
			if v >= 11 {
				pref := int32(-1)
				if p.preferred != nil {
					pref = *p.preferred
				}
				buf = wire.AppendInt32(buf, pref)
			}
			switch {
			case p.rr != nil && rangesLen(p.rr) > 0:
				buf = wire.AppendBytesLen(buf, rangesLen(p.rr), flex)
				marks = append(marks, mark{len(buf), p.rr})
			default: // empty, also for errors (as Kafka: MemoryRecords.EMPTY)
				buf = wire.AppendBytesLen(buf, 0, flex)
			}
			if flex {
				buf = appendPartitionTags(buf, p)
			}
		}
		if flex {
			buf = append(buf, 0)
		}
	}
	if flex {
		buf = append(buf, 0)
	}
	chunks := make([]netio.Chunk, 0, 2*len(marks)+1+nranges)
	total := int64(len(buf))
	start := 0
	for _, m := range marks {
		chunks = append(chunks, netio.Chunk{Mem: buf[start:m.end:m.end]})
		for _, r := range m.rr.Ranges {
			chunks = append(chunks, netio.Chunk{File: r.File, Off: r.Offset, Len: r.Length})
			total += r.Length
		}
		start = m.end
	}
	if start < len(buf) {
		chunks = append(chunks, netio.Chunk{Mem: buf[start:]})
	}
	return chunks, total
}

// release drops every ReadResult of the answer.
func (a *fetchAnswer) release() {
	for i := range a.topics {
		for j := range a.topics[i].parts {
			if rr := a.topics[i].parts[j].rr; rr != nil {
				rr.Release()
				a.topics[i].parts[j].rr = nil
			}
		}
	}
}

func rangesLen(rr *engine.ReadResult) int64 {
	var n int64
	for _, r := range rr.Ranges {
		n += r.Length
	}
	return n
}

// appendPartitionTags writes a partition's tag section: diverging_epoch
// (tag 0) when set, else nothing. current_leader (1) and snapshot_id (2)
// are never sent (their defaults).
func appendPartitionTags(buf []byte, p *fetchPart) []byte {
	if p.diverging == nil {
		return append(buf, 0)
	}
	buf = append(buf, 1, 0, 13) // one tag: tag 0, 13 bytes
	buf = wire.AppendInt32(buf, p.diverging.Epoch)
	buf = wire.AppendInt64(buf, p.diverging.EndOffset)
	return append(buf, 0) // the value's own (empty) tag section
}

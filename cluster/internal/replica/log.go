package replica

// Log is what the machine reads of the local replica's log. It never writes
// through it: mutations are actions the caller applies, in order, before
// the next event. *engine.Log satisfies it; the semantics are engine's
// (Kafka's UnifiedLog and LeaderEpochFileCache):
//
//   - LogStartOffset: the first offset still in the log.
//   - LogEndOffset (LEO): the offset the next record will get.
//   - HighWatermark: the offset below which records are committed, clamped
//     by the log to [LogStartOffset, LogEndOffset]; restored at start from
//     the replication-offset-checkpoint, so it may lag after a crash.
//   - LatestEpoch: the largest leader epoch in the leader-epoch cache, -1
//     when the cache is empty.
//   - EndOffsetForEpoch(e): OffsetForLeaderEpoch's answer from the cache:
//     (e, LEO) when e is the latest epoch; (largest epoch <= e, start
//     offset of the first epoch > e) otherwise; (e, first start offset)
//     when e is below every cached epoch; (-1, -1) when e is above every
//     cached epoch or the cache is empty.
type Log interface {
	LogStartOffset() int64
	LogEndOffset() int64
	HighWatermark() int64
	LatestEpoch() int32
	EndOffsetForEpoch(epoch int32) (int32, int64)
}

// EpochEndOffset is a leader epoch and its end offset: Fetch's
// DivergingEpoch and OffsetForLeaderEpoch's answer. Epoch -1 means none.
type EpochEndOffset struct {
	Epoch     int32
	EndOffset int64
}

// NoEpoch is the EpochEndOffset of "no diverging epoch" / "unknown epoch".
var NoEpoch = EpochEndOffset{Epoch: -1, EndOffset: -1}

// Present reports whether a Fetch response's DivergingEpoch is set (Kafka's
// FetchResponse.isDivergingEpoch: epoch >= 0).
func (e EpochEndOffset) Present() bool { return e.Epoch >= 0 }

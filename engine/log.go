package engine

// Log is one partition's log.
type Log struct {
	tp TopicPartition
}

// ReadResult is the answer to Read: file ranges aligned to batch
// boundaries. The ranges hold references on their segments until Release.
type ReadResult struct {
	Ranges []FileRange
	Size   int64
}

// Release drops the segment references; the ranges must not be used after.
func (r *ReadResult) Release() {}

// AppendTo copies the ranges' bytes to dst (the copying path).
func (r *ReadResult) AppendTo(dst []byte) ([]byte, error) { return dst, ErrNotImplemented }

func (l *Log) TopicPartition() TopicPartition { return l.tp }
func (l *Log) TopicID() [16]byte              { return [16]byte{} }
func (l *Log) Dir() string                    { return "" }
func (l *Log) Config() TopicConfig            { return TopicConfig{} }
func (l *Log) SetConfig(cfg TopicConfig)      {}
func (l *Log) Append(records []byte, o AppendOptions) (AppendResult, error) {
	return AppendResult{}, ErrNotImplemented
}
func (l *Log) Read(offset int64, maxBytes int32, o ReadOptions) (*ReadResult, error) {
	return nil, ErrNotImplemented
}
func (l *Log) LogStartOffset() int64     { return 0 }
func (l *Log) LogEndOffset() int64       { return 0 }
func (l *Log) HighWatermark() int64      { return 0 }
func (l *Log) SetHighWatermark(hw int64) {}
func (l *Log) Wait() <-chan struct{}     { return nil }
func (l *Log) Size() int64               { return 0 }
func (l *Log) OffsetForTimestamp(ts int64) (OffsetAndTimestamp, bool) {
	return OffsetAndTimestamp{}, false
}
func (l *Log) MaxTimestamp() (OffsetAndTimestamp, bool)        { return OffsetAndTimestamp{}, false }
func (l *Log) DeleteRecordsBefore(offset int64) (int64, error) { return 0, ErrNotImplemented }
func (l *Log) TruncateTo(offset int64) error                   { return ErrNotImplemented }
func (l *Log) EndOffsetForEpoch(epoch int32) (int32, int64)    { return -1, -1 }
func (l *Log) LatestEpoch() int32                              { return -1 }
func (l *Log) Flush() error                                    { return ErrNotImplemented }
func (l *Log) Offline() bool                                   { return false }

package engine

// AssignEpoch records in the leader-epoch cache that leader epoch starts
// at offset, when it is newer than the latest epoch there (Kafka's
// maybeAssignEpochStartOffset): a new leader calls it with its log end, so
// that OffsetForLeaderEpoch and a follower's DivergingEpoch see the new
// epoch before its first record.
func (l *Log) AssignEpoch(epoch int32, offset int64) error {
	l.mu.Lock()
	defer l.mu.Unlock()
	if err := l.checkWritableLocked(); err != nil {
		return err
	}
	if !l.mu.epochs.assign(epoch, offset) {
		return nil
	}
	if err := l.writeEpochsLocked(); err != nil {
		return l.storageErr("leader-epoch-checkpoint", err)
	}
	return nil
}

// TruncateFullyAt deletes every record and restarts the log empty at
// offset (log start, log end and high watermark all offset), also when
// offset is beyond the log end: a follower that fell behind the leader's
// log start starts over from it. It is crash-safe as TruncateTo (the same
// intent record).
func (l *Log) TruncateFullyAt(offset int64) error {
	cfg := l.cfg.Load()
	l.mu.Lock()
	defer l.mu.Unlock()
	if err := l.checkWritableLocked(); err != nil {
		return err
	}
	if err := l.writeTruncateIntent(offset, true); err != nil {
		return l.diskErr("truncate intent", err)
	}
	if err := l.truncateFullyLocked(offset, cfg); err != nil {
		return err
	}
	if err := l.dropTruncateIntent(); err != nil {
		return l.storageErr("truncate", err)
	}
	return l.afterTruncateLocked(offset)
}

// AdvanceLogStart moves a follower's log start to the leader's (retention
// or DeleteRecords there), at most to the log end, raising the high
// watermark with it; segments wholly below it are deleted.
func (l *Log) AdvanceLogStart(offset int64) (int64, error) {
	l.mu.Lock()
	if err := l.checkWritableLocked(); err != nil {
		l.mu.Unlock()
		return 0, err
	}
	offset = min(offset, l.leo.Load())
	if offset <= l.logStart.Load() {
		start := l.logStart.Load()
		l.mu.Unlock()
		return start, nil
	}
	return l.advanceLogStartLocked(offset)
}

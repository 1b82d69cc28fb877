package engine

import (
	"fmt"
	"path/filepath"

	"sluice/engine/internal/checkpoint"
)

// readDirCheckpoints reads the four offset checkpoint files of a dir.
func (e *Engine) readDirCheckpoints(d *logDir) map[TopicPartition]dirState {
	out := map[TopicPartition]dirState{}
	for _, f := range []struct {
		name string
		set  func(*dirState, int64)
	}{
		{recoveryPointFile, func(s *dirState, o int64) { s.recoveryPoint, s.haveRP = o, true }},
		{logStartOffsetFile, func(s *dirState, o int64) { s.logStart, s.haveLS = o, true }},
		{replicationOffsetFile, func(s *dirState, o int64) { s.hw, s.haveHW = o, true }},
		{cleanerOffsetFile, func(s *dirState, o int64) { s.cleanerOffset, s.haveCO = o, true }},
	} {
		data, err := checkpoint.Read(e.fs, filepath.Join(d.path, f.name))
		if err != nil {
			continue
		}
		entries, err := checkpoint.ParseOffsets(data)
		if err != nil {
			e.opts.Logger.Warn("ignoring corrupt checkpoint", "component", "engine", "file", f.name, "dir", d.path, "err", err)
			continue
		}
		for _, en := range entries {
			tp := TopicPartition{Topic: en.Topic, Partition: en.Partition}
			st := out[tp]
			f.set(&st, en.Offset)
			out[tp] = st
		}
	}
	return out
}

// checkpointDir writes the dir's recovery-point, log-start, replication
// (high watermark) and cleaner offset checkpoints. Out of space, it
// releases the dir's reserved blocks and tries once more; if that fails
// too the dir is marked full (the previous files stay as they were) and
// ErrDiskFull returned. Other failures take the dir offline.
// REQUIRES: no Log.mu held.
func (e *Engine) checkpointDir(d *logDir) error {
	err := e.writeCheckpoints(d)
	if isNoSpace(err) && (e.releaseReservations(d) > 0 || e.releaseSpare(d)) {
		err = e.writeCheckpoints(d)
	}
	if err != nil {
		return e.diskErr(d, "checkpoint", d.path, err)
	}
	return nil
}

func (e *Engine) writeCheckpoints(d *logDir) error {
	if !d.online.Load() {
		return nil
	}
	d.ckMu.Lock()
	defer d.ckMu.Unlock()
	var rp, ls, hw, co []checkpoint.Offset
	for _, l := range e.Logs() {
		if l.logDir() != d {
			continue
		}
		tp := l.tp
		rp = append(rp, checkpoint.Offset{Topic: tp.Topic, Partition: tp.Partition, Offset: l.recoveryPoint.Load()})
		ls = append(ls, checkpoint.Offset{Topic: tp.Topic, Partition: tp.Partition, Offset: l.logStart.Load()})
		hw = append(hw, checkpoint.Offset{Topic: tp.Topic, Partition: tp.Partition, Offset: l.hw.Load()})
		if l.cfg.Load().CleanupPolicy.Compact() {
			co = append(co, checkpoint.Offset{Topic: tp.Topic, Partition: tp.Partition, Offset: l.cleanerOffset.Load()})
		}
	}
	for _, f := range []struct {
		name    string
		entries []checkpoint.Offset
	}{{recoveryPointFile, rp}, {logStartOffsetFile, ls}, {replicationOffsetFile, hw}, {cleanerOffsetFile, co}} {
		if err := checkpoint.Write(e.fs, filepath.Join(d.path, f.name), checkpoint.FormatOffsets(f.entries)); err != nil {
			return fmt.Errorf("%s: %w", f.name, err)
		}
	}
	return nil
}

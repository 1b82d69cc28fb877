package engine

import (
	"errors"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strconv"
	"strings"

	"sluice/engine/internal/checkpoint"
	"sluice/engine/internal/producer"
	"sluice/engine/internal/segment"
	"sluice/engine/record"
)

// dirState is what the log dir's checkpoint files say about a partition.
type dirState struct {
	clean                          bool
	recoveryPoint, logStart, hw    int64
	cleanerOffset                  int64
	haveRP, haveLS, haveHW, haveCO bool
}

// newLog builds the Log value (not yet loaded).
func (e *Engine) newLog(d *logDir, tp TopicPartition, topicID [16]byte, cfg TopicConfig) *Log {
	l := &Log{eng: e, tp: tp, topicID: topicID, name: partitionDirName(tp)}
	l.loc.Store(&logLoc{dir: d, path: filepath.Join(d.path, l.name)})
	if cfg.isZero() {
		cfg = e.opts.Defaults
	}
	l.cfg.Store(&cfg)
	l.mu.producers = producer.NewState()
	l.lastFlushMs.Store(e.opts.Now().UnixMilli())
	return l
}

// openLog loads a partition dir: segments (recovering those past the
// recovery point after an unclean shutdown), leader epochs, producer state
// and offsets.
func (e *Engine) openLog(d *logDir, tp TopicPartition, cfg TopicConfig, st dirState) (*Log, error) {
	path := filepath.Join(d.path, partitionDirName(tp))
	var topicID [16]byte
	if data, err := checkpoint.Read(e.fs, filepath.Join(path, partitionMetadataFile)); err == nil {
		if topicID, err = parsePartitionMetadata(data); err != nil {
			return nil, err
		}
	}
	l := e.newLog(d, tp, topicID, cfg)
	c := l.cfg.Load()
	bases, err := l.cleanDirAndListSegments()
	if err != nil {
		return nil, err
	}
	cutAt, cutFully, cutPending, err := readTruncateIntent(l)
	if err != nil {
		return nil, err
	}
	if cutPending {
		// A TruncateTo interrupted by a crash: finish it (truncate.go).
		if bases, err = l.dropSegmentFilesFrom(cutAt, cutFully, bases); err != nil {
			return nil, err
		}
		if cutFully {
			st.logStart, st.haveLS = cutAt, true
		}
	}
	var epochsOnDisk []checkpoint.Epoch
	if data, err := checkpoint.Read(e.fs, filepath.Join(path, leaderEpochFile)); err == nil {
		if eps, err := checkpoint.ParseEpochs(data); err == nil {
			for _, ep := range eps {
				l.mu.epochs.assign(ep.Epoch, ep.StartOffset)
			}
			epochsOnDisk = eps
		} else {
			e.opts.Logger.Warn("ignoring corrupt leader-epoch-checkpoint", "component", "engine", "partition", l.name, "err", err)
		}
	}
	rp := int64(0)
	if st.haveRP {
		rp = st.recoveryPoint
	}
	now := e.opts.Now()
	onBatch := func(h *record.Header, _ int64) { l.mu.epochs.assign(h.PartitionLeaderEpoch, h.BaseOffset) }
	for i, base := range bases {
		s, err := segment.Open(e.fs, path, base, c.SegmentIndexBytes, now)
		if err != nil {
			l.releaseAll()
			return nil, err
		}
		s.SetReservations(d.res)
		l.mu.segs = append(l.mu.segs, s)
		last := i == len(bases)-1
		limit := int64(math.MaxInt64)
		if !last {
			limit = bases[i+1]
		}
		recover := !st.clean && (last || limit > rp)
		if recover {
			minOff := base
			if i > 0 {
				minOff = max(minOff, l.mu.segs[i-1].Next())
			}
			cut, err := s.Recover(minOff, limit, c.IndexIntervalBytes, onBatch)
			if err != nil {
				l.releaseAll()
				return nil, err
			}
			if err := s.Sync(); err != nil {
				l.releaseAll()
				return nil, err
			}
			if cut > 0 {
				// Everything after the first bad batch goes (Kafka's
				// recovery does the same); say exactly what.
				l.logRecoveryCut(s, cut, bases[i+1:])
				for _, b := range bases[i+1:] {
					for _, suf := range []string{segment.LogSuffix, segment.IndexSuffix, segment.TimeIndexSuffix} {
						_ = e.fs.Remove(filepath.Join(path, segment.FileName(b, suf)))
					}
				}
				break
			}
			if !last {
				if err := s.WriteIndexes(false); err != nil {
					l.releaseAll()
					return nil, err
				}
			}
		} else {
			rep, err := s.Load(limit, c.IndexIntervalBytes, nil)
			if err != nil {
				l.releaseAll()
				return nil, err
			}
			if rep.Corrupt {
				l.logLoadCorruption(s, rep)
			}
		}
	}
	// Drop empty non-active segments left by the cut, and check ordering.
	if len(l.mu.segs) == 0 {
		start := int64(0)
		if st.haveLS {
			start = st.logStart
		}
		s, err := segment.Create(e.fs, path, start, c.SegmentIndexBytes, "", now)
		if err != nil {
			return nil, err
		}
		s.SetReservations(d.res)
		l.mu.segs = []*segment.Segment{s}
		l.dirDirty.Store(true)
	}
	for i := 1; i < len(l.mu.segs); i++ {
		if l.mu.segs[i].Base() < l.mu.segs[i-1].Next() {
			l.releaseAll()
			return nil, fmt.Errorf("%w: segment %d overlaps the previous one (ends at %d)", ErrCorruptLog,
				l.mu.segs[i].Base(), l.mu.segs[i-1].Next())
		}
	}
	act := l.active()
	if cutPending {
		if act.Next() > cutAt {
			if _, err := act.TruncateTo(cutAt, c.IndexIntervalBytes); err != nil {
				l.releaseAll()
				return nil, err
			}
		}
		if err := act.Sync(); err != nil {
			l.releaseAll()
			return nil, err
		}
		if err := l.dropTruncateIntent(); err != nil {
			l.releaseAll()
			return nil, err
		}
		e.opts.Logger.Warn("completed a truncation interrupted by a crash", "component", "engine", "partition", l.name,
			"offset", cutAt, "logEndOffset", max(act.Next(), act.Base()))
	}
	if err := act.Preallocate(); err != nil {
		l.releaseAll()
		return nil, err
	}
	leo := max(act.Next(), act.Base())
	l.leo.Store(leo)
	start := l.mu.segs[0].Base()
	if st.haveLS {
		start = max(start, min(st.logStart, leo))
	}
	l.logStart.Store(start)
	hw := start
	if st.haveHW {
		hw = max(start, min(st.hw, leo))
	}
	l.hw.Store(hw)
	if st.clean {
		rp = leo
	} else {
		rp = leo // recovered segments were fsynced above
	}
	l.recoveryPoint.Store(rp)
	l.flushed.Store(rp)
	if st.haveCO {
		l.cleanerOffset.Store(max(start, min(st.cleanerOffset, leo)))
	} else {
		l.cleanerOffset.Store(start)
	}
	loaded := append([]checkpoint.Epoch(nil), epochsOnDisk...)
	l.mu.epochs.truncateFromEnd(leo)
	l.mu.epochs.truncateFromStart(start)
	if slices.Equal(loaded, l.mu.epochs.entries) && len(loaded) > 0 {
		// unchanged: no rewrite
	} else if err := l.writeEpochsLocked(); err != nil {
		l.releaseAll()
		return nil, err
	}
	if err := l.rebuildProducersLocked(); err != nil {
		l.releaseAll()
		return nil, err
	}
	l.updateSizeLocked()
	return l, nil
}

// dropSegmentFilesFrom removes the files of the segments based at or after
// offset (every segment, and every producer snapshot, when full) and
// returns the bases left.
func (l *Log) dropSegmentFilesFrom(offset int64, full bool, bases []int64) ([]int64, error) {
	fs := l.eng.fs
	var keep []int64
	for _, b := range bases {
		if !full && b < offset {
			keep = append(keep, b)
			continue
		}
		for _, suf := range []string{segment.LogSuffix, segment.IndexSuffix, segment.TimeIndexSuffix} {
			if err := fs.Remove(filepath.Join(l.dirPath(), segment.FileName(b, suf))); err != nil && !errors.Is(err, os.ErrNotExist) {
				return nil, err
			}
		}
	}
	if full {
		offs, err := l.snapshotOffsets()
		if err != nil {
			return nil, err
		}
		for _, off := range offs {
			if err := fs.Remove(l.snapshotPath(off)); err != nil && !errors.Is(err, os.ErrNotExist) {
				return nil, err
			}
		}
	}
	return keep, nil
}

// releaseAll drops the log's references on its segments (failed open, close).
func (l *Log) releaseAll() {
	for _, s := range l.mu.segs {
		s.Detach()
		s.Release()
	}
	l.mu.segs = nil
}

// cleanDirAndListSegments removes leftovers of interrupted operations
// (.deleted, .cleaned, .tmp files), completes interrupted cleaner swaps
// (.swap) and returns the base offsets of the .log files, ascending.
func (l *Log) cleanDirAndListSegments() ([]int64, error) {
	fs := l.eng.fs
	ents, err := fs.ReadDir(l.dirPath())
	if err != nil {
		return nil, err
	}
	var bases, swaps, swapEnds []int64
	for _, e := range ents {
		name := e.Name()
		switch {
		case strings.HasSuffix(name, segment.DeletedSuffix), strings.HasSuffix(name, segment.CleanedSuffix),
			strings.HasSuffix(name, ".tmp"):
			if err := fs.Remove(filepath.Join(l.dirPath(), name)); err != nil && !errors.Is(err, os.ErrNotExist) {
				return nil, err
			}
		case strings.HasSuffix(name, swapEndSuffix):
			if b, ok := parseBase(strings.TrimSuffix(name, swapEndSuffix)); ok {
				swapEnds = append(swapEnds, b)
			}
		case strings.HasSuffix(name, segment.LogSuffix+segment.SwapSuffix):
			if b, ok := parseBase(strings.TrimSuffix(name, segment.LogSuffix+segment.SwapSuffix)); ok {
				swaps = append(swaps, b)
			}
		case strings.HasSuffix(name, segment.LogSuffix):
			if b, ok := parseBase(strings.TrimSuffix(name, segment.LogSuffix)); ok {
				bases = append(bases, b)
			}
		}
	}
	sort.Slice(bases, func(i, j int) bool { return bases[i] < bases[j] })
	for _, sb := range swaps {
		var err error
		if bases, err = l.completeSwap(sb, bases); err != nil {
			return nil, err
		}
	}
	for _, b := range swapEnds {
		if !slices.Contains(swaps, b) { // the swap completed; only the marker is left
			_ = fs.Remove(filepath.Join(l.dirPath(), segment.FileName(b, swapEndSuffix)))
		}
	}
	return bases, nil
}

// completeSwap finishes a cleaner swap interrupted by a crash: the .swap
// segment replaces the live segments whose bases lie in [its base, the
// next segment's base after the group it replaced).
func (l *Log) completeSwap(base int64, bases []int64) ([]int64, error) {
	fs := l.eng.fs
	end, err := l.swapEnd(base)
	if err != nil {
		return nil, err
	}
	var keep []int64
	for _, b := range bases {
		if b >= base && b < end {
			for _, suf := range []string{segment.LogSuffix, segment.IndexSuffix, segment.TimeIndexSuffix} {
				if err := fs.Remove(filepath.Join(l.dirPath(), segment.FileName(b, suf))); err != nil && !errors.Is(err, os.ErrNotExist) {
					return nil, err
				}
			}
			continue
		}
		keep = append(keep, b)
	}
	for _, suf := range []string{segment.LogSuffix, segment.IndexSuffix, segment.TimeIndexSuffix} {
		from := filepath.Join(l.dirPath(), segment.FileName(base, suf+segment.SwapSuffix))
		if err := fs.Rename(from, filepath.Join(l.dirPath(), segment.FileName(base, suf))); err != nil && !errors.Is(err, os.ErrNotExist) {
			return nil, err
		}
	}
	keep = append(keep, base)
	sort.Slice(keep, func(i, j int) bool { return keep[i] < keep[j] })
	return keep, nil
}

// swapEnd reads the end offset of the group a .swap segment replaces from
// its "<base>.swapend" marker (written by the cleaner before the swap).
func (l *Log) swapEnd(base int64) (int64, error) {
	data, err := checkpoint.Read(l.eng.fs, filepath.Join(l.dirPath(), segment.FileName(base, swapEndSuffix)))
	if err != nil {
		return 0, fmt.Errorf("%w: swap segment %d without its end marker: %v", ErrCorruptLog, base, err)
	}
	end, err := strconv.ParseInt(strings.TrimSpace(string(data)), 10, 64)
	if err != nil {
		return 0, fmt.Errorf("%w: bad swap end marker for %d", ErrCorruptLog, base)
	}
	_ = l.eng.fs.Remove(filepath.Join(l.dirPath(), segment.FileName(base, swapEndSuffix)))
	return end, nil
}

const swapEndSuffix = ".swapend"

func parseBase(s string) (int64, bool) {
	if len(s) != 20 {
		return 0, false
	}
	b, err := strconv.ParseInt(s, 10, 64)
	return b, err == nil && b >= 0
}

package engine

import "golang.org/x/sys/unix"

// Block reservation (segment.ReserveAhead) makes appends cheaper but holds
// disk space no data uses yet: up to Options.ReserveAhead per active
// segment, which for thousands of partitions would be most of a volume.
// So each log dir has a budget (Options.ReserveDirPercent of its volume,
// segment.Reservations): a segment reserves a step only while the dir's
// total stays under it, and a partition that has not appended for
// ReserveIdleAfter gives its reservation back (sweepIdleReservations), so
// the budget goes to the partitions that write. When a write still runs
// out of space, every reservation of the dir is released and the write
// tried again (diskfull.go): reservation never causes an ENOSPC that the
// data alone would not.

// reserveLimit is the block-reservation budget of a log dir: percent of
// its volume (<= 0: none).
func reserveLimit(path string, percent float64) int64 {
	if percent <= 0 {
		return 0
	}
	var st unix.Statfs_t
	if unix.Statfs(path, &st) != nil {
		return 0
	}
	return int64(float64(int64(st.Blocks)*st.Bsize) * percent / 100)
}

// sweepIdleReservations releases the reservation of every active segment
// that has not grown since the previous sweep.
func (e *Engine) sweepIdleReservations() {
	for _, l := range e.Logs() {
		l.mu.Lock()
		if !l.mu.closed && !l.mu.deleted && len(l.mu.segs) > 0 {
			s := l.active()
			if s.Reserved() > 0 && s.Size() == l.mu.sweptSize {
				if err := s.ReleaseReserved(); err != nil {
					e.opts.Logger.Warn("cannot release reserved blocks", "component", "engine", "partition", l.name, "err", err)
				}
			}
			l.mu.sweptSize = s.Size()
		}
		l.mu.Unlock()
	}
}

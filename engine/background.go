package engine

import "time"

// startBackground starts the engine's goroutines: retention (every
// log.retention.check.interval.ms), producer expiry (every
// producer.id.expiration.check.interval.ms), flushes (segments sealed by a
// roll, flush.ms), checkpoints, file removals and the log cleaner. Close
// stops them.
func (e *Engine) startBackground() {
	e.loop(e.opts.RetentionCheckInterval, e.RunRetention)
	e.loop(e.opts.ProducerIDExpirationCheckInterval, e.RunProducerExpiration)
	e.loop(e.opts.FlushCheckInterval, func() {
		nowMs := e.opts.Now().UnixMilli()
		for _, l := range e.Logs() {
			var err error
			switch {
			case l.rolled.Swap(false):
				err = l.Flush()
			case l.cfg.Load().FlushMs < 1<<62:
				err = l.maybeFlushByTime(nowMs)
			}
			if err != nil {
				e.opts.Logger.Error("flush failed", "component", "engine", "partition", l.name, "err", err)
			}
		}
		e.processDeletes(false)
		e.probeFullDirs()
	})
	e.loop(ReserveIdleAfter, e.sweepIdleReservations)
	e.loop(CheckpointInterval, func() {
		for _, d := range e.dirs {
			if err := e.checkpointDir(d); err != nil {
				e.opts.Logger.Error("cannot write checkpoints", "component", "engine", "dir", d.path, "err", err)
			}
		}
	})
	if e.opts.CleanerEnable {
		e.loop(e.opts.CleanerBackoff, e.RunCleaner)
	}
}

// loop runs fn every interval until Close.
func (e *Engine) loop(interval time.Duration, fn func()) {
	e.wg.Add(1)
	go func() {
		defer e.wg.Done()
		t := time.NewTicker(interval)
		defer t.Stop()
		for {
			select {
			case <-e.stop:
				return
			case <-t.C:
				fn()
			}
		}
	}()
}

package cluster

import (
	"context"
	"errors"

	"sluice/cluster/internal/controller"
	"sluice/cluster/internal/kzk"
	"sluice/cluster/internal/zkdata"
)

// logDirEventStore is the part of a controllerStore that reports log dir
// failures (/log_dir_event_notification in ZooKeeper). A store without it
// has none to report.
type logDirEventStore interface {
	// LogDirEventsW lists the pending notifications, the brokers they
	// name, and a watch for more.
	LogDirEventsW(ctx context.Context) (seqs []int64, brokers []int32, watch <-chan struct{}, err error)
	// DeleteLogDirEvents deletes handled notifications, fenced by the
	// controller epoch (moved: the fence failed).
	DeleteLogDirEvents(ctx context.Context, seqs []int64) (moved bool, err error)
}

var _ logDirEventStore = (*zkControllerStore)(nil)

// LogDirEventsW reads /log_dir_event_notification (kzk LogDirEventsW and
// LogDirEventBrokers). Malformed notifications are skipped (and deleted
// with the others).
func (z *zkControllerStore) LogDirEventsW(ctx context.Context) ([]int64, []int32, <-chan struct{}, error) {
	seqs, ch, err := z.s.LogDirEventsW(ctx)
	if err != nil {
		return nil, nil, nil, err
	}
	brokers, err := z.s.LogDirEventBrokers(ctx, seqs)
	if err != nil {
		if !errors.Is(err, zkdata.ErrMalformed) {
			return nil, nil, nil, err
		}
		z.logger.Warn("skipping malformed log dir event notifications", "err", err)
	}
	return seqs, brokers, oneShot(ch), nil
}

// DeleteLogDirEvents deletes handled notifications (kzk
// DeleteLogDirEvents, fenced).
func (z *zkControllerStore) DeleteLogDirEvents(ctx context.Context, seqs []int64) (bool, error) {
	f, ok := z.fence()
	if !ok {
		return true, errNotElected
	}
	err := z.s.DeleteLogDirEvents(ctx, f, seqs)
	return errors.Is(err, kzk.ErrControllerMoved), err
}

// logDirEvents reads the log dir event notifications while in office,
// deletes them and has the controller ask the brokers they name for the
// state of their replicas (Kafka's LogDirEventNotification handling).
// Notifications found on taking office are handled too: a broker may
// have written one after answering the new controller's LeaderAndIsr.
func (r *controllerRunner) logDirEvents() {
	s, ok := r.store.(logDirEventStore)
	if !r.active || !ok {
		return
	}
	seqs, brokers, w, err := s.LogDirEventsW(r.ctx)
	if err != nil {
		r.retry("read log dir events", err, r.logDirEvents)
		return
	}
	r.watch(w, r.logDirEvents)
	if len(seqs) == 0 {
		return
	}
	if moved, err := s.DeleteLogDirEvents(r.ctx, seqs); err != nil {
		if moved {
			r.resign("another broker took office")
			r.enqueue(r.elect)
			return
		}
		r.logger.Warn("cannot delete log dir event notifications", "err", err)
	}
	if len(brokers) > 0 {
		r.step(controller.LogDirEvent{Brokers: brokers})
	}
}

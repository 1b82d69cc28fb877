package cluster

import (
	"context"
	"sync"
	"time"

	rsm "sluice/cluster/internal/replica"
	"sluice/engine"
)

// alterSender sends the leaders' ISR changes to the controller (Kafka's
// AlterPartitionManager): the changes pending when it wakes go in one
// AlterPartition request, and each answer is fed back to its replica. A
// failed exchange is answered REQUEST_TIMED_OUT, which makes the replica
// propose its change again (after a pause).
type alterSender struct {
	send func(ctx context.Context, items []alterItem) (map[engine.TopicPartition]alterResult, error)

	mu      sync.Mutex
	pending map[engine.TopicPartition]alterItem
	wake    chan struct{}
	ctx     context.Context
	cancel  context.CancelFunc
	done    chan struct{}
}

// alterItem is one replica's proposed ISR.
type alterItem struct {
	r *Replica
	a rsm.AlterPartition
}

// alterResult is the controller's answer for one partition.
type alterResult struct {
	Err            rsm.Code
	LeaderEpoch    int32
	PartitionEpoch int32
	ISR            []int32
}

// alterRetryBackoff spaces resends of refused ISR changes.
const alterRetryBackoff = 100 * time.Millisecond

func newAlterSender(send func(context.Context, []alterItem) (map[engine.TopicPartition]alterResult, error)) *alterSender {
	s := &alterSender{send: send, pending: map[engine.TopicPartition]alterItem{}, wake: make(chan struct{}, 1),
		done: make(chan struct{})}
	s.ctx, s.cancel = context.WithCancel(context.Background())
	go s.run()
	return s
}

// submit queues a replica's proposal (the latest one per partition wins).
func (s *alterSender) submit(r *Replica, a rsm.AlterPartition) {
	s.mu.Lock()
	s.pending[r.tp] = alterItem{r: r, a: a}
	s.mu.Unlock()
	select {
	case s.wake <- struct{}{}:
	default:
	}
}

func (s *alterSender) close() {
	s.cancel()
	<-s.done
}

func (s *alterSender) run() {
	defer close(s.done)
	for {
		select {
		case <-s.wake:
		case <-s.ctx.Done():
			return
		}
		s.mu.Lock()
		items := make([]alterItem, 0, len(s.pending))
		for _, it := range s.pending {
			items = append(items, it)
		}
		s.pending = map[engine.TopicPartition]alterItem{}
		s.mu.Unlock()
		if len(items) == 0 {
			continue
		}
		ctx, cancel := context.WithTimeout(s.ctx, 30*time.Second)
		res, err := s.send(ctx, items)
		cancel()
		if err != nil && s.ctx.Err() == nil {
			select { // do not hammer an unreachable controller
			case <-time.After(500 * time.Millisecond):
			case <-s.ctx.Done():
			}
		}
		if s.ctx.Err() != nil {
			return
		}
		refused := false
		for _, it := range items {
			ans, ok := res[it.r.tp]
			if err != nil || !ok {
				ans = alterResult{Err: rsm.RequestTimedOut}
			}
			refused = refused || ans.Err != rsm.None
			it.r.step(rsm.AlterPartitionResponse{Now: it.r.rm.now(), Seq: it.a.Seq, Err: ans.Err,
				LeaderEpoch: ans.LeaderEpoch, PartitionEpoch: ans.PartitionEpoch, ISR: ans.ISR})
		}
		if refused && err == nil { // e.g. NOT_CONTROLLER while the office moves: resend after a pause
			select {
			case <-time.After(alterRetryBackoff):
			case <-s.ctx.Done():
				return
			}
		}
	}
}

package cluster

import (
	"time"

	"sluice/cluster/internal/controller"
)

// leaderBalance configures the controller's automatic preferred leader
// rebalance (auto.leader.rebalance.enable,
// leader.imbalance.per.broker.percentage,
// leader.imbalance.check.interval.seconds).
type leaderBalance struct {
	Enable     bool
	Percentage int
	Interval   time.Duration
}

// balanceFirstDelay is the wait before the first check after taking
// office (Kafka's controller schedules it 5 s after failover).
const balanceFirstDelay = 5 * time.Second

// scheduleBalance runs checkLeaderBalance after d, on the runner
// goroutine, if this broker still holds the office it held when
// scheduling; each check schedules the next one Interval later.
// REQUIRES: the runner goroutine.
func (r *controllerRunner) scheduleBalance(d time.Duration) {
	term := r.term
	go func() {
		t := time.NewTimer(d)
		defer t.Stop()
		select {
		case <-t.C:
			r.enqueue(func() {
				if r.term != term || !r.active {
					return
				}
				r.checkLeaderBalance()
				next := r.balance.Interval
				if next <= 0 {
					next = 300 * time.Second
				}
				r.scheduleBalance(next)
			})
		case <-r.ctx.Done():
		}
	}()
}

// checkLeaderBalance gives partitions back to their preferred replica
// where a broker's share of partitions led by others is above the
// percentage (Kafka's checkAndTriggerAutoLeaderRebalance).
// REQUIRES: the runner goroutine.
func (r *controllerRunner) checkLeaderBalance() {
	r.logger.Debug("checking leader balance")
	tps := r.ctrl.LeaderImbalance(r.balance.Percentage)
	if len(tps) == 0 {
		return
	}
	names := make([]string, len(tps))
	for i, tp := range tps {
		names[i] = tp.String()
	}
	r.logger.Info("leader imbalance above leader.imbalance.per.broker.percentage: preferred replica election",
		"percentage", r.balance.Percentage, "partitions", names)
	// ReqID 0 is never a waiter's: the answer is dropped.
	r.step(controller.ElectLeaders{Partitions: tps})
}

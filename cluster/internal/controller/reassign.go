package controller

import (
	"fmt"
	"log/slog"
	"slices"
)

// Partition reassignment, as Kafka's ZooKeeper-mode controller does it
// (KIP-455, KafkaController.onPartitionReassignment). With ORS the
// original replicas and TRS the target ones, a partition being reassigned
// has replicas RS = TRS followed by the rest of ORS, adding = TRS - ORS
// and removing = ORS - TRS, all kept in the topic znode so that a new
// controller carries on. Level-based, like decide, for each dirty
// partition:
//
//  1. An assignment to write (p.want): replicas it drops (an override or
//     a cancel drops replicas being added; completion drops the removing
//     ones) first leave the ISR, and leadership if they hold it (a
//     conditional state write, leader epoch bumped, the new leader the
//     first of the kept replicas that is online and in sync); then the
//     topic znode is written (SetAssignment), and the dropped replicas are
//     sent StopReplica with deletion.
//  2. After an assignment write (p.bump) the leader epoch is bumped, so
//     that LeaderAndIsr tells every replica the new replica set: new
//     replicas start following, the leader tracks them.
//  3. A partition being reassigned whose target replicas are all in the
//     ISR (learned from AlterPartition commits) completes: want = TRS,
//     with neither adding nor removing replicas.

// partAssign is a partition's replicas as the topic znode holds them.
type partAssign struct {
	Replicas, Adding, Removing []int32
}

func (a partAssign) moving() bool { return len(a.Adding)+len(a.Removing) > 0 }

// origin is ORS: the replicas before the reassignment.
func (a partAssign) origin() []int32 { return minus(a.Replicas, a.Adding) }

// target is TRS: the replicas after it.
func (a partAssign) target() []int32 { return minus(a.Replicas, a.Removing) }

func (a partAssign) equal(b partAssign) bool {
	return slices.Equal(a.Replicas, b.Replicas) && slices.Equal(a.Adding, b.Adding) && slices.Equal(a.Removing, b.Removing)
}

func (a partAssign) String() string {
	s := ids(a.Replicas)
	if a.moving() {
		s += fmt.Sprintf(" adding=%s removing=%s", ids(a.Adding), ids(a.Removing))
	}
	return s
}

// reassignTo is Kafka's ReplicaAssignment.reassignTo.
func reassignTo(cur partAssign, target []int32) partAssign {
	orig := cur.origin()
	full := slices.Clone(target)
	for _, r := range orig {
		if !contains(full, r) {
			full = append(full, r)
		}
	}
	return partAssign{Replicas: full, Adding: minus(target, orig), Removing: minus(orig, target)}
}

// minus lists the members of a not in b, in a's order (nil if none).
func minus(a, b []int32) []int32 {
	return filter(a, func(r int32) bool { return !contains(b, r) })
}

// assignOf is a partition's stored assignment.
func (c *Controller) assignOf(tp TP) partAssign {
	t := c.topics[tp.Topic]
	if t == nil || tp.Partition < 0 || int(tp.Partition) >= len(t.a.Replicas) {
		return partAssign{}
	}
	return partAssign{Replicas: t.a.Replicas[tp.Partition], Adding: t.a.Adding[tp.Partition], Removing: t.a.Removing[tp.Partition]}
}

// onAlterReassignments validates each partition's target as Kafka's
// controller does (onApiPartitionReassignment), records what to write and
// answers once written: UNKNOWN_TOPIC_OR_PARTITION, INVALID_REPLICA_ASSIGNMENT
// (empty, duplicates, brokers not live), NO_REASSIGNMENT_IN_PROGRESS for a
// cancel of nothing.
func (c *Controller) onAlterReassignments(ev AlterReassignments) {
	res := make([]ReassignResult, len(ev.Items))
	if !c.active {
		for i, it := range ev.Items {
			res[i] = ReassignResult{TP: it.TP, Err: errNotController}
		}
		c.emit(Respond{ReqID: ev.ReqID, Resp: &AlterReassignmentsResponse{Err: errNotController, Partitions: res}})
		return
	}
	type asked struct {
		i    int
		want partAssign
	}
	var started []asked
	for i, it := range ev.Items {
		tp := it.TP
		res[i].TP = tp
		p, t := c.parts[tp], c.topics[tp.Topic]
		if p == nil || t == nil || t.deleting {
			res[i].Err, res[i].Message = errUnknownTopicPartition, fmt.Sprintf("Unable to find partition %s", tp)
			continue
		}
		cur := c.assignOf(tp)
		var want partAssign
		if it.Replicas == nil {
			if !cur.moving() {
				res[i].Err, res[i].Message = errNoReassignment, fmt.Sprintf("No reassignment in progress for partition %s", tp)
				continue
			}
			want = reassignTo(cur, cur.origin())
		} else {
			if msg := c.badTarget(it.Replicas); msg != "" {
				res[i].Err, res[i].Message = errInvalidReplicaAssign, msg
				continue
			}
			want = reassignTo(cur, it.Replicas)
		}
		if want.equal(cur) {
			continue // nothing to do
		}
		if it.Replicas == nil {
			c.logf(slog.LevelInfo, "controller", "cancelling reassignment", "partition", tp.String(), "replicas", ids(want.Replicas))
		} else {
			c.logf(slog.LevelInfo, "controller", "reassigning partition", "partition", tp.String(), "from", cur.String(),
				"to", want.String())
		}
		p.want = &want
		c.dirty[tp] = true
		started = append(started, asked{i, want})
	}
	c.wait(func(aborted bool) {
		for _, a := range started {
			tp := res[a.i].TP
			cur := c.assignOf(tp)
			switch {
			case aborted:
				res[a.i].Err = errNotController
			case c.topics[tp.Topic] == nil:
				res[a.i].Err = errUnknownTopicPartition
			case !cur.equal(a.want) && !cur.equal(partAssign{Replicas: a.want.target()}):
				res[a.i].Err, res[a.i].Message = errUnknownServer, "The reassignment could not be written."
			}
		}
		c.emit(Respond{ReqID: ev.ReqID, Resp: &AlterReassignmentsResponse{Partitions: res}})
	})
}

// badTarget checks a target replica list (Kafka's validateReplicas and
// the liveness check of onApiPartitionReassignment).
func (c *Controller) badTarget(rs []int32) string {
	switch {
	case len(rs) == 0:
		return "Empty replica list specified in partition reassignment."
	case hasDuplicate(rs):
		return fmt.Sprintf("Duplicate replica ids in partition reassignment replica list: %s", ids(rs))
	case slices.ContainsFunc(rs, func(r int32) bool { return r < 0 }):
		return fmt.Sprintf("Invalid broker id in replica list: %s", ids(rs))
	case slices.ContainsFunc(rs, func(r int32) bool { return !c.isLive(r) }):
		return fmt.Sprintf("Replica assignment has brokers that are not alive. Replica list: %s, live broker list: %s",
			ids(rs), ids(sortedKeys(c.live)))
	}
	return ""
}

// onListReassignments answers the reassignments in progress among the
// partitions asked for (all when nil); others are left out.
func (c *Controller) onListReassignments(ev ListReassignments) {
	if !c.active {
		c.emit(Respond{ReqID: ev.ReqID, Resp: &ListReassignmentsResponse{Err: errNotController}})
		return
	}
	tps := ev.Partitions
	if tps == nil {
		tps = sortedTPs(boolSet(c.parts))
	}
	resp := &ListReassignmentsResponse{}
	for _, tp := range tps {
		t := c.topics[tp.Topic]
		if t == nil || t.deleting {
			continue
		}
		if a := c.assignOf(tp); a.moving() {
			resp.Partitions = append(resp.Partitions, Reassignment{TP: tp, Replicas: slices.Clone(a.Replicas),
				Adding: slices.Clone(a.Adding), Removing: slices.Clone(a.Removing)})
		}
	}
	c.emit(Respond{ReqID: ev.ReqID, Resp: resp})
}

func boolSet[V any](m map[TP]V) map[TP]bool {
	out := make(map[TP]bool, len(m))
	for k := range m {
		out[k] = true
	}
	return out
}

// reassignDecide takes a partition one step further in its reassignment
// (see the top of this file): a state write (ok), or write=true when its
// assignment is to be written now.
func (c *Controller) reassignDecide(tp TP) (in intent, write, ok bool) {
	p, t := c.parts[tp], c.topics[tp.Topic]
	if p == nil || t == nil {
		return intent{}, false, false
	}
	if t.deleting {
		p.want, p.bump = nil, false
		return intent{}, false, false
	}
	cur := c.assignOf(tp)
	if p.want == nil && !p.bump && cur.moving() && p.has {
		trs := cur.target()
		inSync := !slices.ContainsFunc(trs, func(r int32) bool { return !contains(p.st.ISR, r) })
		canLead := slices.ContainsFunc(trs, func(r int32) bool { return c.online(r) && contains(p.st.ISR, r) })
		if inSync && canLead {
			c.logf(slog.LevelInfo, "controller", "target replicas in sync: completing reassignment", "partition", tp.String(),
				"replicas", ids(trs))
			p.want = &partAssign{Replicas: trs}
		}
	}
	if p.want != nil {
		drop := minus(cur.Replicas, p.want.Replicas)
		if !p.has || (!slices.ContainsFunc(p.st.ISR, func(r int32) bool { return contains(drop, r) }) && !contains(drop, p.st.Leader)) {
			return intent{}, true, false
		}
		next := p.st
		next.ISR = minus(p.st.ISR, drop)
		lead := p.st.Leader
		if lead == NoLeader || contains(drop, lead) || !c.online(lead) {
			lead = NoLeader
			for _, r := range p.want.Replicas {
				if c.online(r) && contains(next.ISR, r) {
					lead = r
					break
				}
			}
		}
		if len(next.ISR) == 0 {
			// Only replicas leaving were in sync (a cancel before the
			// original ones caught up): the partition goes offline.
			c.logf(slog.LevelWarn, "state-change", "no replica of the new assignment is in sync: partition offline",
				"partition", tp.String(), "isr", ids(p.st.ISR), "replicas", ids(p.want.Replicas))
			next.ISR, lead = []int32{p.want.Replicas[0]}, NoLeader
		}
		next.Leader = lead
		return c.update(tp, p.st, next, "reassignment: replicas leave the assignment", false), false, true
	}
	if p.bump {
		if !p.has || p.st.Leader == NoLeader {
			p.bump = false
			v := c.view(tp)
			for _, b := range sortedKeys(c.live) {
				c.sendUpdateMetadata(b, []PartitionView{v})
			}
			return intent{}, false, false
		}
		next := p.st
		next.ISR = slices.Clone(p.st.ISR)
		return c.update(tp, p.st, next, "reassignment: replicas changed", false), false, true
	}
	return intent{}, false, false
}

// assignIntents builds one SetAssignment per topic for the partitions
// whose assignment is to be written.
func (c *Controller) assignIntents(assign map[string][]TP) []intent {
	var out []intent
	for _, name := range slices.Sorted(mapKeys(assign)) {
		t := c.topics[name]
		a := cloneAssignment(t.a)
		for _, tp := range assign[name] {
			w := c.parts[tp].want
			a.Replicas[tp.Partition] = slices.Clone(w.Replicas)
			delete(a.Adding, tp.Partition)
			delete(a.Removing, tp.Partition)
			if len(w.Adding) > 0 {
				a.Adding[tp.Partition] = slices.Clone(w.Adding)
			}
			if len(w.Removing) > 0 {
				a.Removing[tp.Partition] = slices.Clone(w.Removing)
			}
		}
		out = append(out, intent{op: Op{Kind: SetAssignment, Topic: name, Assignment: &a}, assigned: assign[name]})
	}
	return out
}

func mapKeys[K comparable, V any](m map[K]V) func(func(K) bool) {
	return func(yield func(K) bool) {
		for k := range m {
			if !yield(k) {
				return
			}
		}
	}
}

// cloneAssignment deep-copies a (its slices and maps may be shared with
// the store's adapter).
func cloneAssignment(a Assignment) Assignment {
	out := a
	out.Replicas = make([][]int32, len(a.Replicas))
	for i, rs := range a.Replicas {
		out.Replicas[i] = slices.Clone(rs)
	}
	out.Adding, out.Removing = map[int32][]int32{}, map[int32][]int32{}
	for p, rs := range a.Adding {
		out.Adding[p] = slices.Clone(rs)
	}
	for p, rs := range a.Removing {
		out.Removing[p] = slices.Clone(rs)
	}
	return out
}

// assignWritten records a written SetAssignment: replicas dropped from a
// partition are stopped and deleted, and the leader epoch is bumped next.
// A failed write abandons the step (the request is answered with an
// error; a completion is tried again on the next ISR change).
func (c *Controller) assignWritten(in intent, e OpErr) {
	t := c.topics[in.op.Topic]
	if t == nil {
		return
	}
	if e != OpOK {
		c.logf(slog.LevelError, "controller", "cannot write the topic assignment", "topic", in.op.Topic, "error", opErrName(e))
		for _, tp := range in.assigned {
			if p := c.parts[tp]; p != nil {
				p.want = nil
			}
		}
		return
	}
	stop := map[int32][]StopPartition{}
	for _, tp := range in.assigned {
		p := c.parts[tp]
		old := c.assignOf(tp)
		w := in.op.Assignment
		now := partAssign{Replicas: w.Replicas[tp.Partition], Adding: w.Adding[tp.Partition], Removing: w.Removing[tp.Partition]}
		verb := "reassignment in progress"
		if !now.moving() {
			verb = "reassignment done"
		}
		c.logf(slog.LevelInfo, "controller", verb, "partition", tp.String(), "replicas", now.String())
		for _, r := range minus(old.Replicas, now.Replicas) {
			if c.isLive(r) {
				stop[r] = append(stop[r], StopPartition{TP: tp, LeaderEpoch: p.st.LeaderEpoch, Delete: true})
			}
		}
		p.want = nil
		p.bump = true
		c.dirty[tp] = true
	}
	deleting := t.deleting
	t.a = cloneAssignment(*in.op.Assignment)
	t.deleting = deleting
	for _, b := range sortedKeys(stop) {
		c.emit(Send{Broker: b, Req: &StopReplicaRequest{ControllerEpoch: c.epoch, BrokerEpoch: c.live[b].Epoch, Partitions: stop[b]}})
	}
}

func opErrName(e OpErr) string {
	switch e {
	case OpOK:
		return "ok"
	case OpBadVersion:
		return "bad-version"
	case OpNoNode:
		return "no-node"
	case OpNodeExists:
		return "node-exists"
	}
	return "failed"
}

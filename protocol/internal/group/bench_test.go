package group

import (
	"fmt"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kmsg"
)

// benchCoordinator is a minimal driver without the test harness's checks.
type benchDriver struct {
	c     *Coordinator
	now   time.Time
	resps map[uint64]kmsg.Response
	id    uint64
}

func newBenchDriver(b *testing.B) *benchDriver {
	c, err := New(Options{NumPartitions: 1, InitialRebalanceDelay: -1})
	if err != nil {
		b.Fatal(err)
	}
	d := &benchDriver{c: c, now: t0, resps: map[uint64]kmsg.Response{}}
	d.handle(LoadBegin{})
	d.handle(LoadComplete{})
	d.handle(TopicsChanged{Topics: []TopicInfo{{Name: "t", ID: [16]byte{9}, Partitions: 1000}}})
	return d
}

func (d *benchDriver) handle(ev Event) {
	acts := d.c.Handle(d.now, ev)
	for i := 0; i < len(acts); i++ {
		switch a := acts[i].(type) {
		case Respond:
			d.resps[a.To] = a.Msg
		case Append:
			acts = append(acts, d.c.Handle(d.now, AppendDone{Partition: a.Partition, Token: a.Token})...)
		}
	}
}

func (d *benchDriver) send(client string, req kmsg.Request) uint64 {
	d.id++
	d.handle(Request{ID: d.id, ClientID: client, Msg: req})
	return d.id
}

// BenchmarkClassicJoinStorm: 100 members join an empty group at once
// (group.initial.rebalance.delay.ms=0), through the KIP-394 round trip,
// then rejoin and sync until Stable. The coordinator's CPU cost only.
func BenchmarkClassicJoinStorm(b *testing.B) {
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		d := newBenchDriver(b)
		ids := make([]string, 100)
		for m := range ids {
			r := joinReq("g", "", withProtocols("range"))
			ids[m] = d.resps[d.send(fmt.Sprint("c", m), r)].(*kmsg.JoinGroupResponse).MemberID
		}
		var joins []uint64
		for m, id := range ids {
			joins = append(joins, d.send(fmt.Sprint("c", m), joinReq("g", id)))
		}
		// As clients do on REBALANCE_IN_PROGRESS from a heartbeat: members
		// holding a join response rejoin while the group prepares a rebalance.
		for round := 0; d.c.groups["g"].state == PreparingRebalance; round++ {
			if round > 5 {
				b.Fatal("join storm does not settle")
			}
			for m, id := range ids {
				if _, answered := d.resps[joins[m]]; answered {
					joins[m] = d.send(fmt.Sprint("c", m), joinReq("g", id))
				}
			}
		}
		g := d.c.groups["g"]
		if g.state != CompletingRebalance || len(g.members) != 100 {
			b.Fatalf("state %v members %d", g.state, len(g.members))
		}
		for _, id := range ids {
			r := kmsg.NewPtrSyncGroupRequest()
			r.Version, r.Group, r.MemberID, r.Generation = 5, "g", id, g.generation
			d.send("c", r)
		}
		if g.state != Stable {
			b.Fatalf("state %v", g.state)
		}
	}
}

// BenchmarkConsumerJoinStorm: 100 KIP-848 members join, then heartbeat
// (reporting what they own) until every partition is owned and stable.
func BenchmarkConsumerJoinStorm(b *testing.B) {
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		d := newBenchDriver(b)
		cls := make([]*cgClient, 100)
		for m := range cls {
			cls[m] = &cgClient{id: fmt.Sprintf("m%03d", m), owned: map[tpid]bool{}}
			r := kmsg.NewPtrConsumerGroupHeartbeatRequest()
			r.Version, r.Group, r.MemberID, r.RebalanceTimeoutMillis = 1, "cg", cls[m].id, 60000
			r.SubscribedTopicNames, r.Topics = []string{"t"}, []kmsg.ConsumerGroupHeartbeatRequestTopic{}
			cls[m].apply(d.resps[d.send(cls[m].id, r)].(*kmsg.ConsumerGroupHeartbeatResponse))
		}
		rounds := 0
		for ; d.c.groups["cg"].consumer.stateName() != "Stable"; rounds++ {
			if rounds > 10 {
				b.Fatalf("not stable after %d heartbeat rounds", rounds)
			}
			for _, cl := range cls {
				r := kmsg.NewPtrConsumerGroupHeartbeatRequest()
				r.Version, r.Group, r.MemberID, r.MemberEpoch = 1, "cg", cl.id, cl.epoch
				for _, t := range groupByTopic(cl.owned) {
					r.Topics = append(r.Topics, kmsg.ConsumerGroupHeartbeatRequestTopic{TopicID: t.id, Partitions: t.partitions})
				}
				if r.Topics == nil {
					r.Topics = []kmsg.ConsumerGroupHeartbeatRequestTopic{}
				}
				cl.apply(d.resps[d.send(cl.id, r)].(*kmsg.ConsumerGroupHeartbeatResponse))
			}
		}
		b.ReportMetric(float64(rounds), "heartbeat-rounds")
	}
}

package protocol

import (
	"context"
	"errors"
	"fmt"
	"net"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kgo"
)

// Helpers for the consumer group tests (group_*_test.go): real clients
// against an in-process broker, with the ownership of partitions tracked
// through the clients' own callbacks.

// groupProps are broker settings that keep group tests fast: no initial
// rebalance delay, session timeouts down to 1s, KIP-848 members with a 6s
// session and 500ms heartbeats, 5 __consumer_offsets partitions (instead of
// 50) to create.
func groupProps() map[string]string {
	return map[string]string{"group.initial.rebalance.delay.ms": "0", "group.min.session.timeout.ms": "1000", "offsets.topic.num.partitions": "5",
		"group.consumer.session.timeout.ms": "6000", "group.consumer.heartbeat.interval.ms": "500"}
}

// groupWait bounds every wait for a rebalance: generous, for a loaded
// 2-core machine.
const groupWait = 45 * time.Second

// produceSpread writes perPartition records to every partition of topic,
// values "p<partition>-<i>", and waits for them to be acknowledged.
func produceSpread(t testing.TB, addr, topic string, partitions, perPartition int) {
	t.Helper()
	cl, err := kgo.NewClient(kgo.SeedBrokers(addr), kgo.DefaultProduceTopic(topic), kgo.RecordPartitioner(kgo.ManualPartitioner()))
	if err != nil {
		t.Fatal(err)
	}
	defer cl.Close()
	var recs []*kgo.Record
	for p := range partitions {
		for i := range perPartition {
			recs = append(recs, &kgo.Record{Partition: int32(p), Value: fmt.Appendf(nil, "p%d-%d", p, i)})
		}
	}
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	if err := cl.ProduceSync(ctx, recs...).FirstErr(); err != nil {
		t.Fatalf("produce: %v", err)
	}
}

// ownership records which live member owns each partition, as the members'
// callbacks report it, under one lock so a snapshot is consistent. A
// partition assigned while another live member still owns it is a
// violation (two owners in the group at once).
type ownership struct {
	mu         sync.Mutex
	owner      map[int32]string
	owned      map[string]map[int32]bool
	dead       map[string]bool
	violations []string
}

func newOwnership() *ownership {
	return &ownership{owner: map[int32]string{}, owned: map[string]map[int32]bool{}, dead: map[string]bool{}}
}

func (o *ownership) assign(member string, ps []int32) {
	o.mu.Lock()
	defer o.mu.Unlock()
	if o.dead[member] {
		return
	}
	if o.owned[member] == nil {
		o.owned[member] = map[int32]bool{}
	}
	for _, p := range ps {
		if cur, ok := o.owner[p]; ok && cur != member {
			o.violations = append(o.violations, fmt.Sprintf("partition %d assigned to %s while %s owns it", p, member, cur))
		}
		o.owner[p] = member
		o.owned[member][p] = true
	}
}

func (o *ownership) revoke(member string, ps []int32) {
	o.mu.Lock()
	defer o.mu.Unlock()
	for _, p := range ps {
		if o.owner[p] == member {
			delete(o.owner, p)
		}
		delete(o.owned[member], p)
	}
}

// kill forgets a crashed member's partitions: the broker hands them on once
// its session expires.
func (o *ownership) kill(member string) {
	o.mu.Lock()
	defer o.mu.Unlock()
	o.dead[member] = true
	for p := range o.owned[member] {
		if o.owner[p] == member {
			delete(o.owner, p)
		}
	}
	delete(o.owned, member)
}

// covered reports whether the members own every partition exactly once and
// each owns at least one, and describes the state.
func (o *ownership) covered(partitions int, members []string) (bool, string) {
	o.mu.Lock()
	defer o.mu.Unlock()
	ok := len(o.owner) == partitions
	var b strings.Builder
	for _, m := range members {
		ps := make([]int32, 0)
		for p := range o.owned[m] {
			ps = append(ps, p)
		}
		slices.Sort(ps)
		fmt.Fprintf(&b, "%s:%v ", m, ps)
		ok = ok && len(ps) > 0
	}
	for p, m := range o.owner {
		ok = ok && int(p) < partitions && slices.Contains(members, m)
	}
	return ok, b.String()
}

func (o *ownership) check(t testing.TB) {
	t.Helper()
	o.mu.Lock()
	defer o.mu.Unlock()
	if len(o.violations) > 0 {
		t.Fatalf("partition owned twice: %v", o.violations)
	}
}

// waitCovered waits until members own every partition exactly once.
func (o *ownership) waitCovered(t testing.TB, what string, partitions int, members ...string) {
	t.Helper()
	deadline := time.Now().Add(groupWait)
	for {
		o.check(t)
		ok, state := o.covered(partitions, members)
		if ok {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s: partitions not covered exactly once within %v: %s", what, groupWait, state)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// cutDialer lets a test crash a client: cut closes every connection it
// dialed and refuses new ones, so the client can neither heartbeat nor
// leave the group.
type cutDialer struct {
	mu    sync.Mutex
	conns []net.Conn
	cut   bool
}

var errCut = errors.New("test: connection cut")

func (d *cutDialer) dial(ctx context.Context, network, host string) (net.Conn, error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.cut {
		return nil, errCut
	}
	c, err := (&net.Dialer{Timeout: 5 * time.Second}).DialContext(ctx, network, host)
	if err == nil {
		d.conns = append(d.conns, c)
	}
	return c, err
}

func (d *cutDialer) cutAll() {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.cut = true
	for _, c := range d.conns {
		c.Close()
	}
}

package main

import (
	"context"
	"sort"
	"time"

	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kgo"

	"sluice/cmd/sluice/internal/obs"
)

// groupMetrics fills the consumer-group part of obs.State (group count and
// lag per group and partition) the way kafka-exporter and Burrow do for
// Kafka: through the admin API of the broker itself, over loopback, at
// scrape time. The protocol layer does not expose its group coordinator's
// state to cmd/sluice (broker.Broker has no accessor for the coordinator's
// Runner.Metrics or committed offsets); once it does, this can read them
// directly and stop issuing requests.
//
// runBroker wires it after broker.Start:
//
//	gm := newGroupMetrics(b.Addr().String())
//	defer gm.Close()
//	metrics.SetStateFunc(gm.With(brokerState(b)))
type groupMetrics struct {
	cl      *kgo.Client // nil if the client could not be created
	adm     *kadm.Client
	timeout time.Duration
}

// groupMetricsTimeout bounds one scrape's group requests; on expiry the
// scrape reports what it has (possibly no groups).
const groupMetricsTimeout = 2 * time.Second

// newGroupMetrics makes a client for addr; it dials lazily, at the first
// Fill. The caller closes it.
func newGroupMetrics(addr string) *groupMetrics {
	cl, err := kgo.NewClient(kgo.SeedBrokers(addr), kgo.ClientID("sluice-metrics"),
		kgo.DialTimeout(time.Second), kgo.RetryTimeout(groupMetricsTimeout))
	if err != nil { // only for bad options; addr is not dialled here
		return &groupMetrics{}
	}
	return &groupMetrics{cl: cl, adm: kadm.NewClient(cl), timeout: groupMetricsTimeout}
}

// Close closes the client.
func (g *groupMetrics) Close() {
	if g.cl != nil {
		g.cl.Close()
	}
}

// With returns a state function that runs f and then Fill.
func (g *groupMetrics) With(f func(*obs.State)) func(*obs.State) {
	return func(s *obs.State) {
		f(s)
		g.Fill(s)
	}
}

// Fill sets s.Groups and s.GroupLags: every live group, and for each
// partition a group has committed, the high watermark minus the committed
// offset (never negative). Errors leave the parts it could not read empty.
func (g *groupMetrics) Fill(s *obs.State) {
	if g.adm == nil {
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), g.timeout)
	defer cancel()
	listed, err := g.adm.ListGroups(ctx)
	if err != nil && len(listed) == 0 {
		return
	}
	s.Groups = len(listed)
	if len(listed) == 0 {
		return
	}
	fetched := g.adm.FetchManyOffsets(ctx, listed.Groups()...)
	topics := map[string]bool{}
	for _, r := range fetched {
		if r.Err != nil {
			continue
		}
		r.Fetched.Each(func(o kadm.OffsetResponse) {
			if o.Err == nil && o.At >= 0 {
				topics[o.Topic] = true
			}
		})
	}
	if len(topics) == 0 {
		return
	}
	ends, err := g.adm.ListEndOffsets(ctx, sortedKeys(topics)...)
	if err != nil && len(ends) == 0 {
		return
	}
	for _, group := range sortedKeys(fetched) {
		r := fetched[group]
		if r.Err != nil {
			continue
		}
		r.Fetched.Each(func(o kadm.OffsetResponse) {
			if o.Err != nil || o.At < 0 {
				return
			}
			e, ok := ends.Lookup(o.Topic, o.Partition)
			if !ok || e.Err != nil {
				return
			}
			s.GroupLags = append(s.GroupLags, obs.GroupLag{Group: group, Topic: o.Topic, Partition: o.Partition, Lag: max(e.Offset-o.At, 0)})
		})
	}
	sort.Slice(s.GroupLags, func(i, j int) bool {
		a, b := s.GroupLags[i], s.GroupLags[j]
		if a.Group != b.Group {
			return a.Group < b.Group
		}
		if a.Topic != b.Topic {
			return a.Topic < b.Topic
		}
		return a.Partition < b.Partition
	})
}

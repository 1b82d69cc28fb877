package cluster

import (
	"slices"
	"sort"
	"sync"
	"sync/atomic"

	"sluice/cluster/internal/controller"
)

// metaCache is the broker's copy of the cluster metadata, kept up to date
// by the controller's UpdateMetadata requests (Kafka's ZkMetadataCache):
// the live brokers and their listeners, the controller, and every
// partition's leader, leader epoch, replicas, ISR and offline replicas. It
// answers Metadata, DescribeCluster and FindCoordinator on every broker.
//
// Updates are serialised by mu and published as an immutable snapshot;
// reads take no lock.
type metaCache struct {
	snap atomic.Pointer[metaSnapshot]
	mu   sync.Mutex
}

type metaSnapshot struct {
	controllerID    int32 // -1 when unknown
	controllerEpoch int32
	brokers         map[int32]controller.Broker
	brokerIDs       []int32 // sorted
	topics          map[string]*cachedTopic
	byID            map[[16]byte]*cachedTopic
	names           []string // sorted
}

type cachedTopic struct {
	name  string
	id    [16]byte
	parts map[int32]PartitionInfo
}

func newMetaCache() *metaCache {
	m := &metaCache{}
	m.snap.Store(&metaSnapshot{controllerID: -1, brokers: map[int32]controller.Broker{},
		topics: map[string]*cachedTopic{}, byID: map[[16]byte]*cachedTopic{}})
	return m
}

// apply takes an UpdateMetadata from controller ctrl. The caller has
// checked the controller epoch. Partitions announced with leader
// LeaderDuringDelete are removed.
func (m *metaCache) apply(ctrl int32, req *controller.UpdateMetadataRequest) {
	m.mu.Lock()
	defer m.mu.Unlock()
	old := m.snap.Load()
	s := &metaSnapshot{controllerID: ctrl, controllerEpoch: req.ControllerEpoch,
		brokers: make(map[int32]controller.Broker, len(req.Brokers)),
		topics:  make(map[string]*cachedTopic, len(old.topics)), byID: make(map[[16]byte]*cachedTopic, len(old.byID))}
	for _, b := range req.Brokers {
		s.brokers[b.ID] = b
		s.brokerIDs = append(s.brokerIDs, b.ID)
	}
	slices.Sort(s.brokerIDs)
	for name, t := range old.topics {
		s.topics[name] = t
	}
	touched := map[string]*cachedTopic{}
	for _, v := range req.Partitions {
		t := touched[v.TP.Topic]
		if t == nil {
			t = &cachedTopic{name: v.TP.Topic, id: v.TopicID, parts: map[int32]PartitionInfo{}}
			if ot := old.topics[v.TP.Topic]; ot != nil && (ot.id == v.TopicID || v.TopicID == [16]byte{}) {
				t.id = ot.id
				for p, pi := range ot.parts {
					t.parts[p] = pi
				}
			}
			touched[v.TP.Topic] = t
		}
		if v.State.Leader == controller.LeaderDuringDelete {
			delete(t.parts, v.TP.Partition)
			continue
		}
		t.parts[v.TP.Partition] = PartitionInfo{Partition: v.TP.Partition, Leader: v.State.Leader,
			LeaderEpoch: v.State.LeaderEpoch, Replicas: slices.Clone(v.Replicas), ISR: slices.Clone(v.State.ISR),
			Offline: slices.Clone(v.Offline)}
	}
	for name, t := range touched {
		if len(t.parts) == 0 {
			delete(s.topics, name)
		} else {
			s.topics[name] = t
		}
	}
	for name, t := range s.topics {
		s.byID[t.id] = t
		s.names = append(s.names, name)
	}
	sort.Strings(s.names)
	m.snap.Store(s)
}

// info returns a topic as handlers see it: partitions in order (a gap, a
// partition whose state is not known yet, ends the list).
func (t *cachedTopic) info() TopicInfo {
	ti := TopicInfo{Name: t.name, ID: t.id, Internal: IsInternalTopic(t.name)}
	for p := int32(0); ; p++ {
		pi, ok := t.parts[p]
		if !ok {
			break
		}
		ti.Partitions = append(ti.Partitions, pi)
	}
	return ti
}

// topic returns one topic.
func (s *metaSnapshot) topic(name string) (TopicInfo, bool) {
	t, ok := s.topics[name]
	if !ok {
		return TopicInfo{}, false
	}
	return t.info(), true
}

// brokerInfo returns a live broker's address on the given listener.
func (s *metaSnapshot) brokerInfo(id int32, listener string) (BrokerInfo, bool) {
	b, ok := s.brokers[id]
	if !ok {
		return BrokerInfo{}, false
	}
	for _, e := range b.Endpoints {
		if e.Listener == listener {
			return BrokerInfo{NodeID: id, Host: e.Host, Port: e.Port, Rack: b.Rack}, true
		}
	}
	return BrokerInfo{}, false
}

// brokerList lists the live brokers that have the listener, by id.
func (s *metaSnapshot) brokerList(listener string) []BrokerInfo {
	out := make([]BrokerInfo, 0, len(s.brokerIDs))
	for _, id := range s.brokerIDs {
		if bi, ok := s.brokerInfo(id, listener); ok {
			out = append(out, bi)
		}
	}
	return out
}

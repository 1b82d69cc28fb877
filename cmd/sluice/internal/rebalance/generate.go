package rebalance

import (
	"fmt"
	"slices"
	"sort"
)

// Broker is a live broker that may hold replicas.
type Broker struct {
	ID   int32
	Rack string // "" when the broker has no broker.rack
}

// Partition is one partition as the cluster has it now.
type Partition struct {
	Topic     string
	Partition int32
	Replicas  []int32 // the assignment, preferred leader first
	Leader    int32   // the current leader, -1 if none
}

// Options say what to plan. The zero value balances every topic over every
// live broker.
type Options struct {
	// Decommission lists brokers to empty: every replica on them moves.
	Decommission []int32
	// Topics limits the plan (and the balance it seeks) to these topics;
	// empty means all.
	Topics []string
	// ReplicationFactor gives topics a new replication factor.
	ReplicationFactor map[string]int
	// DisableRackAware ignores broker racks (needed when only some brokers
	// have one, as Kafka's --disable-rack-aware).
	DisableRackAware bool
}

// BrokerLoad is one broker's share of the planned topics before and after
// the plan.
type BrokerLoad struct {
	ID             int32  `json:"id"`
	Rack           string `json:"rack,omitempty"`
	Live           bool   `json:"live"`
	Decommission   bool   `json:"decommission,omitempty"`
	ReplicasBefore int    `json:"replicas_before"`
	ReplicasAfter  int    `json:"replicas_after"`
	// LeadersBefore counts the partitions it leads now; PreferredBefore
	// and PreferredAfter those whose first replica it is, which it leads
	// after a preferred election.
	LeadersBefore   int `json:"leaders_before"`
	PreferredBefore int `json:"preferred_before"`
	PreferredAfter  int `json:"preferred_after"`
}

// Result is a generated plan and what it changes.
type Result struct {
	// Plan holds the partitions whose replica list changes (set or order).
	Plan Plan
	// Rollback holds the same partitions' current replica lists.
	Rollback Plan
	// Added counts replicas created on a broker that did not hold them
	// (the data copied); Removed those deleted.
	Added, Removed int
	// Replicas counts the planned topics' replicas after the plan.
	Replicas int
	// Brokers are every live broker and every broker holding a replica,
	// by id.
	Brokers []BrokerLoad
}

// Generate plans a reassignment (see the package doc for what it
// guarantees). It fails if an option names an unknown broker or topic, if a
// broker that is not live holds replicas and is not decommissioned, or if
// too few brokers would remain for a replication factor.
func Generate(live []Broker, parts []Partition, opt Options) (Result, error) {
	s, err := newState(live, parts, opt)
	if err != nil {
		return Result{}, err
	}
	for _, p := range s.parts {
		s.place(p)
	}
	s.balanceReplicas()
	s.chooseLeaders()
	s.balanceLeaders()
	return s.result(live, opt), nil
}

// part is a planned partition.
type part struct {
	topic  string
	id     int32
	orig   []int32 // current replicas, deduplicated
	cur    []int32 // planned replicas; -1 marks a slot to fill while placing
	leader int32
	rf     int
}

func (p *part) has(b int32) bool       { return slices.Contains(p.cur, b) }
func (p *part) wasOn(b int32) bool     { return slices.Contains(p.orig, b) }
func (p *part) less(q *part) bool      { return p.topic < q.topic || p.topic == q.topic && p.id < q.id }
func (p *part) replace(from, to int32) { p.cur[slices.Index(p.cur, from)] = to }

// state is the planner's working layout.
type state struct {
	brokers    []int32 // brokers that may hold replicas, by id
	target     map[int32]bool
	rack       map[int32]string // "" for all when rack-unaware
	racks      []string         // distinct racks of target brokers
	parts      []*part          // by topic, partition
	count      map[int32]int    // replicas per target broker
	topicCount map[string]map[int32]int
	lead       map[int32]int     // preferred leaders per target broker
	holding    map[int32][]*part // partitions per target broker, any order
}

func newState(live []Broker, parts []Partition, opt Options) (*state, error) {
	s := &state{target: map[int32]bool{}, rack: map[int32]string{}, count: map[int32]int{},
		topicCount: map[string]map[int32]int{}, lead: map[int32]int{}, holding: map[int32][]*part{}}
	isLive := map[int32]bool{}
	for _, b := range live {
		isLive[b.ID] = true
	}
	holds := map[int32]string{} // broker -> a partition it holds (for messages)
	topics := map[string]bool{}
	for _, p := range parts {
		topics[p.Topic] = true
		for _, b := range p.Replicas {
			if _, ok := holds[b]; !ok {
				holds[b] = fmt.Sprintf("%s-%d", p.Topic, p.Partition)
			}
		}
	}
	decom := map[int32]bool{}
	for _, b := range opt.Decommission {
		if _, held := holds[b]; !isLive[b] && !held {
			return nil, fmt.Errorf("%w %d: it is not live and holds no replica", ErrUnknownBroker, b)
		}
		decom[b] = true
	}
	for _, b := range live {
		if !decom[b.ID] && !s.target[b.ID] {
			s.target[b.ID] = true
			s.brokers = append(s.brokers, b.ID)
			s.rack[b.ID] = b.Rack
		}
	}
	if len(s.brokers) == 0 {
		return nil, fmt.Errorf("%w: decommissioning %v leaves no live broker", ErrNoBrokers, opt.Decommission)
	}
	slices.Sort(s.brokers)
	if err := s.setRacks(opt.DisableRackAware); err != nil {
		return nil, err
	}
	include := map[string]bool{}
	for _, t := range opt.Topics {
		if !topics[t] {
			return nil, fmt.Errorf("%w %q", ErrUnknownTopic, t)
		}
		include[t] = true
	}
	for t, rf := range opt.ReplicationFactor {
		if !topics[t] {
			return nil, fmt.Errorf("%w %q", ErrUnknownTopic, t)
		}
		if rf < 1 {
			return nil, fmt.Errorf("%w for %s: %d (must be at least 1)", ErrReplicationFactor, t, rf)
		}
	}
	for _, in := range parts {
		if len(include) > 0 && !include[in.Topic] {
			continue
		}
		p := &part{topic: in.Topic, id: in.Partition, leader: in.Leader}
		for _, b := range in.Replicas {
			if !slices.Contains(p.orig, b) {
				p.orig = append(p.orig, b)
			}
		}
		p.rf = len(p.orig)
		if rf, ok := opt.ReplicationFactor[in.Topic]; ok {
			p.rf = rf
		}
		if p.rf == 0 {
			continue // no replicas and none asked for: nothing to place
		}
		if p.rf > len(s.brokers) {
			// Kafka's wording (TopicCommand / AdminUtils), full stop included.
			//lint:ignore ST1005 Kafka's message ends with a full stop
			return nil, fmt.Errorf("%w: %s: Replication factor: %d larger than available brokers: %d.",
				ErrReplicationFactor, in.Topic, p.rf, len(s.brokers))
		}
		for _, b := range p.orig {
			if !isLive[b] && !decom[b] {
				return nil, fmt.Errorf("%w: broker %d holds replicas (%s) but is not live; start it, or move them away with --decommission %d",
					ErrNotLive, b, holds[b], b)
			}
		}
		p.cur = append([]int32(nil), p.orig...)
		s.parts = append(s.parts, p)
	}
	sort.Slice(s.parts, func(i, j int) bool { return s.parts[i].less(s.parts[j]) })
	for _, p := range s.parts {
		for _, b := range p.cur {
			if s.target[b] {
				s.add(p, b)
			}
		}
	}
	return s, nil
}

// setRacks decides whether placement is rack-aware: yes when every target
// broker has a rack, no when none has (or when disabled); a mix is an
// error, as in Kafka.
func (s *state) setRacks(disable bool) error {
	with := 0
	for _, b := range s.brokers {
		if s.rack[b] != "" {
			with++
		}
	}
	if disable || with == 0 {
		for _, b := range s.brokers {
			s.rack[b] = ""
		}
		s.racks = []string{""}
		return nil
	}
	if with < len(s.brokers) {
		return fmt.Errorf("%w (%d of %d have a broker.rack); give every broker a rack, or plan with --disable-rack-aware",
			ErrMixedRacks, with, len(s.brokers))
	}
	seen := map[string]bool{}
	for _, b := range s.brokers {
		if r := s.rack[b]; !seen[r] {
			seen[r] = true
			s.racks = append(s.racks, r)
		}
	}
	sort.Strings(s.racks)
	return nil
}

// add and remove keep the counters in step with p.cur.
func (s *state) add(p *part, b int32) {
	s.count[b]++
	s.holding[b] = append(s.holding[b], p)
	tc := s.topicCount[p.topic]
	if tc == nil {
		tc = map[int32]int{}
		s.topicCount[p.topic] = tc
	}
	tc[b]++
}

func (s *state) remove(p *part, b int32) {
	s.count[b]--
	h := s.holding[b]
	i := slices.Index(h, p)
	h[i] = h[len(h)-1]
	s.holding[b] = h[:len(h)-1]
	s.topicCount[p.topic][b]--
}

// rackCounts counts p's replicas (ignoring empty slots) per target rack.
func (s *state) rackCounts(reps []int32) map[string]int {
	rc := make(map[string]int, len(s.racks))
	for _, r := range s.racks {
		rc[r] = 0
	}
	for _, b := range reps {
		if b >= 0 && s.target[b] {
			rc[s.rack[b]]++
		}
	}
	return rc
}

// rackValid is the rack rule: no rack holds two replicas of the partition
// while another holds none.
func (s *state) rackValid(reps []int32) bool {
	hi, lo := 0, len(reps)
	for _, n := range s.rackCounts(reps) {
		hi, lo = max(hi, n), min(lo, n)
	}
	return hi < 2 || lo > 0
}

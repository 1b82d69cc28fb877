package group

import (
	"bytes"
	"time"

	"github.com/twmb/franz-go/pkg/kmsg"
)

// State is a classic group's state, named as Kafka names it (ListGroups,
// DescribeGroups).
type State int8

// Group states.
const (
	Empty State = iota
	PreparingRebalance
	CompletingRebalance
	Stable
	Dead
)

func (s State) String() string {
	switch s {
	case Empty:
		return "Empty"
	case PreparingRebalance:
		return "PreparingRebalance"
	case CompletingRebalance:
		return "CompletingRebalance"
	case Stable:
		return "Stable"
	}
	return "Dead"
}

type protocol struct {
	name     string
	metadata []byte
}

// waiter is a request whose response is deferred.
type waiter struct {
	id      uint64
	version int16
}

type member struct {
	id, instanceID       string // instanceID "" = dynamic member
	clientID, clientHost string
	rebalanceTimeout     time.Duration
	sessionTimeout       time.Duration
	protocolType         string
	protocols            []protocol
	assignment           []byte
	join, sync           *waiter // awaiting JoinGroup / SyncGroup responses
	isNew                bool
}

func (m *member) metadata(name string) []byte {
	for _, p := range m.protocols {
		if p.name == name {
			return p.metadata
		}
	}
	return nil
}

// matches: same protocols, same order, same metadata (Kafka's
// MemberMetadata.matches).
func (m *member) matches(ps []kmsg.JoinGroupRequestProtocol) bool {
	if len(ps) != len(m.protocols) {
		return false
	}
	for i, p := range ps {
		if p.Name != m.protocols[i].name || !bytes.Equal(p.Metadata, m.protocols[i].metadata) {
			return false
		}
	}
	return true
}

type tp struct {
	topic     string
	partition int32
}

type offset struct {
	OffsetValue
}

// classicGroup is one group's state. All fields are owned by the Coordinator
// (single-threaded).
type classicGroup struct {
	id         string
	partition  int32
	state      State
	stateSince time.Time // currentStateTimestamp

	protocolType string // "" = none (a group that only stores offsets)
	protocolName string // "" = none
	generation   int32
	leader       string

	members   map[string]*member
	order     []string          // member ids in join order (responses, leader choice)
	pending   map[string]bool   // KIP-394: member ids handed out, not joined yet
	static    map[string]string // instance id -> member id
	supported map[string]int    // protocol name -> members supporting it
	awaiting  int               // members with a pending JoinGroup
	pendSync  map[string]bool   // members that have not sent SyncGroup this generation
	newAdded  bool              // a new member joined during the initial delay
	delayLeft time.Duration     // initial delay: rebalance time still available
	inDelay   bool              // the join deadline is an initial-delay step
	syncToken uint64            // in-flight append of the leader's assignment

	offsets        map[tp]offset
	consumer       *consumerGroup // non-nil: a KIP-848 consumer group (classic fields unused)
	pendingOffsets map[tp]int     // in-flight commits per partition
}

func newClassicGroup(id string, partition int32, now time.Time) *classicGroup {
	return &classicGroup{
		id: id, partition: partition, state: Empty, stateSince: now,
		members: map[string]*member{}, pending: map[string]bool{},
		static: map[string]string{}, supported: map[string]int{},
		pendSync: map[string]bool{}, offsets: map[tp]offset{},
		pendingOffsets: map[tp]int{},
	}
}

func (g *classicGroup) transition(s State, now time.Time) {
	g.state = s
	g.stateSince = now
}

func (g *classicGroup) add(m *member) {
	if len(g.members) == 0 {
		g.protocolType = m.protocolType
	}
	g.members[m.id] = m
	g.order = append(g.order, m.id)
	for _, p := range m.protocols {
		g.supported[p.name]++
	}
	if g.leader == "" {
		g.leader = m.id
	}
	if m.instanceID != "" {
		g.static[m.instanceID] = m.id
	}
	if m.join != nil {
		g.awaiting++
	}
}

func (g *classicGroup) remove(id string) {
	m := g.members[id]
	if m == nil {
		return
	}
	for _, p := range m.protocols {
		g.supported[p.name]--
	}
	if m.join != nil {
		g.awaiting--
	}
	if m.instanceID != "" && g.static[m.instanceID] == id {
		delete(g.static, m.instanceID)
	}
	delete(g.members, id)
	delete(g.pendSync, id)
	for i, o := range g.order {
		if o == id {
			g.order = append(g.order[:i], g.order[i+1:]...)
			break
		}
	}
	if g.leader == id {
		g.leader = ""
		if len(g.order) > 0 {
			g.leader = g.order[0]
		}
	}
}

func (g *classicGroup) setProtocols(m *member, ps []kmsg.JoinGroupRequestProtocol) {
	for _, p := range m.protocols {
		g.supported[p.name]--
	}
	m.protocols = m.protocols[:0:0]
	for _, p := range ps {
		m.protocols = append(m.protocols, protocol{p.Name, p.Metadata})
		g.supported[p.Name]++
	}
}

// supports is Kafka's supportsProtocols: an empty group accepts any non-empty
// protocol type and list; otherwise the type must match and one of the
// member's protocols must be supported by every current member.
func (g *classicGroup) supports(ptype string, ps []kmsg.JoinGroupRequestProtocol) bool {
	if len(g.members) == 0 {
		return ptype != "" && len(ps) > 0
	}
	if ptype != g.protocolType {
		return false
	}
	for _, p := range ps {
		if g.supported[p.Name] == len(g.members) {
			return true
		}
	}
	return false
}

// selectProtocol: the candidates are the protocols every member supports;
// each member votes for its most preferred candidate; most votes wins (ties:
// the earliest in the first member's preference order).
func (g *classicGroup) selectProtocol() string {
	votes := map[string]int{}
	for _, id := range g.order {
		for _, p := range g.members[id].protocols {
			if g.supported[p.name] == len(g.members) {
				votes[p.name]++
				break
			}
		}
	}
	best, bestVotes := "", 0
	if len(g.order) > 0 {
		for _, p := range g.members[g.order[0]].protocols {
			if v := votes[p.name]; v > bestVotes {
				best, bestVotes = p.name, v
			}
		}
	}
	return best
}

func (g *classicGroup) hasAllJoined() bool {
	return g.awaiting == len(g.members) && len(g.pending) == 0
}

func (g *classicGroup) maxRebalanceTimeout() time.Duration {
	var d time.Duration
	for _, m := range g.members {
		d = max(d, m.rebalanceTimeout)
	}
	return d
}

// fenced: the instance id belongs to another member id (KIP-345).
func (g *classicGroup) fenced(instanceID *string, memberID string) bool {
	if instanceID == nil || *instanceID == "" {
		return false
	}
	cur, ok := g.static[*instanceID]
	return ok && cur != memberID
}

func (g *classicGroup) canRebalance() bool {
	return g.state == Stable || g.state == CompletingRebalance || g.state == Empty
}

// subscribedTopics parses the members' consumer-protocol subscriptions; ok is
// false when the group is not a "consumer" group or a subscription is unreadable.
func (g *classicGroup) subscribedTopics() (map[string]bool, bool) {
	if g.protocolType != "consumer" || g.protocolName == "" {
		return nil, false
	}
	topics := map[string]bool{}
	for _, m := range g.members {
		var s kmsg.ConsumerMemberMetadata
		if err := s.ReadFrom(m.metadata(g.protocolName)); err != nil {
			return nil, false
		}
		for _, t := range s.Topics {
			topics[t] = true
		}
	}
	return topics, true
}

func (g *classicGroup) groupType() string {
	if g.consumer != nil {
		return "consumer"
	}
	return "classic"
}

func (g *classicGroup) stateName() string {
	if g.consumer != nil {
		return g.consumer.stateName()
	}
	return g.state.String()
}

func ptr[T any](v T) *T { return &v }

func nullable(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}

// setJoin sets or clears a member's pending JoinGroup, keeping the count.
func (g *classicGroup) setJoin(m *member, w *waiter) {
	switch {
	case m.join == nil && w != nil:
		g.awaiting++
	case m.join != nil && w == nil:
		g.awaiting--
	}
	m.join = w
}

// rename gives a static member a new member id (KIP-345 replacement).
func (g *classicGroup) rename(oldID, newID string) *member {
	m := g.members[oldID]
	if m == nil {
		return nil
	}
	delete(g.members, oldID)
	m.id = newID
	g.members[newID] = m
	for i, o := range g.order {
		if o == oldID {
			g.order[i] = newID
		}
	}
	if m.instanceID != "" {
		g.static[m.instanceID] = newID
	}
	if g.leader == oldID {
		g.leader = newID
	}
	if g.pendSync[oldID] {
		delete(g.pendSync, oldID)
		g.pendSync[newID] = true
	}
	return m
}

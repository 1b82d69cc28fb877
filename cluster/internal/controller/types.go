package controller

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
)

// TP names a partition.
type TP struct {
	Topic     string
	Partition int32
}

func (tp TP) String() string { return tp.Topic + "-" + strconv.Itoa(int(tp.Partition)) }

// Endpoint is one listener a broker registered.
type Endpoint struct {
	Listener         string // listener name, e.g. PLAINTEXT
	Host             string
	Port             int32
	SecurityProtocol string // PLAINTEXT
}

// Broker is a live broker as registered in /brokers/ids/<id>.
type Broker struct {
	ID int32
	// Epoch is the registration znode's czxid: a restarted broker has a
	// larger one (a "bounce").
	Epoch     int64
	Endpoints []Endpoint
	Rack      string // "" = none
}

// Assignment is a topic's replica assignment (/brokers/topics/<t>).
type Assignment struct {
	Topic string
	ID    [16]byte
	// Replicas lists each partition's replicas, indexed by partition; the
	// first is the preferred leader.
	Replicas [][]int32
	// Adding and Removing are reassignments in progress (KIP-455).
	Adding, Removing map[int32][]int32
	// Unclean is the topic's effective unclean.leader.election.enable.
	Unclean bool
}

// LeaderAndIsr is a partition's state znode
// (/brokers/topics/<t>/partitions/<p>/state) plus its zkVersion.
type LeaderAndIsr struct {
	Leader          int32 // NoLeader when offline
	LeaderEpoch     int32
	ISR             []int32
	ControllerEpoch int32 // epoch of the controller that wrote it
	// Version is the znode's zkVersion: Kafka's partition epoch. Updates
	// are conditional on it.
	Version int32
}

// NoLeader is the leader of an offline partition.
const NoLeader int32 = -1

// LeaderDuringDelete is the leader UpdateMetadata announces for a topic
// being deleted, so that brokers drop it from their caches (Kafka's
// LeaderAndIsr.LeaderDuringDelete).
const LeaderDuringDelete int32 = -2

// EpochDuringDelete is the leader epoch StopReplica carries when a replica
// is deleted with its topic.
const EpochDuringDelete int32 = -2

func (s LeaderAndIsr) String() string {
	return fmt.Sprintf("leader=%d epoch=%d isr=%s v=%d", s.Leader, s.LeaderEpoch, ids(s.ISR), s.Version)
}

// State is everything the controller reads from the store when it takes
// office.
type State struct {
	Brokers    map[int32]Broker
	Topics     map[string]Assignment
	Partitions map[TP]LeaderAndIsr
	// Deleting are the topics marked under /admin/delete_topics.
	Deleting []string
}

// ids formats a replica list as [1,2,3].
func ids(l []int32) string {
	var b strings.Builder
	b.WriteByte('[')
	for i, id := range l {
		if i > 0 {
			b.WriteByte(',')
		}
		b.WriteString(strconv.Itoa(int(id)))
	}
	b.WriteByte(']')
	return b.String()
}

func contains(l []int32, id int32) bool { return slices.Contains(l, id) }

// Kafka error codes the controller answers with.
const (
	errNone                  int16 = 0
	errUnknownTopicPartition int16 = 3
	errNotLeaderOrFollower   int16 = 6
	errBrokerNotAvailable    int16 = 8
	errNotController         int16 = 41
	errElectionNotNeeded     int16 = 84
	errPreferredNotAvailable int16 = 80
	errEligibleLeadersNotAv  int16 = 83
	errFencedLeaderEpoch     int16 = 74
	errStaleBrokerEpoch      int16 = 77
	errInvalidUpdateVersion  int16 = 95
	errIneligibleReplica     int16 = 107
	errInvalidRequest        int16 = 42
	errInvalidReplicaAssign  int16 = 39
	errNoReassignment        int16 = 85
	errUnknownServer         int16 = -1
)

package zkdata

import (
	"encoding/base64"
	"sort"
	"strconv"
)

// TopicVersion is the /brokers/topics/<topic> format Kafka 3.9 writes.
const TopicVersion = 3

// ReplicaAssignment is one partition's replicas, in preference order
// (the first is the preferred leader), with the replicas being added or
// removed by a reassignment in progress.
type ReplicaAssignment struct {
	Replicas []int32
	Adding   []int32 // empty unless reassigning
	Removing []int32 // empty unless reassigning
}

// TopicAssignment is the content of /brokers/topics/<topic>.
type TopicAssignment struct {
	// TopicID is Kafka's Uuid.toString: 22 characters of unpadded
	// base64url. "" = none (topics created before Kafka 2.8; the
	// controller assigns one).
	TopicID    string
	Partitions map[int32]ReplicaAssignment
}

// EncodeTopic writes the assignment as a Kafka 3.9 broker does (version 3).
// Partitions are put into Kafka's hash maps in increasing order.
func EncodeTopic(a TopicAssignment) []byte {
	ps := make([]int32, 0, len(a.Partitions))
	for p := range a.Partitions {
		ps = append(ps, p)
	}
	sort.Slice(ps, func(i, j int) bool { return ps[i] < ps[j] })
	replicas := map[string]value{}
	adding := map[string]value{}
	removing := map[string]value{}
	var rk, ak, mk []string
	for _, p := range ps {
		k := strconv.Itoa(int(p))
		ra := a.Partitions[p]
		replicas[k] = jints(ra.Replicas)
		rk = append(rk, k)
		if len(ra.Adding) > 0 {
			adding[k] = jints(ra.Adding)
			ak = append(ak, k)
		}
		if len(ra.Removing) > 0 {
			removing[k] = jints(ra.Removing)
			mk = append(mk, k)
		}
	}
	fields := map[string]value{
		"version":           jint(TopicVersion),
		"partitions":        ordered(orderScalaMutable(scalaMutableInitialTable(0), rk), replicas),
		"adding_replicas":   ordered(orderScalaMutable(scalaMutableInitialTable(0), ak), adding),
		"removing_replicas": ordered(orderScalaMutable(scalaMutableInitialTable(0), mk), removing),
	}
	keys := []string{"version", "partitions", "adding_replicas", "removing_replicas"}
	if a.TopicID != "" {
		fields["topic_id"] = jstr(a.TopicID)
		keys = append(keys, "topic_id")
	}
	return encode(ordered(orderScalaMutable(scalaMutableInitialTable(4), keys), fields))
}

// ValidTopicID says whether s is a topic id as Kafka writes it: 22
// characters of unpadded base64url encoding 16 bytes.
func ValidTopicID(s string) bool {
	b, err := base64.RawURLEncoding.DecodeString(s)
	return err == nil && len(b) == 16 && len(s) == 22
}

// DecodeTopic reads /brokers/topics/<topic>. As in Kafka, "partitions",
// "adding_replicas", "removing_replicas" and "topic_id" may be absent;
// unlike Kafka (which then treats the topic as having no partitions),
// malformed JSON is an error. Partition numbers must be non-negative
// integers; replica lists arrays of integers.
func DecodeTopic(topic string, data []byte) (TopicAssignment, error) {
	o, err := parseObject(TopicPath(topic), data)
	if err != nil {
		return TopicAssignment{}, err
	}
	var a TopicAssignment
	id, ok, err := o.optString("topic_id")
	if err != nil {
		return a, err
	}
	if ok {
		if !ValidTopicID(id) {
			return a, o.fieldErr("topic_id", "%q is not a topic id (22 characters of base64url)", id)
		}
		a.TopicID = id
	}
	lists := func(key string) (map[int32][]int32, error) {
		sub, ok, err := o.optObject(key)
		if err != nil || !ok {
			return nil, err
		}
		out := make(map[int32][]int32, len(sub.m))
		for k, raw := range sub.m {
			p, err := strconv.ParseInt(k, 10, 32)
			if err != nil || p < 0 {
				return nil, sub.errf("key %q is not a partition number", k)
			}
			rs, err := sub.int32sValue(k, raw)
			if err != nil {
				return nil, err
			}
			out[int32(p)] = rs
		}
		return out, nil
	}
	parts, err := lists("partitions")
	if err != nil {
		return a, err
	}
	adding, err := lists("adding_replicas")
	if err != nil {
		return a, err
	}
	removing, err := lists("removing_replicas")
	if err != nil {
		return a, err
	}
	a.Partitions = make(map[int32]ReplicaAssignment, len(parts))
	for p, rs := range parts {
		a.Partitions[p] = ReplicaAssignment{Replicas: rs, Adding: adding[p], Removing: removing[p]}
	}
	return a, nil
}

package zkdata

// Partition reassignment and preferred leader election through
// ZooKeeper are how tools before Kafka 2.4 asked for them; Kafka 3.9
// still acts on these znodes. Deleting a topic is asked for by creating
// /admin/delete_topics/<topic> with no data.

// EncodeReassignment writes /admin/reassign_partitions: {"version":1,
// "partitions":[{"topic":..,"partition":..,"replicas":[..]}]}.
func EncodeReassignment(r map[TopicPartition][]int32) []byte {
	tps := sortedPartitions(r)
	parts := make(jarr, len(tps))
	for i, tp := range tps {
		parts[i] = ordered([]string{"topic", "partition", "replicas"}, map[string]value{
			"topic": jstr(tp.Topic), "partition": jint(tp.Partition), "replicas": jints(r[tp]),
		})
	}
	return encode(ordered([]string{"version", "partitions"}, map[string]value{
		"version": jint(1), "partitions": parts,
	}))
}

// DecodeReassignment reads /admin/reassign_partitions.
func DecodeReassignment(data []byte) (map[TopicPartition][]int32, error) {
	o, err := parseObject(ReassignPartitionsPath, data)
	if err != nil {
		return nil, err
	}
	elems, err := o.requireArray("partitions")
	if err != nil {
		return nil, err
	}
	out := make(map[TopicPartition][]int32, len(elems))
	for i, raw := range elems {
		e, err := o.element("partitions", i, raw)
		if err != nil {
			return nil, err
		}
		t, err := e.requireString("topic")
		if err != nil {
			return nil, err
		}
		p, err := e.requireInt32("partition")
		if err != nil {
			return nil, err
		}
		if p < 0 {
			return nil, e.fieldErr("partition", "negative partition %d", p)
		}
		rs, err := e.requireInt32s("replicas")
		if err != nil {
			return nil, err
		}
		out[TopicPartition{t, p}] = rs
	}
	return out, nil
}

// EncodePreferredReplicaElection writes /admin/preferred_replica_election.
func EncodePreferredReplicaElection(tps []TopicPartition) []byte {
	return encode(ordered([]string{"version", "partitions"}, map[string]value{
		"version": jint(1), "partitions": partitionsArray(tps),
	}))
}

// DecodePreferredReplicaElection reads /admin/preferred_replica_election.
func DecodePreferredReplicaElection(data []byte) ([]TopicPartition, error) {
	o, err := parseObject(PreferredReplicaElectPath, data)
	if err != nil {
		return nil, err
	}
	return decodePartitionsArray(o)
}

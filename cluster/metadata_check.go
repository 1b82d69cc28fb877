package cluster

import (
	"fmt"

	"sluice/cluster/internal/metastore"
)

// checkMetadata validates a loaded metadata file so that nothing later can
// trip over it: unique valid topic names and ids, partitions numbered 0..n-1
// in order, non-empty duplicate-free replica lists with the leader among
// them, a producer-id block end that is not negative. A file that fails is
// reported as ErrCorruptMetadata; Open then refuses to start rather than
// guess.
func checkMetadata(st *metastore.State) error {
	bad := func(format string, args ...any) error {
		return fmt.Errorf("%w: %s", ErrCorruptMetadata, fmt.Sprintf(format, args...))
	}
	if st.ClusterID == "" {
		return bad("no cluster id")
	}
	if st.ProducerIDBlockEnd < 0 {
		return bad("negative producer_id_block_end %d", st.ProducerIDBlockEnd)
	}
	names := map[string]bool{}
	ids := map[[16]byte]bool{}
	for _, t := range st.Topics {
		if err := ValidateTopicName(t.Name); err != nil {
			return bad("topic %q: %s", t.Name, Message(err))
		}
		if names[t.Name] {
			return bad("topic %s listed twice", t.Name)
		}
		names[t.Name] = true
		id, err := ParseUUID(t.ID)
		if err != nil || id == ([16]byte{}) {
			return bad("topic %s: bad id %q", t.Name, t.ID)
		}
		if ids[id] {
			return bad("topic %s: id %s used twice", t.Name, t.ID)
		}
		ids[id] = true
		if len(t.Partitions) == 0 {
			return bad("topic %s has no partitions", t.Name)
		}
		for i, p := range t.Partitions {
			if p.Partition != int32(i) {
				return bad("topic %s: partition %d listed at position %d", t.Name, p.Partition, i)
			}
			if len(p.Replicas) == 0 || duplicateID(p.Replicas) {
				return bad("topic %s partition %d: bad replicas %v", t.Name, i, p.Replicas)
			}
			if p.Leader != -1 && !containsID(p.Replicas, p.Leader) {
				return bad("topic %s partition %d: leader %d not a replica", t.Name, i, p.Leader)
			}
		}
	}
	return nil
}

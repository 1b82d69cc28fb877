package zkdata

import (
	"sort"
	"strconv"
)

// ProducerIDBlockSize is the number of producer ids a broker claims at a
// time (ProducerIdsBlock.PRODUCER_ID_BLOCK_SIZE).
const ProducerIDBlockSize = 1000

// ProducerIDBlock is the block of producer ids last claimed, as written
// in /latest_producer_id_block. First and Last are inclusive; the next
// claim starts at Last+1.
type ProducerIDBlock struct {
	Broker int32
	First  int64
	Last   int64
}

// EncodeProducerIDBlock writes the block as Kafka does; note that the
// bounds are strings.
func EncodeProducerIDBlock(b ProducerIDBlock) []byte {
	return encode(ordered([]string{"version", "broker", "block_start", "block_end"}, map[string]value{
		"version":     jint(1),
		"broker":      jint(b.Broker),
		"block_start": jstr(strconv.FormatInt(b.First, 10)),
		"block_end":   jstr(strconv.FormatInt(b.Last, 10)),
	}))
}

// DecodeProducerIDBlock reads /latest_producer_id_block. The znode exists
// with no data before the first claim; callers check for that (len(data)
// == 0) before decoding.
func DecodeProducerIDBlock(data []byte) (ProducerIDBlock, error) {
	o, err := parseObject(ProducerIDBlockPath, data)
	if err != nil {
		return ProducerIDBlock{}, err
	}
	var b ProducerIDBlock
	if b.Broker, err = o.requireInt32("broker"); err != nil {
		return b, err
	}
	if b.First, err = o.requireInt64String("block_start"); err != nil {
		return b, err
	}
	if b.Last, err = o.requireInt64String("block_end"); err != nil {
		return b, err
	}
	if b.First < 0 || b.Last < b.First {
		return b, o.errf("block [%d, %d] is empty or negative", b.First, b.Last)
	}
	return b, nil
}

func sortedPartitions[V any](m map[TopicPartition]V) []TopicPartition {
	tps := make([]TopicPartition, 0, len(m))
	for tp := range m {
		tps = append(tps, tp)
	}
	sort.Slice(tps, func(i, j int) bool {
		if tps[i].Topic != tps[j].Topic {
			return tps[i].Topic < tps[j].Topic
		}
		return tps[i].Partition < tps[j].Partition
	})
	return tps
}

package protocol

import (
	"maps"
	"testing"

	"github.com/twmb/franz-go/pkg/kmsg"

	"sluice/protocol/handlers"
)

func tally(resp kmsg.Response) map[int16]int {
	var e handlers.ErrorCounts
	countErrors(resp, &e)
	got := map[int16]int{}
	e.Each(func(code int16, n int) { got[code] += n })
	return got
}

func TestCountErrors(t *testing.T) {
	produce := kmsg.NewPtrProduceResponse()
	pt := kmsg.NewProduceResponseTopic()
	for _, c := range []int16{0, 3, 3, 6} {
		p := kmsg.NewProduceResponseTopicPartition()
		p.ErrorCode = c
		pt.Partitions = append(pt.Partitions, p)
	}
	produce.Topics = append(produce.Topics, pt)

	metadata := kmsg.NewPtrMetadataResponse()
	mt := kmsg.NewMetadataResponseTopic()
	mt.ErrorCode = 0
	mp := kmsg.NewMetadataResponseTopicPartition()
	mp.ErrorCode = 5
	mt.Partitions = append(mt.Partitions, mp)
	metadata.Topics = append(metadata.Topics, mt, kmsg.MetadataResponseTopic{ErrorCode: 3})

	offsetFetchV8 := kmsg.NewPtrOffsetFetchResponse()
	g := kmsg.NewOffsetFetchResponseGroup()
	g.ErrorCode = 16
	gt := kmsg.NewOffsetFetchResponseGroupTopic()
	gt.Partitions = append(gt.Partitions, kmsg.OffsetFetchResponseGroupTopicPartition{ErrorCode: 0})
	g.Topics = append(g.Topics, gt)
	offsetFetchV8.Groups = append(offsetFetchV8.Groups, g)

	findV4 := kmsg.NewPtrFindCoordinatorResponse()
	findV4.Coordinators = append(findV4.Coordinators, kmsg.FindCoordinatorResponseCoordinator{ErrorCode: 15}, kmsg.FindCoordinatorResponseCoordinator{})
	findV0 := kmsg.NewPtrFindCoordinatorResponse()
	findV0.ErrorCode = 15

	createTopics := kmsg.NewPtrCreateTopicsResponse()
	createTopics.Topics = append(createTopics.Topics, kmsg.CreateTopicsResponseTopic{ErrorCode: 36}, kmsg.CreateTopicsResponseTopic{})

	for name, tc := range map[string]struct {
		resp kmsg.Response
		want map[int16]int
	}{
		"produce per partition":            {produce, map[int16]int{0: 1, 3: 2, 6: 1}},
		"metadata per topic and partition": {metadata, map[int16]int{0: 1, 5: 1, 3: 1}},
		"offset fetch v8 groups":           {offsetFetchV8, map[int16]int{16: 1, 0: 1}},
		"find coordinator v4":              {findV4, map[int16]int{15: 1, 0: 1}},
		"find coordinator v0":              {findV0, map[int16]int{15: 1}},
		"create topics per topic":          {createTopics, map[int16]int{36: 1, 0: 1}},
		"empty produce counts NONE once":   {kmsg.NewPtrProduceResponse(), map[int16]int{0: 1}},
		"unlisted API counts NONE once":    {kmsg.NewPtrDescribeACLsResponse(), map[int16]int{0: 1}},
	} {
		if got := tally(tc.resp); !maps.Equal(got, tc.want) {
			t.Errorf("%s: %v, want %v", name, got, tc.want)
		}
	}
}

// TestErrorCountsOverflow: more distinct codes than the inline slots are
// still all counted, and First is the first non-zero code.
func TestErrorCountsOverflow(t *testing.T) {
	var e handlers.ErrorCounts
	want := map[int16]int{}
	for c := range int16(10) {
		e.Add(c, int(c)+1)
		e.Add(c, 1)
		want[c] = int(c) + 2
	}
	got := map[int16]int{}
	e.Each(func(code int16, n int) { got[code] += n })
	if !maps.Equal(got, want) {
		t.Errorf("counts %v, want %v", got, want)
	}
	if e.First() != 1 {
		t.Errorf("First = %d, want 1", e.First())
	}
}

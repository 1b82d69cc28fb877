package protocol

import (
	"github.com/twmb/franz-go/pkg/kmsg"

	"sluice/protocol/handlers"
)

// countErrors tallies resp's error codes into e as Kafka's
// AbstractResponse.errorCounts does, for the ErrorsPerSec metric: one count
// per partition for the partition-level APIs (Produce, ListOffsets,
// OffsetCommit, DeleteRecords, OffsetForLeaderEpoch), per topic for the
// topic-level ones (Metadata, CreateTopics, DeleteTopics, CreatePartitions),
// per group or resource for the group and config APIs, plus the top-level
// code where the response has one. Code 0 (NONE) counts successes. A type
// switch keeps this free of reflection; responses of other APIs count their
// request once as NONE. (Fetch answers are hand-encoded: the handler tallies
// them in Reply.Errors.)
func countErrors(resp kmsg.Response, e *handlers.ErrorCounts) {
	switch r := resp.(type) {
	case *kmsg.ProduceResponse:
		for i := range r.Topics {
			for j := range r.Topics[i].Partitions {
				e.Add(r.Topics[i].Partitions[j].ErrorCode, 1)
			}
		}
	case *kmsg.FetchResponse:
		e.Add(r.ErrorCode, 1)
		for i := range r.Topics {
			for j := range r.Topics[i].Partitions {
				e.Add(r.Topics[i].Partitions[j].ErrorCode, 1)
			}
		}
	case *kmsg.ListOffsetsResponse:
		for i := range r.Topics {
			for j := range r.Topics[i].Partitions {
				e.Add(r.Topics[i].Partitions[j].ErrorCode, 1)
			}
		}
	case *kmsg.MetadataResponse: // each partition, then its topic
		for i := range r.Topics {
			for j := range r.Topics[i].Partitions {
				e.Add(r.Topics[i].Partitions[j].ErrorCode, 1)
			}
			e.Add(r.Topics[i].ErrorCode, 1)
		}
	case *kmsg.OffsetCommitResponse:
		for i := range r.Topics {
			for j := range r.Topics[i].Partitions {
				e.Add(r.Topics[i].Partitions[j].ErrorCode, 1)
			}
		}
	case *kmsg.OffsetFetchResponse:
		countOffsetFetch(r, e)
	case *kmsg.FindCoordinatorResponse:
		if len(r.Coordinators) == 0 {
			e.Add(r.ErrorCode, 1)
		}
		for i := range r.Coordinators {
			e.Add(r.Coordinators[i].ErrorCode, 1)
		}
	case *kmsg.JoinGroupResponse:
		e.Add(r.ErrorCode, 1)
	case *kmsg.HeartbeatResponse:
		e.Add(r.ErrorCode, 1)
	case *kmsg.LeaveGroupResponse:
		e.Add(r.ErrorCode, 1)
		for i := range r.Members {
			e.Add(r.Members[i].ErrorCode, 1)
		}
	case *kmsg.SyncGroupResponse:
		e.Add(r.ErrorCode, 1)
	case *kmsg.DescribeGroupsResponse:
		for i := range r.Groups {
			e.Add(r.Groups[i].ErrorCode, 1)
		}
	case *kmsg.ListGroupsResponse:
		e.Add(r.ErrorCode, 1)
	case *kmsg.ApiVersionsResponse:
		e.Add(r.ErrorCode, 1)
	case *kmsg.CreateTopicsResponse:
		for i := range r.Topics {
			e.Add(r.Topics[i].ErrorCode, 1)
		}
	case *kmsg.DeleteTopicsResponse:
		for i := range r.Topics {
			e.Add(r.Topics[i].ErrorCode, 1)
		}
	case *kmsg.DeleteRecordsResponse:
		for i := range r.Topics {
			for j := range r.Topics[i].Partitions {
				e.Add(r.Topics[i].Partitions[j].ErrorCode, 1)
			}
		}
	case *kmsg.InitProducerIDResponse:
		e.Add(r.ErrorCode, 1)
	case *kmsg.OffsetForLeaderEpochResponse:
		for i := range r.Topics {
			for j := range r.Topics[i].Partitions {
				e.Add(r.Topics[i].Partitions[j].ErrorCode, 1)
			}
		}
	case *kmsg.DescribeConfigsResponse:
		for i := range r.Resources {
			e.Add(r.Resources[i].ErrorCode, 1)
		}
	case *kmsg.AlterConfigsResponse:
		for i := range r.Resources {
			e.Add(r.Resources[i].ErrorCode, 1)
		}
	case *kmsg.IncrementalAlterConfigsResponse:
		for i := range r.Resources {
			e.Add(r.Resources[i].ErrorCode, 1)
		}
	case *kmsg.DescribeLogDirsResponse:
		e.Add(r.ErrorCode, 1)
		for i := range r.Dirs {
			e.Add(r.Dirs[i].ErrorCode, 1)
		}
	case *kmsg.CreatePartitionsResponse:
		for i := range r.Topics {
			e.Add(r.Topics[i].ErrorCode, 1)
		}
	case *kmsg.DeleteGroupsResponse:
		for i := range r.Groups {
			e.Add(r.Groups[i].ErrorCode, 1)
		}
	case *kmsg.OffsetDeleteResponse:
		e.Add(r.ErrorCode, 1)
		for i := range r.Topics {
			for j := range r.Topics[i].Partitions {
				e.Add(r.Topics[i].Partitions[j].ErrorCode, 1)
			}
		}
	case *kmsg.DescribeClusterResponse:
		e.Add(r.ErrorCode, 1)
	case *kmsg.ConsumerGroupHeartbeatResponse:
		e.Add(r.ErrorCode, 1)
	case *kmsg.ConsumerGroupDescribeResponse:
		for i := range r.Groups {
			e.Add(r.Groups[i].ErrorCode, 1)
		}
	}
	if e.Empty() { // an API not listed, or a response with nothing in it
		e.Add(0, 1)
	}
}

// countOffsetFetch: v8+ answers per group (group code and its partitions),
// older versions carry one group's top-level code and partitions.
func countOffsetFetch(r *kmsg.OffsetFetchResponse, e *handlers.ErrorCounts) {
	if len(r.Groups) > 0 {
		for i := range r.Groups {
			g := &r.Groups[i]
			e.Add(g.ErrorCode, 1)
			for j := range g.Topics {
				for k := range g.Topics[j].Partitions {
					e.Add(g.Topics[j].Partitions[k].ErrorCode, 1)
				}
			}
		}
		return
	}
	e.Add(r.ErrorCode, 1)
	for i := range r.Topics {
		for j := range r.Topics[i].Partitions {
			e.Add(r.Topics[i].Partitions[j].ErrorCode, 1)
		}
	}
}

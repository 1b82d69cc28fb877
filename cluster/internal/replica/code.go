package replica

import "strconv"

// Code is a Kafka error code as carried in responses; None (0) is success.
// The machine imports none of our packages, so it names the few codes it
// produces or reads here; the values are Kafka's and must never change.
type Code int16

// The Kafka error codes the machine answers with or reacts to.
const (
	None                         Code = 0
	OffsetOutOfRange             Code = 1
	UnknownTopicOrPartition      Code = 3
	NotLeaderOrFollower          Code = 6
	RequestTimedOut              Code = 7
	NotEnoughReplicas            Code = 19
	NotEnoughReplicasAfterAppend Code = 20
	InvalidRequest               Code = 42
	OperationNotAttempted        Code = 55
	KafkaStorageError            Code = 56
	FencedLeaderEpoch            Code = 74
	UnknownLeaderEpoch           Code = 75
	InvalidUpdateVersion         Code = 95
	UnknownTopicID               Code = 100
	IneligibleReplica            Code = 107
	NewLeaderElected             Code = 108
)

var codeNames = map[Code]string{
	None:                         "NONE",
	OffsetOutOfRange:             "OFFSET_OUT_OF_RANGE",
	UnknownTopicOrPartition:      "UNKNOWN_TOPIC_OR_PARTITION",
	NotLeaderOrFollower:          "NOT_LEADER_OR_FOLLOWER",
	RequestTimedOut:              "REQUEST_TIMED_OUT",
	NotEnoughReplicas:            "NOT_ENOUGH_REPLICAS",
	NotEnoughReplicasAfterAppend: "NOT_ENOUGH_REPLICAS_AFTER_APPEND",
	InvalidRequest:               "INVALID_REQUEST",
	OperationNotAttempted:        "OPERATION_NOT_ATTEMPTED",
	KafkaStorageError:            "KAFKA_STORAGE_ERROR",
	FencedLeaderEpoch:            "FENCED_LEADER_EPOCH",
	UnknownLeaderEpoch:           "UNKNOWN_LEADER_EPOCH",
	InvalidUpdateVersion:         "INVALID_UPDATE_VERSION",
	UnknownTopicID:               "UNKNOWN_TOPIC_ID",
	IneligibleReplica:            "INELIGIBLE_REPLICA",
	NewLeaderElected:             "NEW_LEADER_ELECTED",
}

// String is Kafka's name for the code (the number for codes not listed).
func (c Code) String() string {
	if n, ok := codeNames[c]; ok {
		return n
	}
	return "ERROR_" + strconv.Itoa(int(c))
}

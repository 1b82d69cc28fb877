package kerr

import (
	"errors"

	"sluice/cluster"
	"sluice/engine"
	"sluice/engine/record"
)

// sentinels maps Sluice's sentinel errors to codes, checked in order with
// errors.Is (more specific first).
var sentinels = []struct {
	err  error
	kerr *Error
}{
	{record.ErrCorruptMessage, CorruptMessage},
	{record.ErrInvalidRecord, InvalidRecord},
	{record.ErrMessageTooLarge, MessageTooLarge},
	{record.ErrInvalidTimestamp, InvalidTimestamp},
	{record.ErrUnsupportedCompression, UnsupportedCompressionType},
	{engine.ErrOffsetOutOfRange, OffsetOutOfRange},
	{engine.ErrLogDirNotFound, LogDirNotFound},
	{engine.ErrStorage, KafkaStorageError},
	{engine.ErrOutOfOrderSequence, OutOfOrderSequenceNumber},
	{engine.ErrInvalidProducerEpoch, InvalidProducerEpoch},
	{engine.ErrInvalidConfig, InvalidConfig},
	{engine.ErrUnknownLog, UnknownTopicOrPartition},
	{engine.ErrInvalidTopic, InvalidTopicException},
	{engine.ErrClosed, NotLeaderOrFollower},
	{cluster.ErrUnknownTopicOrPartition, UnknownTopicOrPartition},
	{cluster.ErrUnknownTopicID, UnknownTopicID},
	{cluster.ErrTopicExists, TopicAlreadyExists},
	{cluster.ErrInvalidTopic, InvalidTopicException},
	{cluster.ErrInvalidPartitions, InvalidPartitions},
	{cluster.ErrInvalidReplicationFactor, InvalidReplicationFactor},
	{cluster.ErrInvalidReplicaAssignment, InvalidReplicaAssignment},
	{cluster.ErrInvalidConfig, InvalidConfig},
	{cluster.ErrInvalidRequest, InvalidRequest},
	{cluster.ErrNotLeader, NotLeaderOrFollower},
	{cluster.ErrTopicDeletionDisabled, TopicDeletionDisabled},
	{cluster.ErrNotEnoughReplicas, NotEnoughReplicas},
	{cluster.ErrNotEnoughReplicasAfterAppend, NotEnoughReplicasAfterAppend},
	{cluster.ErrRequestTimedOut, RequestTimedOut},
	{cluster.ErrFencedLeaderEpoch, FencedLeaderEpoch},
	{cluster.ErrUnknownLeaderEpoch, UnknownLeaderEpoch},
	{cluster.ErrNotController, NotController},
	{cluster.ErrStaleControllerEpoch, StaleControllerEpoch},
	{cluster.ErrStaleBrokerEpoch, StaleBrokerEpoch},
	{cluster.ErrLeaderNotAvailable, LeaderNotAvailable},
	{cluster.ErrInvalidRequiredAcks, InvalidRequiredAcks},
	{cluster.ErrPolicyViolation, PolicyViolation},
	{cluster.ErrClosed, NotLeaderOrFollower},
}

// FromError returns the Kafka error for err: nil for nil, the error itself
// when err wraps a *Error, the mapped code for a known sentinel, and
// UNKNOWN_SERVER_ERROR otherwise.
func FromError(err error) *Error {
	if err == nil {
		return nil
	}
	var ke *Error
	if errors.As(err, &ke) {
		return ke
	}
	for _, s := range sentinels {
		if errors.Is(err, s.err) {
			return s.kerr
		}
	}
	return UnknownServerError
}

// Code is FromError(err).Code, 0 for nil.
func Code(err error) int16 { return CodeOf(FromError(err)) }

// Message is the text for a response's error_message field: the message a
// cluster or record error carries (Kafka's wording), else the error text.
func Message(err error) string {
	if err == nil {
		return ""
	}
	var ve *record.ValidationError
	if errors.As(err, &ve) {
		return ve.Msg
	}
	return cluster.Message(err)
}

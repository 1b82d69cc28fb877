package cluster

import (
	"errors"
	"fmt"
)

// Sentinel errors of the cluster package. Every error returned by a Node
// operation wraps one of these (or an engine sentinel such as
// engine.ErrStorage) so that the protocol layer can pick the Kafka error code
// with errors.Is; Message returns the Kafka-style text for the response's
// error_message field.
var (
	// ErrUnknownTopicOrPartition: UNKNOWN_TOPIC_OR_PARTITION (3).
	ErrUnknownTopicOrPartition = errors.New("cluster: unknown topic or partition")
	// ErrUnknownTopicID: UNKNOWN_TOPIC_ID (100).
	ErrUnknownTopicID = errors.New("cluster: unknown topic id")
	// ErrTopicExists: TOPIC_ALREADY_EXISTS (36).
	ErrTopicExists = errors.New("cluster: topic already exists")
	// ErrInvalidTopic: INVALID_TOPIC_EXCEPTION (17): an illegal or colliding
	// name, or a client produce into an internal topic.
	ErrInvalidTopic = errors.New("cluster: invalid topic")
	// ErrInvalidPartitions: INVALID_PARTITIONS (37).
	ErrInvalidPartitions = errors.New("cluster: invalid partitions")
	// ErrInvalidReplicationFactor: INVALID_REPLICATION_FACTOR (38).
	ErrInvalidReplicationFactor = errors.New("cluster: invalid replication factor")
	// ErrInvalidReplicaAssignment: INVALID_REPLICA_ASSIGNMENT (39).
	ErrInvalidReplicaAssignment = errors.New("cluster: invalid replica assignment")
	// ErrInvalidConfig: INVALID_CONFIG (40): unknown config name or bad value.
	ErrInvalidConfig = errors.New("cluster: invalid config")
	// ErrInvalidRequest: INVALID_REQUEST (42): e.g. a read-only broker config
	// altered dynamically, APPEND on a non-list config, partitions and an
	// explicit assignment both given.
	ErrInvalidRequest = errors.New("cluster: invalid request")
	// ErrNotLeader: NOT_LEADER_OR_FOLLOWER (6).
	ErrNotLeader = errors.New("cluster: not leader or follower")
	// ErrTopicDeletionDisabled: TOPIC_DELETION_DISABLED (73); DeleteTopics
	// below v3 answers INVALID_REQUEST instead, as Kafka does.
	ErrTopicDeletionDisabled = errors.New("cluster: topic deletion disabled")
	// ErrInternalTopicDeletion: deleting __consumer_offsets or
	// __transaction_state. Kafka (ZooKeeper mode) refuses with an
	// AdminOperationException, which reaches clients as UNKNOWN_SERVER_ERROR.
	ErrInternalTopicDeletion = errors.New("cluster: internal topic cannot be deleted")
	// ErrNotEnoughReplicas: NOT_ENOUGH_REPLICAS (19): acks=-1 and the ISR is
	// smaller than min.insync.replicas.
	ErrNotEnoughReplicas = errors.New("cluster: not enough replicas")
	// ErrNotEnoughReplicasAfterAppend: NOT_ENOUGH_REPLICAS_AFTER_APPEND
	// (20): the ISR shrank below min.insync.replicas while an acks=-1
	// produce waited.
	ErrNotEnoughReplicasAfterAppend = errors.New("cluster: not enough replicas after append")
	// ErrRequestTimedOut: REQUEST_TIMED_OUT (7): an acks=-1 produce was not
	// committed within its timeout.
	ErrRequestTimedOut = errors.New("cluster: request timed out")
	// ErrFencedLeaderEpoch: FENCED_LEADER_EPOCH (74): the request's leader
	// epoch is older than the replica's.
	ErrFencedLeaderEpoch = errors.New("cluster: fenced leader epoch")
	// ErrUnknownLeaderEpoch: UNKNOWN_LEADER_EPOCH (75): the request's
	// leader epoch is newer than the replica's.
	ErrUnknownLeaderEpoch = errors.New("cluster: unknown leader epoch")
	// ErrNotController: NOT_CONTROLLER (41): an admin request reached a
	// broker that is not the controller (ZooKeeper mode does not forward).
	ErrNotController = errors.New("cluster: not the controller")
	// ErrStaleControllerEpoch: STALE_CONTROLLER_EPOCH (11).
	ErrStaleControllerEpoch = errors.New("cluster: stale controller epoch")
	// ErrStaleBrokerEpoch: STALE_BROKER_EPOCH (77).
	ErrStaleBrokerEpoch = errors.New("cluster: stale broker epoch")
	// ErrLeaderNotAvailable: LEADER_NOT_AVAILABLE (5).
	ErrLeaderNotAvailable = errors.New("cluster: leader not available")
	// ErrReplication: another replication error, named in the message.
	ErrReplication = errors.New("cluster: replication error")
	// ErrInvalidRequiredAcks: INVALID_REQUIRED_ACKS (21).
	ErrInvalidRequiredAcks = errors.New("cluster: invalid required acks")
	// ErrPolicyViolation: POLICY_VIOLATION (44). Reserved for topic policies.
	ErrPolicyViolation = errors.New("cluster: policy violation")
	// ErrCorruptMetadata: the metadata file cannot be parsed.
	ErrCorruptMetadata = errors.New("cluster: corrupt metadata file")
	// ErrClosed: the node is closed.
	ErrClosed = errors.New("cluster: closed")
	// ErrInconsistentClusterID: the log dirs belong to another cluster
	// than the one in ZooKeeper (/cluster/id).
	ErrInconsistentClusterID = errors.New("cluster: inconsistent cluster id")
	// ErrBrokerIDInUse: a live broker holds the registration of this
	// broker id.
	ErrBrokerIDInUse = errors.New("cluster: broker id in use")
	// ErrBadBrokerConfig: ParseBrokerConfig found a bad value; the message
	// names the key and the allowed range.
	ErrBadBrokerConfig = errors.New("cluster: bad broker config")
)

// kafkaError pairs a sentinel with the message Kafka would send.
type kafkaError struct {
	sentinel error
	msg      string
}

func (e *kafkaError) Error() string        { return e.sentinel.Error() + ": " + e.msg }
func (e *kafkaError) Unwrap() error        { return e.sentinel }
func (e *kafkaError) KafkaMessage() string { return e.msg }

// errorf returns an error wrapping sentinel whose Kafka message is the
// formatted text.
func errorf(sentinel error, format string, args ...any) error {
	return &kafkaError{sentinel: sentinel, msg: fmt.Sprintf(format, args...)}
}

// Message returns the Kafka-style message carried by err (the text a Kafka
// broker would put in a response's error_message), or err.Error() when err
// carries none, or "" for nil.
func Message(err error) string {
	if err == nil {
		return ""
	}
	var km interface{ KafkaMessage() string }
	if errors.As(err, &km) {
		return km.KafkaMessage()
	}
	return err.Error()
}

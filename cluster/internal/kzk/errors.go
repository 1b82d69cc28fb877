package kzk

import (
	"errors"
	"fmt"
)

// Errors of the metadata store.
var (
	// ErrControllerMoved: a controller write was fenced off because
	// /controller_epoch is no longer at the version this controller
	// wrote when elected: another controller was elected since (Kafka's
	// ControllerMovedException). Nothing of the refused write applied.
	ErrControllerMoved = errors.New("kzk: controller moved: the controller epoch changed since this controller was elected")
	// ErrBrokerIDInUse: another live session holds the broker id's
	// registration (see *BrokerIDInUseError).
	ErrBrokerIDInUse = errors.New("kzk: broker id in use")
	// ErrTopicExists: the topic exists (TOPIC_ALREADY_EXISTS).
	ErrTopicExists = errors.New("kzk: topic already exists")
	// ErrMarkedForDeletion: the topic is marked for deletion; it wraps
	// ErrTopicExists for creations (Kafka: "Topic is marked for
	// deletion").
	ErrMarkedForDeletion = errors.New("kzk: topic is marked for deletion")
	// ErrNoTopic: the topic does not exist (UNKNOWN_TOPIC_OR_PARTITION).
	ErrNoTopic = errors.New("kzk: topic does not exist")
	// ErrProducerIDsExhausted: no producer id block is left.
	ErrProducerIDsExhausted = errors.New("kzk: producer ids exhausted")
)

// BrokerIDInUseError says who holds a broker id: the session owning the
// ephemeral /brokers/ids/<id> (0 if the znode is persistent, i.e. made by
// hand).
type BrokerIDInUseError struct {
	ID    int32
	Owner int64
	Path  string
}

func (e *BrokerIDInUseError) Error() string {
	if e.Owner == 0 {
		return fmt.Sprintf("kzk: broker id %d is taken: %s exists and is not a broker registration (a persistent znode); delete it",
			e.ID, e.Path)
	}
	return fmt.Sprintf("kzk: broker id %d is registered by another live session 0x%x (%s)", e.ID, e.Owner, e.Path)
}

// Unwrap makes errors.Is(err, ErrBrokerIDInUse) true.
func (e *BrokerIDInUseError) Unwrap() error { return ErrBrokerIDInUse }

type markedError struct{ topic string }

func (e markedError) Error() string {
	return fmt.Sprintf("kzk: topic %q is marked for deletion", e.topic)
}
func (e markedError) Is(target error) bool {
	return target == ErrMarkedForDeletion || target == ErrTopicExists
}

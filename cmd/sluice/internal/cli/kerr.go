package cli

import (
	"encoding/base64"
	"fmt"
	"strings"
)

// RespErr combines a Kafka error from a response with the broker's optional
// free-text message into one line: "TOPIC_ALREADY_EXISTS: Topic with this
// name already exists. (topic 'x' already exists)". It returns nil for a nil
// err.
func RespErr(err error, msg string) error {
	if err == nil {
		return nil
	}
	msg = strings.TrimSpace(msg)
	if msg == "" || strings.Contains(err.Error(), msg) {
		return err
	}
	return fmt.Errorf("%w (%s)", err, msg)
}

// TopicID formats a topic id as Kafka prints it (Uuid.toString: URL-safe
// base64 without padding).
func TopicID(id [16]byte) string { return base64.RawURLEncoding.EncodeToString(id[:]) }

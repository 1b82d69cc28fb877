package handlers

import (
	"errors"

	"sluice/protocol/kerr"
)

// errorFields returns the code and error_message for err: the Kafka-style
// message an error carries (cluster errors say which topic, which limit),
// else the code's default message. (0, nil) for nil.
func errorFields(err error) (int16, *string) {
	if err == nil {
		return 0, nil
	}
	ke := kerr.FromError(err)
	msg := ke.Message
	var km interface{ KafkaMessage() string }
	if errors.As(err, &km) {
		msg = km.KafkaMessage()
	}
	return ke.Code, &msg
}

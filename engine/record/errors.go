package record

import (
	"errors"
	"strconv"
	"strings"
)

// Sentinel errors. Every error returned by this package wraps exactly one of
// them, so callers map errors to Kafka error codes with errors.Is:
//
//	ErrCorruptMessage         CORRUPT_MESSAGE (2)
//	ErrMessageTooLarge        MESSAGE_TOO_LARGE (10)
//	ErrInvalidTimestamp       INVALID_TIMESTAMP (32)
//	ErrUnsupportedCompression UNSUPPORTED_COMPRESSION_TYPE (76)
//	ErrInvalidRecord          INVALID_RECORD (87)
var (
	ErrCorruptMessage         = errors.New("record: corrupt message")
	ErrInvalidRecord          = errors.New("record: invalid record")
	ErrMessageTooLarge        = errors.New("record: message too large")
	ErrInvalidTimestamp       = errors.New("record: invalid timestamp")
	ErrUnsupportedCompression = errors.New("record: unsupported compression type")
)

// RecordError describes why one record of a batch was rejected; it is what
// Produce v8+ returns in record_errors.
type RecordError struct {
	// Index is the record's position in the batch, from 0.
	Index int32
	Msg   string
}

// ValidationError is the error Validator.Validate returns. It wraps one of
// the sentinels (Kind) and, when individual records were at fault, lists them.
type ValidationError struct {
	// Kind is the sentinel this error wraps.
	Kind error
	// Msg is the Kafka-style error message (Produce error_message).
	Msg string
	// RecordErrors lists the offending records, in batch order.
	RecordErrors []RecordError
}

func (e *ValidationError) Error() string {
	if len(e.RecordErrors) == 0 || strings.Contains(e.Msg, e.RecordErrors[0].Msg) {
		return e.Kind.Error() + ": " + e.Msg
	}
	return e.Kind.Error() + ": " + e.Msg + " (first: record " + strconv.Itoa(int(e.RecordErrors[0].Index)) + ": " + e.RecordErrors[0].Msg + ")"
}

// Unwrap returns the sentinel.
func (e *ValidationError) Unwrap() error { return e.Kind }

func newError(kind error, msg string) *ValidationError {
	return &ValidationError{Kind: kind, Msg: msg}
}

package group

import "errors"

// Sentinel errors. Request-level failures are Kafka error codes inside the
// responses; these are for records that cannot be decoded and for bad options.
var (
	// ErrShortRecord: a key or value ended before its schema did.
	ErrShortRecord = errors.New("group: record truncated")
	// ErrUnknownRecordVersion: a key or value version this coordinator does not know.
	ErrUnknownRecordVersion = errors.New("group: unknown record version")
	// ErrInvalidOptions wraps every bad Options field.
	ErrInvalidOptions = errors.New("group: invalid options")
)

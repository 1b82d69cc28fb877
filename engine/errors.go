package engine

import (
	"errors"
	"fmt"

	"sluice/engine/record"
)

// Sentinel errors of the engine. Errors returned by the engine wrap one of
// these (or one of the record package's validation errors, re-exported
// below) so that callers can map them to Kafka error codes with errors.Is.
var (
	// ErrLogExists: CreateLog for a partition that already has a log.
	ErrLogExists = errors.New("engine: log already exists")
	// ErrLogDirNotFound: MoveLog to a dir that is not in log.dirs.
	ErrLogDirNotFound = errors.New("engine: log dir not found")
	// ErrUnknownLog: the partition has no log on this broker.
	ErrUnknownLog = errors.New("engine: unknown log")
	// ErrOffsetOutOfRange: a read or truncation outside [logStart, logEnd].
	ErrOffsetOutOfRange = errors.New("engine: offset out of range")
	// ErrStorage: a disk error (KAFKA_STORAGE_ERROR). Bare, the log dir is
	// offline; ErrDiskFull and ErrTooManyOpenFiles wrap it for errors that
	// leave the dir online.
	ErrStorage = errors.New("engine: storage error")
	// ErrOutOfOrderSequence: an idempotent producer skipped sequence numbers.
	ErrOutOfOrderSequence = errors.New("engine: out of order sequence number")
	// ErrInvalidProducerEpoch: a producer epoch older than the one known.
	ErrInvalidProducerEpoch = errors.New("engine: invalid producer epoch")
	// ErrInvalidConfig: an unknown topic config name or a bad value; the
	// message names the key and the allowed range.
	ErrInvalidConfig = errors.New("engine: invalid config")
	// ErrClosed: the engine or log is closed.
	ErrClosed = errors.New("engine: closed")
	// ErrInvalidTopic: the topic name cannot name a partition directory.
	ErrInvalidTopic = errors.New("engine: invalid topic name")
	// ErrCorruptLog: recovery found a log it cannot open (reported per
	// partition in RecoveryErrors).
	ErrCorruptLog = errors.New("engine: corrupt log")
	// ErrNotImplemented: a feature not yet available.
	ErrNotImplemented = errors.New("engine: not implemented")
	// ErrDirLocked: another process holds the log dir's .lock.
	ErrDirLocked = errors.New("engine: log dir locked by another process")
	// ErrInvalidOptions: Options.Validate found a bad field.
	ErrInvalidOptions = errors.New("engine: invalid options")
	// ErrCorruptRead: a read found bytes in a segment that are not the
	// batch it expected (length, magic or offsets wrong); the read stops
	// there. It wraps ErrCorruptMessage (CORRUPT_MESSAGE).
	ErrCorruptRead = fmt.Errorf("%w: corrupt segment", ErrCorruptMessage)
)

// Storage errors that leave the log dir online. Both wrap ErrStorage
// (KAFKA_STORAGE_ERROR).
var (
	// ErrDiskFull: the log dir's volume is full (ENOSPC). Appends are
	// refused (each tries again: they resume once space is back); reads,
	// deletes and retention go on.
	ErrDiskFull = fmt.Errorf("%w: no space left in the log dir", ErrStorage)
	// ErrTooManyOpenFiles: the process reached its file-descriptor limit
	// (EMFILE/ENFILE); the operation failed and nothing else changed.
	ErrTooManyOpenFiles = fmt.Errorf("%w: too many open files", ErrStorage)
)

// The record package's validation errors, re-exported so that callers of
// Append can test them without importing record.
var (
	ErrCorruptMessage         = record.ErrCorruptMessage
	ErrInvalidRecord          = record.ErrInvalidRecord
	ErrMessageTooLarge        = record.ErrMessageTooLarge
	ErrInvalidTimestamp       = record.ErrInvalidTimestamp
	ErrUnsupportedCompression = record.ErrUnsupportedCompression
)

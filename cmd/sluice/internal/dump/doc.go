// Package dump prints Kafka log segment and index files for people, as
// kafka-dump-log.sh does, and checks them: every batch's CRC, and whether
// each index entry agrees with the .log file next to it.
//
// Formats read (see engine/record for the batch layout):
//
//	<base>.log        record batches back to back; a torn tail is reported
//	<base>.index      8-byte entries | relativeOffset int32 BE | position int32 BE |
//	<base>.timeindex  12-byte entries | timestamp int64 BE | relativeOffset int32 BE |
//
// <base> is the segment's base offset, 20 digits. Index files are
// preallocated: an all-zero entry after the first marks the unused tail.
//
// An offset index entry agrees with the log when a batch starts at its
// position and contains its offset (Kafka indexes a batch by its last
// offset, Sluice by its base offset; both agree). A time index entry agrees
// when its offset is in the log and its timestamp is at least the largest
// batch max timestamp at or below that offset (the index's promise) and no
// larger than the segment's max timestamp.
package dump

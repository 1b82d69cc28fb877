// Package record reads, checks and writes Kafka's v2 record batch format
// (magic 2), the unit Sluice receives from producers, stores in segment
// files byte for byte and serves to consumers.
//
// # Batch layout
//
// All integers are big endian. Offsets are from the start of the batch.
//
//	 0 | baseOffset           int64 | first offset; outside the CRC, set by the broker
//	 8 | batchLength          int32 | bytes after this field: batch size = 12 + batchLength
//	12 | partitionLeaderEpoch int32 | outside the CRC, set by the broker
//	16 | magic                int8  | 2
//	17 | crc                  uint32| CRC-32C (Castagnoli) of bytes [21, end)
//	21 | attributes           int16 | bits 0-2 codec (0 none, 1 gzip, 2 snappy, 3 lz4, 4 zstd)
//	   |                            | bit 3 timestamp type (1 = LogAppendTime)
//	   |                            | bit 4 transactional, bit 5 control, others 0
//	23 | lastOffsetDelta      int32 | last offset - baseOffset
//	27 | firstTimestamp       int64 | base for the records' timestampDelta
//	35 | maxTimestamp         int64 | largest record timestamp (or the LogAppendTime)
//	43 | producerId           int64 | -1 = none
//	51 | producerEpoch        int16 | -1 = none
//	53 | baseSequence         int32 | -1 = none
//	57 | recordCount          int32 | number of records
//	61 | records                    | recordCount records, compressed as a whole
//	   |                            | by the codec in attributes (bits 0-2)
//
// The CRC covers everything from attributes to the end of the batch, so the
// broker can rewrite baseOffset and partitionLeaderEpoch (SetBaseOffset,
// SetPartitionLeaderEpoch) without recomputing it, while changing the
// timestamp type or maxTimestamp (SetLogAppendTime, SetMaxTimestamp) does
// recompute it.
//
// # Record layout
//
// Inside the (decompressed) records section each record is
//
//	| length         varint  | bytes of the record after this field
//	| attributes     int8    | unused, 0
//	| timestampDelta varlong | timestamp - firstTimestamp
//	| offsetDelta    varint  | offset - baseOffset
//	| keyLength      varint  | -1 = null key
//	| key            bytes   |
//	| valueLength    varint  | -1 = null value
//	| value          bytes   |
//	| headerCount    varint  |
//	| headers        ...     | each: | keyLength varint | key | valueLength varint (-1 null) | value |
//
// varint and varlong are zig-zag encoded base-128 varints (protobuf sint32 /
// sint64; encoding/binary's Varint).
//
// # Control records
//
// A control batch (attributes bit 5, always transactional) holds one
// control record: key | version int16 = 0 | type int16 (0 abort, 1 commit) |,
// value for commit/abort markers | version int16 = 0 | coordinatorEpoch int32 |.
// See EndTxnMarker, ParseControlKey and ParseEndTxnMarker.
//
// # Compression
//
// gzip is RFC 1952; snappy is a raw snappy block, or the xerial framing Java
// producers write (| 82 'S' 'N' 'A' 'P' 'P' 'Y' 00 | version int32 |
// compatible int32 | then [blockLength int32][snappy block]...), both read,
// raw written; lz4 is the LZ4 frame format; zstd is one or more zstd frames.
// Decompression is always bounded: per batch (ValidateOptions.MaxDecompressed,
// default 64 MiB) and, with a Budget, per request; past either the batch
// fails with ErrInvalidRecord. Decoders stream into a buffer that stops at
// the limit, so a small malicious batch ("bomb") costs memory and CPU in
// proportion to the limit, not to the size its frames announce.
//
// # Constants that must never change
//
// Everything above is shared with every Kafka client and broker and with
// the segment files already on disk: the header offsets (offBaseOffset ...
// offRecords, HeaderSize = 61, LogOverhead = 12), Magic = 2, the Codec
// values, the attribute bits, the CRC-32C polynomial and the byte range it
// covers, and the -1 "absent" markers (NoTimestamp, NoProducerID,
// NoSequence).
//
// # Validation
//
// Validator.Validate applies Kafka 3.9's produce-path checks
// (UnifiedLog.analyzeAndValidateRecords and LogValidator): magic, size
// against max.message.bytes, CRC, offset range and count, control batches
// and sequence numbers for client writes, record structure (exactly
// recordCount records filling the section), keys on compacted topics and
// CreateTime timestamps within message.timestamp.{before,after}.max.ms. It
// differs from Kafka in one place: a batch whose records' offset deltas are
// not 0, 1, 2, ... is rejected with INVALID_RECORD, where Kafka would
// rebuild a compressed batch (no v2 client writes such batches).
//
// Sample batches for other packages' tests and fuzz seeds are in
// sluice/engine/record/recordtest.
package record

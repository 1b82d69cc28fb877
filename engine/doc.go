// Package engine is Sluice's storage engine: Kafka-format partition logs
// with recovery, retention, compaction and idempotent-producer state.
//
// # Layout (Kafka's, so operators recognise it)
//
//	<log.dir>/
//	  .lock                                   flock(2)ed while the engine runs
//	  meta.properties                         "version=0", "broker.id=N", "cluster.id=..."
//	  .kafka_cleanshutdown                    present only after a clean Close
//	  .sluice-spare                           reserved blocks given up when the volume fills
//	  recovery-point-offset-checkpoint        offsets below which data is fsynced
//	  log-start-offset-checkpoint             first readable offset per partition
//	  replication-offset-checkpoint           high watermark per partition
//	  cleaner-offset-checkpoint               first uncleaned offset (compacted topics)
//	  <topic>-<partition>/
//	    partition.metadata                    "version: 0\ntopic_id: <base64url uuid>"
//	    leader-epoch-checkpoint               epoch -> start offset
//	    00000000000000000000.log              record batches
//	    00000000000000000000.index            sparse offset index
//	    00000000000000000000.timeindex        sparse time index
//	    00000000000000001234.snapshot         producer state at offset 1234
//	    *.deleted                             waiting for file.delete.delay.ms
//	    *.cleaned, *.swap, *.swapend          log cleaner output in flight
//	    truncate.pending                      "<offset> partial|full": a TruncateTo in flight
//	  <topic>-<partition>.<uuid>-delete/      a deleted partition, removed later
//
// Partition directory names are built only from topic names that pass
// Kafka's rule ([a-zA-Z0-9._-]{1,249}, not "." or ".."), so no path can
// leave the log dir.
//
// # Segment file (.log)
//
// Kafka v2 record batches back to back (package record draws a batch):
//
//	| baseOffset int64 | length int32 | partitionLeaderEpoch int32 | magic int8 = 2 |
//	| crc uint32 (CRC-32C of everything after it) | attributes int16 | ... records |
//
// Each batch is written with one pwrite at the segment's end; its base
// offset and leader epoch are assigned before the write (outside the CRC).
//
// # Offset index (.index), 8-byte entries, big endian
//
//	| relativeOffset int32 | position int32 |
//
// One entry per batch that starts more than index.interval.bytes after the
// previous entry; file preallocated to segment.index.bytes, trimmed on roll.
//
// # Time index (.timeindex), 12-byte entries, big endian
//
//	| timestamp int64 | relativeOffset int32 |
//
// "every record at or below this offset is no newer than this timestamp";
// the last entry holds the segment's max timestamp.
//
// # Checkpoint files (text, Kafka's CheckpointFile format)
//
//	0                 version
//	2                 entry count
//	orders 0 1234     "<topic> <partition> <offset>" (leader-epoch-checkpoint: "<epoch> <offset>")
//	orders 1 99
//
// Written to "<name>.tmp", fsynced, renamed, directory fsynced.
//
// # Producer snapshot (<offset>.snapshot), Sluice's own binary format
//
//	| "SLPS" | version int16 = 1 | crc32c uint32 | count int32 |
//	count x | producerId int64 | epoch int16 | n int8 |
//	          n x | firstSeq int32 | lastSeq int32 | firstOffset int64 | lastOffset int64 | timestamp int64 |
//
// Written at every roll and on Close; on open the latest one at or below
// the log end is loaded and the batches after it are replayed. A producer
// whose last batch's max timestamp is producer.id.expiration.ms old
// (Options.ProducerIDExpiration) is forgotten, checked every
// producer.id.expiration.check.interval.ms and on open, so later snapshots
// leave it out; it is then new again (any sequence accepted, as Kafka).
//
// # Durability
//
// Appends reach the page cache; Flush (group commit: concurrent callers
// share one fsync), flush.messages and flush.ms make them durable and
// advance the recovery point; a Flush after a roll also fsyncs the
// partition dir, so that the new segment's name survives a crash. After an
// unclean stop every segment from the one holding the recovery point is
// scanned batch by batch (length, magic, CRC, monotonic offsets, offsets
// below the next segment) and cut at the first torn or corrupt batch, the
// later segments dropped, and what went is logged at ERROR; indexes are
// rebuilt. A partition that cannot be opened is reported by
// RecoveryErrors; the others open. The crash model the tests hold this to
// is errorfs's strict one: directory entries are durable as of the
// directory's last fsync, data as of the file's.
//
// TruncateTo makes its intent durable (truncate.pending) before it cuts
// anything and removes it durably once the cut is, so a crash anywhere
// leaves the log uncut or cut at the offset (truncate.go). The cleaner's
// swap commits with a directory fsync after .cleaned -> .swap.
//
// # Disk errors
//
// ENOSPC marks the dir full (diskfull.go): appends fail with ErrDiskFull
// and resume by themselves once statfs shows room; reads, deletes and
// retention go on, helped by the dir's spare blocks. EMFILE fails the
// operation with ErrTooManyOpenFiles and changes nothing else. Any other
// disk error takes the dir offline (ErrStorage) until a restart. Reads
// check every batch header they pass and never skip one (corrupt.go).
//
// # Concurrency
//
// One writer per partition: Log.mu serialises appends, rolls, retention,
// truncation and the cleaner's swap. Readers take a segment reference and
// a view of the segment (size, next offset, index) under Log.mu and read
// the file, batch headers included, without it; a segment's file is
// closed when its last reference goes, so ranges stay valid while segments
// are deleted or replaced. Lock order: Log.flushMu -> Log.mu -> Engine.mu (Engine.mu is
// taken under Log.mu only to schedule file removals; Engine methods collect
// the logs and release Engine.mu before locking any log); logDir.ckMu ->
// Engine.mu, never under Log.mu.
package engine

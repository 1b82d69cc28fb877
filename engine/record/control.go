package record

import (
	"encoding/binary"
	"strconv"
)

// ControlType is the type field of a control record's key (Kafka's
// ControlRecordType). Values are part of the format: never change them.
type ControlType int16

const (
	ControlAbort  ControlType = 0 // transaction aborted
	ControlCommit ControlType = 1 // transaction committed
	// ControlLeaderChange and the snapshot types are KRaft's; they never
	// appear in a Sluice data log but are recognised when read.
	ControlLeaderChange   ControlType = 2
	ControlSnapshotHeader ControlType = 3
	ControlSnapshotFooter ControlType = 4
)

// Control record layouts (inside a batch with attributes bits 4 and 5 set):
//
//	key:   | version int16 = 0 | type int16 |
//	value: | version int16 = 0 | coordinatorEpoch int32 |   (end-transaction markers)
const (
	controlKeySize  = 4
	endTxnValueSize = 6
	controlVersion  = 0
	endTxnValueVer  = 0
)

// ParseControlKey decodes a control record's key. Kafka reads only the
// version and type and ignores trailing bytes (future versions).
func ParseControlKey(key []byte) (ControlType, error) {
	if len(key) < controlKeySize {
		return 0, newError(ErrCorruptMessage, "Control record key is "+strconv.Itoa(len(key))+" bytes, want at least 4")
	}
	if v := int16(binary.BigEndian.Uint16(key)); v < 0 {
		return 0, newError(ErrCorruptMessage, "Invalid version found for control record: "+strconv.Itoa(int(v)))
	}
	return ControlType(binary.BigEndian.Uint16(key[2:])), nil
}

// ParseEndTxnMarker decodes the value of a commit/abort control record and
// returns the coordinator epoch.
func ParseEndTxnMarker(value []byte) (coordinatorEpoch int32, err error) {
	if len(value) < endTxnValueSize {
		return 0, newError(ErrCorruptMessage, "End transaction marker value is "+strconv.Itoa(len(value))+" bytes, want at least 6")
	}
	if v := int16(binary.BigEndian.Uint16(value)); v < 0 {
		return 0, newError(ErrCorruptMessage, "Invalid version found for end transaction marker: "+strconv.Itoa(int(v)))
	}
	return int32(binary.BigEndian.Uint32(value[2:])), nil
}

// EndTxnMarker builds the control batch a transaction coordinator writes to
// end a transaction (Kafka's MemoryRecords.withEndTransactionMarker): one
// control record, transactional and control bits set, base sequence -1.
// o supplies BaseOffset, PartitionLeaderEpoch, ProducerID and
// ProducerEpoch; its other fields are overridden.
func EndTxnMarker(o BuilderOptions, commit bool, coordinatorEpoch int32, ts int64) []byte {
	o.Codec, o.Transactional, o.Control, o.BaseSequence, o.LogAppendTime = None, true, true, NoSequence, false
	o.LastOffsetDelta = 0
	typ := ControlAbort
	if commit {
		typ = ControlCommit
	}
	var key [controlKeySize]byte
	binary.BigEndian.PutUint16(key[0:], controlVersion)
	binary.BigEndian.PutUint16(key[2:], uint16(typ))
	var val [endTxnValueSize]byte
	binary.BigEndian.PutUint16(val[0:], endTxnValueVer)
	binary.BigEndian.PutUint32(val[2:], uint32(coordinatorEpoch))
	b := NewBuilder(o)
	b.Add(key[:], val[:], ts)
	return b.Build()
}

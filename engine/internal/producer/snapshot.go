package producer

import (
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"sort"
)

// Snapshot files (<20-digit offset>.snapshot in the partition dir) hold the
// producer table as of that offset: every batch below the offset is in it.
// The format is Sluice's own (Kafka's is a different schema); big endian:
//
//	| magic "SLPS" 4 | version int16 = 1 | crc uint32 | count int32 |
//	count x | producerId int64 | epoch int16 | nBatches int8 |
//	          nBatches x | firstSeq int32 | lastSeq int32 |
//	                       firstOffset int64 | lastOffset int64 | timestamp int64 |
//
// crc is CRC-32C (Castagnoli) over every byte after it. Producers are
// written in ascending id order so a state always encodes to the same bytes.
// The magic, version and layout must never change without a new version.

// ErrCorruptSnapshot: a snapshot file fails to decode or its CRC.
var ErrCorruptSnapshot = errors.New("producer: corrupt snapshot")

const (
	snapMagic     = "SLPS"
	snapVersion   = 1
	snapHeader    = 4 + 2 + 4 + 4
	snapEntrySize = 8 + 2 + 1
	snapBatchSize = 4 + 4 + 8 + 8 + 8
)

var castagnoli = crc32.MakeTable(crc32.Castagnoli)

// Encode serialises the table.
func (s *State) Encode() []byte {
	pids := make([]int64, 0, len(s.m))
	for pid := range s.m {
		pids = append(pids, pid)
	}
	sort.Slice(pids, func(i, j int) bool { return pids[i] < pids[j] })
	b := make([]byte, snapHeader, snapHeader+len(pids)*(snapEntrySize+MaxBatches*snapBatchSize))
	copy(b, snapMagic)
	binary.BigEndian.PutUint16(b[4:], snapVersion)
	binary.BigEndian.PutUint32(b[10:], uint32(len(pids)))
	for _, pid := range pids {
		e := s.m[pid]
		b = binary.BigEndian.AppendUint64(b, uint64(pid))
		b = binary.BigEndian.AppendUint16(b, uint16(e.Epoch))
		b = append(b, byte(len(e.Batches)))
		for _, x := range e.Batches {
			b = binary.BigEndian.AppendUint32(b, uint32(x.FirstSeq))
			b = binary.BigEndian.AppendUint32(b, uint32(x.LastSeq))
			b = binary.BigEndian.AppendUint64(b, uint64(x.FirstOffset))
			b = binary.BigEndian.AppendUint64(b, uint64(x.LastOffset))
			b = binary.BigEndian.AppendUint64(b, uint64(x.Timestamp))
		}
	}
	binary.BigEndian.PutUint32(b[6:], crc32.Checksum(b[10:], castagnoli))
	return b
}

// Decode parses a snapshot.
func Decode(b []byte) (*State, error) {
	if len(b) < snapHeader || string(b[:4]) != snapMagic {
		return nil, fmt.Errorf("%w: bad magic", ErrCorruptSnapshot)
	}
	if v := binary.BigEndian.Uint16(b[4:]); v != snapVersion {
		return nil, fmt.Errorf("%w: unknown version %d", ErrCorruptSnapshot, v)
	}
	if crc32.Checksum(b[10:], castagnoli) != binary.BigEndian.Uint32(b[6:]) {
		return nil, fmt.Errorf("%w: crc mismatch", ErrCorruptSnapshot)
	}
	n := int(binary.BigEndian.Uint32(b[10:]))
	s := NewState()
	p := b[snapHeader:]
	for i := 0; i < n; i++ {
		if len(p) < snapEntrySize {
			return nil, fmt.Errorf("%w: truncated", ErrCorruptSnapshot)
		}
		pid := int64(binary.BigEndian.Uint64(p))
		e := &Entry{Epoch: int16(binary.BigEndian.Uint16(p[8:]))}
		nb := int(p[10])
		p = p[snapEntrySize:]
		if nb > MaxBatches || len(p) < nb*snapBatchSize {
			return nil, fmt.Errorf("%w: bad batch count", ErrCorruptSnapshot)
		}
		for j := 0; j < nb; j++ {
			e.Batches = append(e.Batches, Batch{
				FirstSeq:    int32(binary.BigEndian.Uint32(p)),
				LastSeq:     int32(binary.BigEndian.Uint32(p[4:])),
				FirstOffset: int64(binary.BigEndian.Uint64(p[8:])),
				LastOffset:  int64(binary.BigEndian.Uint64(p[16:])),
				Timestamp:   int64(binary.BigEndian.Uint64(p[24:])),
			})
			p = p[snapBatchSize:]
		}
		if _, dup := s.m[pid]; dup {
			return nil, fmt.Errorf("%w: producer %d twice", ErrCorruptSnapshot, pid)
		}
		s.m[pid] = e
	}
	if len(p) != 0 {
		return nil, fmt.Errorf("%w: %d trailing bytes", ErrCorruptSnapshot, len(p))
	}
	return s, nil
}

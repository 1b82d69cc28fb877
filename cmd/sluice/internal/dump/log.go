package dump

import (
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"sluice/engine/record"
)

// Options control what File prints.
type Options struct {
	// Records prints each record of each batch (offset, timestamp, key,
	// value, headers).
	Records bool
	// MaxValue truncates printed keys and values to this many bytes (0: 64).
	MaxValue int
}

// Batch is what a scan learns about one batch of a .log file.
type Batch struct {
	Position int64
	Header   record.Header
	CRCValid bool
}

// scan is the result of reading a whole .log file.
type scan struct {
	batches []Batch
	// tailPos/tailErr describe where reading stopped early: a torn tail
	// (io.ErrUnexpectedEOF) or a nonsense header.
	tailPos int64
	tailErr error
	size    int64
}

// scanLog splits data into batches.
func scanLog(data []byte) scan {
	s := scan{size: int64(len(data))}
	rest := data
	for len(rest) > 0 {
		pos := int64(len(data) - len(rest))
		b, r, err := record.NextBatch(rest)
		if err != nil {
			s.tailPos, s.tailErr = pos, err
			break
		}
		h, err := record.ParseHeader(b)
		if err != nil {
			s.tailPos, s.tailErr = pos, err
			break
		}
		s.batches = append(s.batches, Batch{Position: pos, Header: h, CRCValid: record.CRCValid(b)})
		rest = r
	}
	return s
}

// dumpLog prints a .log segment and returns the number of problems.
func dumpLog(w io.Writer, path string, o Options) (int, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return 0, err
	}
	base, baseOK := baseOffset(path)
	fmt.Fprintf(w, "Dumping %s\n", path)
	if baseOK {
		fmt.Fprintf(w, "Log starting offset: %d\n", base)
	}
	s := scanLog(data)
	var v record.Validator
	problems, records := 0, 0
	for _, b := range s.batches {
		h := b.Header
		fmt.Fprintf(w, "baseOffset: %d lastOffset: %d count: %d position: %d size: %d magic: %d codec: %s crc: %d isValid: %t "+
			"%s: %d maxTimestamp: %d producerId: %d producerEpoch: %d baseSequence: %d partitionLeaderEpoch: %d isTransactional: %t isControl: %t\n",
			h.BaseOffset, h.LastOffset(), h.NumRecords, b.Position, h.Size(), h.Magic, h.Codec(), h.CRC, b.CRCValid,
			timestampType(h), h.FirstTimestamp, h.MaxTimestamp, h.ProducerID, h.ProducerEpoch, h.BaseSequence,
			h.PartitionLeaderEpoch, h.IsTransactional(), h.IsControl())
		records += int(h.NumRecords)
		if !b.CRCValid {
			problems++
			fmt.Fprintf(w, "! CORRUPT: batch at position %d fails its CRC-32C check (stored %d)\n", b.Position, h.CRC)
		}
		if o.Records {
			batch := data[b.Position : b.Position+int64(h.Size())]
			err := v.ForEachRecord(batch, func(r *record.Record) error {
				printRecord(w, h, r, o)
				return nil
			})
			if err != nil {
				problems++
				fmt.Fprintf(w, "! CORRUPT: records of batch at position %d: %v\n", b.Position, err)
			}
		}
	}
	if s.tailErr != nil {
		problems++
		if errors.Is(s.tailErr, io.ErrUnexpectedEOF) {
			fmt.Fprintf(w, "! TORN TAIL: %d bytes at position %d do not form a complete batch\n", s.size-s.tailPos, s.tailPos)
		} else {
			fmt.Fprintf(w, "! CORRUPT: at position %d: %v (the remaining %d bytes are not read)\n", s.tailPos, s.tailErr, s.size-s.tailPos)
		}
	}
	fmt.Fprintf(w, "Summary: %d batches, %d records, %d bytes, %d problems\n", len(s.batches), records, s.size, problems)
	return problems, nil
}

func timestampType(h record.Header) string {
	if h.LogAppendTime() {
		return "LogAppendTime"
	}
	return "CreateTime"
}

func printRecord(w io.Writer, h record.Header, r *record.Record, o Options) {
	ts := h.FirstTimestamp + r.TimestampDelta
	if h.LogAppendTime() {
		ts = h.MaxTimestamp
	}
	var keys []string
	for _, hd := range r.Headers {
		keys = append(keys, hd.Key)
	}
	fmt.Fprintf(w, "| offset: %d %s: %d (%s) keySize: %d valueSize: %d headerKeys: [%s] key: %s payload: %s\n",
		h.BaseOffset+int64(r.OffsetDelta), timestampType(h), ts, time.UnixMilli(ts).UTC().Format(time.RFC3339Nano),
		size(r.Key), size(r.Value), strings.Join(keys, ","), show(r.Key, o.MaxValue), show(r.Value, o.MaxValue))
}

func size(b []byte) int {
	if b == nil {
		return -1
	}
	return len(b)
}

// show quotes b (Go syntax, so binary is visible), truncated.
func show(b []byte, max int) string {
	if b == nil {
		return "null"
	}
	if max <= 0 {
		max = 64
	}
	if len(b) > max {
		return fmt.Sprintf("%q...(%d bytes)", b[:max], len(b))
	}
	return fmt.Sprintf("%q", b)
}

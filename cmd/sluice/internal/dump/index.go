package dump

import (
	"encoding/binary"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
)

// Entry sizes of the index files (on-disk constants).
const (
	offsetEntrySize = 8
	timeEntrySize   = 12
)

// baseOffset parses the segment base offset from a file name like
// 00000000000000000042.index.
func baseOffset(path string) (int64, bool) {
	name := filepath.Base(path)
	if i := strings.IndexByte(name, '.'); i > 0 {
		name = name[:i]
	}
	n, err := strconv.ParseInt(name, 10, 64)
	return n, err == nil && n >= 0
}

// logNextTo returns the .log file of the segment path belongs to, scanned,
// or ok=false when there is none.
func logNextTo(path string) (scan, string, bool) {
	ext := filepath.Ext(path)
	logPath := strings.TrimSuffix(path, ext) + ".log"
	data, err := os.ReadFile(logPath)
	if err != nil {
		return scan{}, logPath, false
	}
	return scanLog(data), logPath, true
}

// dumpOffsetIndex prints a .index file's entries and checks each against
// the log; it returns the number of problems.
func dumpOffsetIndex(w io.Writer, path string) (int, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return 0, err
	}
	base, _ := baseOffset(path)
	fmt.Fprintf(w, "Dumping %s\n", path)
	log, logPath, haveLog := logNextTo(path)
	byPos := make(map[int64]Batch, len(log.batches))
	for _, b := range log.batches {
		byPos[b.Position] = b
	}
	if !haveLog {
		fmt.Fprintf(w, "(no %s next to it: entries are not checked)\n", logPath)
	}
	problems, n := 0, 0
	if len(data)%offsetEntrySize != 0 {
		problems++
		fmt.Fprintf(w, "! CORRUPT: size %d is not a multiple of %d\n", len(data), offsetEntrySize)
	}
	prevOff, prevPos := int64(-1), int64(-1)
	for i := 0; i+offsetEntrySize <= len(data); i += offsetEntrySize {
		rel := int32(binary.BigEndian.Uint32(data[i:]))
		pos := int64(int32(binary.BigEndian.Uint32(data[i+4:])))
		if rel == 0 && pos == 0 && (i > 0 || !haveLog || len(log.batches) == 0) {
			break // the preallocated, unused tail
		}
		n++
		off := base + int64(rel)
		fmt.Fprintf(w, "offset: %d position: %d", off, pos)
		var bad string
		switch {
		case off <= prevOff || pos <= prevPos:
			bad = fmt.Sprintf("not increasing (previous entry: offset %d position %d)", prevOff, prevPos)
		case !haveLog:
		default:
			b, ok := byPos[pos]
			switch {
			case !ok:
				bad = fmt.Sprintf("no batch starts at position %d in %s", pos, filepath.Base(logPath))
			case off < b.Header.BaseOffset || off > b.Header.LastOffset():
				bad = fmt.Sprintf("the batch at position %d holds offsets %d..%d", pos, b.Header.BaseOffset, b.Header.LastOffset())
			}
		}
		if bad != "" {
			problems++
			fmt.Fprintf(w, " ! MISMATCH: %s\n", bad)
		} else {
			fmt.Fprintln(w)
		}
		prevOff, prevPos = off, pos
	}
	fmt.Fprintf(w, "Summary: %d entries (%d bytes, %d unused), %d problems\n", n, len(data), len(data)/offsetEntrySize-n, problems)
	return problems, nil
}

// dumpTimeIndex prints a .timeindex file's entries and checks each against
// the log; it returns the number of problems.
func dumpTimeIndex(w io.Writer, path string) (int, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return 0, err
	}
	base, _ := baseOffset(path)
	fmt.Fprintf(w, "Dumping %s\n", path)
	log, logPath, haveLog := logNextTo(path)
	if !haveLog {
		fmt.Fprintf(w, "(no %s next to it: entries are not checked)\n", logPath)
	}
	var segMax, lastOff int64 = -1, base - 1
	for _, b := range log.batches {
		segMax = max(segMax, b.Header.MaxTimestamp)
		lastOff = max(lastOff, b.Header.LastOffset())
	}
	// maxThrough is the largest batch max timestamp among batches whose
	// base offset is at or below off.
	maxThrough := func(off int64) int64 {
		m := int64(-1)
		for _, b := range log.batches {
			if b.Header.BaseOffset <= off {
				m = max(m, b.Header.MaxTimestamp)
			}
		}
		return m
	}
	problems, n := 0, 0
	if len(data)%timeEntrySize != 0 {
		problems++
		fmt.Fprintf(w, "! CORRUPT: size %d is not a multiple of %d\n", len(data), timeEntrySize)
	}
	prevTs, prevOff := int64(-1), int64(-1)
	for i := 0; i+timeEntrySize <= len(data); i += timeEntrySize {
		ts := int64(binary.BigEndian.Uint64(data[i:]))
		rel := int32(binary.BigEndian.Uint32(data[i+8:]))
		if ts == 0 && rel == 0 && i > 0 {
			break
		}
		n++
		off := base + int64(rel)
		fmt.Fprintf(w, "timestamp: %d offset: %d", ts, off)
		var bad string
		switch {
		case ts < prevTs || off < prevOff:
			bad = fmt.Sprintf("decreasing (previous entry: timestamp %d offset %d)", prevTs, prevOff)
		case !haveLog:
		case off > lastOff:
			bad = fmt.Sprintf("offset past the log's last offset %d", lastOff)
		case ts < maxThrough(off):
			bad = fmt.Sprintf("the log has timestamp %d at or below offset %d", maxThrough(off), off)
		case ts > segMax:
			bad = fmt.Sprintf("larger than the segment's max timestamp %d", segMax)
		}
		if bad != "" {
			problems++
			fmt.Fprintf(w, " ! MISMATCH: %s\n", bad)
		} else {
			fmt.Fprintln(w)
		}
		prevTs, prevOff = ts, off
	}
	fmt.Fprintf(w, "Summary: %d entries (%d bytes, %d unused), %d problems\n", n, len(data), len(data)/timeEntrySize-n, problems)
	return problems, nil
}

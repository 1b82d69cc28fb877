package dump

import (
	"bytes"
	"encoding/binary"
	"errors"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"sluice/engine/record"
)

// segment writes a three-batch segment at base offset 100 (batches of 2, 3
// and 1 records, the second gzip-compressed) and returns its directory, the
// .log path and each batch's position.
func segment(t *testing.T) (dir, logPath string, positions []int64) {
	t.Helper()
	dir = t.TempDir()
	var log []byte
	off := int64(100)
	for i, n := range []int{2, 3, 1} {
		o := record.DefaultBuilderOptions()
		o.BaseOffset = off
		if i == 1 {
			o.Codec = record.Gzip
		}
		b := record.NewBuilder(o)
		for j := 0; j < n; j++ {
			b.Add([]byte("k"), []byte("value-"+string(rune('a'+j))), 1700000000000+int64(i*10+j),
				record.RecordHeader{Key: "h", Value: []byte("v")})
		}
		positions = append(positions, int64(len(log)))
		log = append(log, b.Build()...)
		off += int64(n)
	}
	logPath = filepath.Join(dir, "00000000000000000100.log")
	if err := os.WriteFile(logPath, log, 0o644); err != nil {
		t.Fatal(err)
	}
	return dir, logPath, positions
}

func offsetEntry(rel, pos int32) []byte {
	return binary.BigEndian.AppendUint32(binary.BigEndian.AppendUint32(nil, uint32(rel)), uint32(pos))
}

func timeEntry(ts int64, rel int32) []byte {
	return binary.BigEndian.AppendUint32(binary.BigEndian.AppendUint64(nil, uint64(ts)), uint32(rel))
}

func run(t *testing.T, path string, o Options) (string, error) {
	t.Helper()
	var buf bytes.Buffer
	err := File(&buf, path, o)
	return buf.String(), err
}

func TestDumpLogClean(t *testing.T) {
	_, logPath, pos := segment(t)
	out, err := run(t, logPath, Options{Records: true})
	if err != nil {
		t.Fatalf("clean segment flagged: %v\n%s", err, out)
	}
	for _, want := range []string{
		"Log starting offset: 100",
		"baseOffset: 100 lastOffset: 101 count: 2 position: 0 ",
		"baseOffset: 102 lastOffset: 104 count: 3 position: " + itoa(pos[1]) + " ",
		"codec: gzip",
		"isValid: true",
		"| offset: 103 CreateTime: 1700000000011",
		`key: "k" payload: "value-b"`,
		"headerKeys: [h]",
		"Summary: 3 batches, 6 records",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
	if strings.Contains(out, "!") {
		t.Errorf("clean segment has a flag:\n%s", out)
	}
}

func TestDumpLogFlagsCorruptBatch(t *testing.T) {
	_, logPath, pos := segment(t)
	data, _ := os.ReadFile(logPath)
	data[pos[1]+record.HeaderSize+3] ^= 0xff // inside the second batch's records
	os.WriteFile(logPath, data, 0o644)
	out, err := run(t, logPath, Options{})
	if !errors.Is(err, ErrProblems) {
		t.Fatalf("err = %v, want ErrProblems\n%s", err, out)
	}
	if testing.Verbose() {
		t.Log(out)
	}
	want := "! CORRUPT: batch at position " + itoa(pos[1]) + " fails its CRC-32C check"
	if !strings.Contains(out, want) {
		t.Errorf("output lacks %q:\n%s", want, out)
	}
	if strings.Count(out, "isValid: false") != 1 || strings.Count(out, "isValid: true") != 2 {
		t.Errorf("want exactly the second batch invalid:\n%s", out)
	}
}

func TestDumpLogTornTail(t *testing.T) {
	_, logPath, pos := segment(t)
	data, _ := os.ReadFile(logPath)
	os.WriteFile(logPath, data[:len(data)-5], 0o644)
	out, err := run(t, logPath, Options{})
	if !errors.Is(err, ErrProblems) || !strings.Contains(out, "! TORN TAIL:") || !strings.Contains(out, "at position "+itoa(pos[2])) {
		t.Errorf("err %v, output:\n%s", err, out)
	}
}

func TestDumpOffsetIndex(t *testing.T) {
	dir, _, pos := segment(t)
	path := filepath.Join(dir, "00000000000000000100.index")
	// Entries for batches 2 and 3 (by base offset, as Sluice writes them,
	// and by last offset, as Kafka does), then a preallocated zero tail.
	idx := append(offsetEntry(2, int32(pos[1])), offsetEntry(5, int32(pos[2]))...)
	idx = append(idx, make([]byte, 8*10)...)
	os.WriteFile(path, idx, 0o644)
	out, err := run(t, path, Options{})
	if err != nil || !strings.Contains(out, "offset: 102 position: "+itoa(pos[1])) || !strings.Contains(out, "Summary: 2 entries") {
		t.Fatalf("err %v output:\n%s", err, out)
	}
	// An entry pointing into the middle of a batch, and one whose offset
	// the batch does not hold.
	bad := append(offsetEntry(2, int32(pos[1]+1)), offsetEntry(4, int32(pos[2]))...)
	os.WriteFile(path, bad, 0o644)
	out, err = run(t, path, Options{})
	if !errors.Is(err, ErrProblems) || strings.Count(out, "! MISMATCH") != 2 ||
		!strings.Contains(out, "no batch starts at position "+itoa(pos[1]+1)) ||
		!strings.Contains(out, "holds offsets 105..105") {
		t.Errorf("err %v output:\n%s", err, out)
	}
}

func TestDumpTimeIndex(t *testing.T) {
	dir, _, _ := segment(t)
	path := filepath.Join(dir, "00000000000000000100.timeindex")
	// Running max through offset 101 is ...001 (batch 1), through 105 ...020.
	good := append(timeEntry(1700000000001, 1), timeEntry(1700000000020, 5)...)
	good = append(good, make([]byte, 12*4)...)
	os.WriteFile(path, good, 0o644)
	out, err := run(t, path, Options{})
	if err != nil || !strings.Contains(out, "timestamp: 1700000000020 offset: 105") || !strings.Contains(out, "Summary: 2 entries") {
		t.Fatalf("err %v output:\n%s", err, out)
	}
	// Claims offsets <= 104 have timestamps <= ...005, but batch 2 has ...012.
	bad := timeEntry(1700000000005, 4)
	os.WriteFile(path, bad, 0o644)
	out, err = run(t, path, Options{})
	if !errors.Is(err, ErrProblems) || !strings.Contains(out, "! MISMATCH: the log has timestamp 1700000000012") {
		t.Errorf("err %v output:\n%s", err, out)
	}
}

func TestDumpUnknownKind(t *testing.T) {
	if err := File(&bytes.Buffer{}, "x.txt", Options{}); !errors.Is(err, ErrUnknownKind) {
		t.Errorf("err = %v", err)
	}
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }

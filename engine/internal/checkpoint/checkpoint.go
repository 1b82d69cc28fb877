// Package checkpoint reads and writes Kafka's small text checkpoint files:
// the per-log-dir offset checkpoints (recovery-point-offset-checkpoint,
// log-start-offset-checkpoint, replication-offset-checkpoint,
// cleaner-offset-checkpoint) and the per-partition leader-epoch-checkpoint.
//
// Both share one layout (Kafka's CheckpointFile), ASCII, '\n' line ends:
//
//	0                      <- version, always 0
//	2                      <- number of entry lines that follow
//	orders 0 1234          <- offset checkpoints: "<topic> <partition> <offset>"
//	orders 1 99
//
//	0
//	2
//	0 0                    <- leader-epoch-checkpoint: "<epoch> <start offset>"
//	3 1200
//
// Files are replaced atomically: written to "<name>.tmp", fsynced, renamed
// over the old file, then the directory is fsynced.
package checkpoint

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"strconv"
	"strings"

	"sluice/engine/vfs"
)

// ErrMalformed: a checkpoint file does not parse.
var ErrMalformed = errors.New("checkpoint: malformed file")

// Version is the only checkpoint format version (never change).
const Version = 0

// Offset is one line of an offset checkpoint.
type Offset struct {
	Topic     string
	Partition int32
	Offset    int64
}

// Epoch is one line of a leader-epoch-checkpoint.
type Epoch struct {
	Epoch       int32
	StartOffset int64
}

// FormatOffsets encodes an offset checkpoint.
func FormatOffsets(entries []Offset) []byte {
	var b bytes.Buffer
	fmt.Fprintf(&b, "%d\n%d\n", Version, len(entries))
	for _, e := range entries {
		fmt.Fprintf(&b, "%s %d %d\n", e.Topic, e.Partition, e.Offset)
	}
	return b.Bytes()
}

// ParseOffsets decodes an offset checkpoint.
func ParseOffsets(data []byte) ([]Offset, error) {
	lines, err := body(data)
	if err != nil {
		return nil, err
	}
	out := make([]Offset, 0, len(lines))
	for _, l := range lines {
		f := strings.Split(l, " ")
		if len(f) != 3 || f[0] == "" {
			return nil, fmt.Errorf("%w: bad line %q", ErrMalformed, l)
		}
		p, err1 := strconv.ParseInt(f[1], 10, 32)
		o, err2 := strconv.ParseInt(f[2], 10, 64)
		if err1 != nil || err2 != nil {
			return nil, fmt.Errorf("%w: bad line %q", ErrMalformed, l)
		}
		out = append(out, Offset{Topic: f[0], Partition: int32(p), Offset: o})
	}
	return out, nil
}

// FormatEpochs encodes a leader-epoch-checkpoint.
func FormatEpochs(entries []Epoch) []byte {
	var b bytes.Buffer
	fmt.Fprintf(&b, "%d\n%d\n", Version, len(entries))
	for _, e := range entries {
		fmt.Fprintf(&b, "%d %d\n", e.Epoch, e.StartOffset)
	}
	return b.Bytes()
}

// ParseEpochs decodes a leader-epoch-checkpoint.
func ParseEpochs(data []byte) ([]Epoch, error) {
	lines, err := body(data)
	if err != nil {
		return nil, err
	}
	out := make([]Epoch, 0, len(lines))
	for _, l := range lines {
		f := strings.Split(l, " ")
		if len(f) != 2 {
			return nil, fmt.Errorf("%w: bad line %q", ErrMalformed, l)
		}
		e, err1 := strconv.ParseInt(f[0], 10, 32)
		o, err2 := strconv.ParseInt(f[1], 10, 64)
		if err1 != nil || err2 != nil {
			return nil, fmt.Errorf("%w: bad line %q", ErrMalformed, l)
		}
		out = append(out, Epoch{Epoch: int32(e), StartOffset: o})
	}
	return out, nil
}

// body checks the version and count lines and returns the entry lines.
func body(data []byte) ([]string, error) {
	s := string(data)
	if !strings.HasSuffix(s, "\n") {
		return nil, fmt.Errorf("%w: missing final newline", ErrMalformed)
	}
	lines := strings.Split(strings.TrimSuffix(s, "\n"), "\n")
	if len(lines) < 2 {
		return nil, fmt.Errorf("%w: missing header", ErrMalformed)
	}
	if v, err := strconv.Atoi(lines[0]); err != nil || v != Version {
		return nil, fmt.Errorf("%w: unsupported version %q", ErrMalformed, lines[0])
	}
	n, err := strconv.Atoi(lines[1])
	if err != nil || n != len(lines)-2 {
		return nil, fmt.Errorf("%w: count %q does not match %d entries", ErrMalformed, lines[1], len(lines)-2)
	}
	return lines[2:], nil
}

// Read returns the contents of a checkpoint file; a missing file reads as
// (nil, os.ErrNotExist-wrapping error).
func Read(fs vfs.FS, path string) ([]byte, error) {
	f, err := fs.OpenFile(path, os.O_RDONLY, 0)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return nil, err
	}
	if st.Size() > 64<<20 {
		return nil, fmt.Errorf("%w: %s is %d bytes", ErrMalformed, path, st.Size())
	}
	buf := make([]byte, st.Size())
	n, err := f.ReadAt(buf, 0)
	if n == len(buf) {
		err = nil
	}
	return buf[:n], err
}

// Write replaces path with data atomically and durably.
func Write(fs vfs.FS, path string, data []byte) error {
	tmp := path + ".tmp"
	f, err := fs.OpenFile(tmp, os.O_CREATE|os.O_TRUNC|os.O_WRONLY, 0o644)
	if err != nil {
		return err
	}
	if _, err = f.WriteAt(data, 0); err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = fs.Rename(tmp, path)
	}
	if err == nil {
		err = fs.SyncDir(dirOf(path))
	}
	if err != nil {
		_ = fs.Remove(tmp)
	}
	return err
}

func dirOf(path string) string {
	i := strings.LastIndexByte(path, '/')
	if i < 0 {
		return "."
	}
	if i == 0 {
		return "/"
	}
	return path[:i]
}

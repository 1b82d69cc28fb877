package dump

import (
	"io"
	"os"
	"path/filepath"
	"testing"

	"sluice/engine/record"
)

// FuzzDump feeds arbitrary bytes as a segment and as its indexes: the dump
// must report, never panic.
func FuzzDump(f *testing.F) {
	b := record.NewBuilder(record.DefaultBuilderOptions())
	b.Add([]byte("k"), []byte("v"), 1, record.RecordHeader{Key: "h", Value: []byte("x")})
	batch := b.Build()
	f.Add(batch, offsetEntry(0, 0), timeEntry(1, 0))
	f.Add(append(batch, batch[:30]...), offsetEntry(1, 9999), timeEntry(-1, -1))
	f.Add([]byte{}, []byte{1, 2, 3}, []byte{})
	f.Fuzz(func(t *testing.T, log, idx, tidx []byte) {
		dir := t.TempDir()
		base := filepath.Join(dir, "00000000000000000007")
		for ext, data := range map[string][]byte{".log": log, ".index": idx, ".timeindex": tidx} {
			if err := os.WriteFile(base+ext, data, 0o644); err != nil {
				t.Fatal(err)
			}
		}
		for _, ext := range []string{".log", ".index", ".timeindex"} {
			_ = File(io.Discard, base+ext, Options{Records: true})
		}
	})
}

package record

import (
	"math/rand/v2"
	"testing"
)

// checkFastAgrees decodes recs record by record with nextRecordFast and
// nextRecord from the same positions: wherever the fast path accepts a
// record, the general decoder must accept it too, with the same deltas, key
// presence, no headers and the same next position. It returns how many records the fast path took.
func checkFastAgrees(t *testing.T, recs []byte) (fast int) {
	t.Helper()
	pos := 0
	for pos < len(recs) {
		var g rawRecord
		fnext, f, ok := nextRecordFast(recs, pos)
		gnext, err := nextRecord(recs, pos, &g)
		if ok {
			fast++
			if err != nil {
				t.Fatalf("at %d: fast path accepted a record nextRecord rejects (%v): % x", pos, err, recs[pos:min(pos+32, len(recs))])
			}
			if fnext != gnext || int64(f.timestampDelta) != g.timestampDelta || f.offsetDelta != g.offsetDelta || f.hasKey != g.hasKey || g.numHeaders != 0 {
				t.Fatalf("at %d: fast %d %+v, general %d %+v", pos, fnext, f, gnext, g)
			}
		} else if fnext != pos {
			t.Fatalf("at %d: declined but moved to %d", pos, fnext)
		}
		if err != nil {
			return fast
		}
		pos = gnext
	}
	return fast
}

// TestNextRecordFastAgrees: on real batches (null and empty keys and
// values, headers, 1 B to 20 KiB values so every varint width occurs) and
// on random corruptions of them, the fast path agrees with nextRecord, and
// it does take the common records.
func TestNextRecordFastAgrees(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	total := 0
	for _, size := range []int{0, 1, 20, 63, 64, 100, 1000, 8191, 8192, 20000} {
		recs := buildBatch(t, DefaultBuilderOptions(), append(sampleRecords(8, size), keyedRecords(200, size)...))[HeaderSize:]
		total += checkFastAgrees(t, recs)
		for i := 0; i < 300 && len(recs) > 0; i++ {
			bad := clone(recs)
			for k := rng.IntN(4); k >= 0; k-- {
				bad[rng.IntN(len(bad))] = byte(rng.Uint32())
			}
			checkFastAgrees(t, bad[:rng.IntN(len(bad)+1)])
		}
	}
	if total == 0 {
		t.Fatal("the fast path took no record at all")
	}
}

// FuzzNextRecordFast: on arbitrary bytes the fast path never panics and
// never disagrees with nextRecord.
func FuzzNextRecordFast(f *testing.F) {
	f.Add(buildBatch(f, DefaultBuilderOptions(), sampleRecords(6, 100))[HeaderSize:])
	f.Add(buildBatch(f, DefaultBuilderOptions(), keyedRecords(3, 1024))[HeaderSize:])
	f.Fuzz(func(t *testing.T, recs []byte) { checkFastAgrees(t, recs) })
}

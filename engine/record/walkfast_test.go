package record

import (
	"fmt"
	"math/rand/v2"
	"reflect"
	"testing"
)

// validateBoth validates copies of batch with the fast walk on and off and
// fails unless both give the same header, error (message and record
// errors) and bytes afterwards (Validate may correct maxTimestamp). It
// returns the error.
func validateBoth(t *testing.T, batch []byte, o *ValidateOptions) error {
	t.Helper()
	run := func(off bool) (Header, error, []byte) {
		noFastWalk = off
		defer func() { noFastWalk = false }()
		b := clone(batch)
		var v Validator
		h, err := v.Validate(b, o)
		return h, err, b
	}
	fh, ferr, fb := run(false)
	gh, gerr, gb := run(true)
	if fmt.Sprint(ferr) != fmt.Sprint(gerr) || !reflect.DeepEqual(fh, gh) || string(fb) != string(gb) {
		t.Fatalf("fast walk disagrees with the general loop:\nfast:    %v %+v\ngeneral: %v %+v", ferr, fh, gerr, gh)
	}
	var fe, ge *ValidationError
	if ferr != nil {
		fe, _ = ferr.(*ValidationError)
		ge, _ = gerr.(*ValidationError)
		if (fe == nil) != (ge == nil) || fe != nil && !reflect.DeepEqual(fe.RecordErrors, ge.RecordErrors) {
			t.Fatalf("record errors differ: %+v vs %+v", fe, ge)
		}
	}
	return ferr
}

// TestFastWalkAgrees: on real batches of every record shape (null and
// empty keys and values, headers, 1 B to 20 KiB values so every varint
// width occurs, timestamps in and out of bounds, compacted or not) and on
// random corruptions of their records, Validate answers exactly the same
// with and without the fast walk. And the fast walk does take the common
// batches whole.
func TestFastWalkAgrees(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	opts := []*ValidateOptions{
		{NowMs: testNow, TimestampBeforeMaxMs: 1 << 40},
		{NowMs: testNow, TimestampBeforeMaxMs: 1 << 40, Compacted: true},
		{NowMs: testNow + 3, TimestampBeforeMaxMs: 1, TimestampAfterMaxMs: 1}, // some records out of range
		{NowMs: testNow, LogAppendTime: true},
		{NowMs: testNow, Origin: OriginCoordinator},
	}
	for _, size := range []int{0, 1, 20, 63, 64, 100, 1000, 8191, 8192, 20000} {
		n := max(4, min(200, (1<<17)/max(size, 1)))
		for _, recs := range [][]testRecord{keyedRecords(n, size), append(keyedRecords(n/2, size), sampleRecords(8, size)...)} {
			batch := buildBatch(t, DefaultBuilderOptions(), recs)
			for _, o := range opts {
				validateBoth(t, batch, o)
				for i := 0; i < 40; i++ {
					bad := clone(batch)
					for k := rng.IntN(4); k >= 0; k-- {
						bad[HeaderSize+rng.IntN(len(bad)-HeaderSize)] = byte(rng.Uint32())
					}
					fixCRC(bad)
					validateBoth(t, bad, o)
				}
			}
		}
	}
	// The common case really goes the fast way: every record taken.
	batch := buildBatch(t, DefaultBuilderOptions(), keyedRecords(9000, 100))
	h, _ := ParseHeader(batch)
	w := fastWalk{first: h.FirstTimestamp, lo: -1 << 63, hi: 1<<63 - 1}
	if pos, i := w.run(batch[HeaderSize:], 0, 0, int(h.NumRecords), nil); i != 9000 || pos != len(batch)-HeaderSize {
		t.Fatalf("fast walk stopped at record %d (position %d of %d)", i, pos, len(batch)-HeaderSize)
	}
}

// FuzzFastWalk: on arbitrary record sections (CRC fixed up) the fast walk
// never panics and never changes Validate's answer.
func FuzzFastWalk(f *testing.F) {
	f.Add(buildBatch(f, DefaultBuilderOptions(), sampleRecords(6, 100))[HeaderSize:], uint8(6), int64(0), false)
	f.Add(buildBatch(f, DefaultBuilderOptions(), keyedRecords(3, 1024))[HeaderSize:], uint8(3), int64(5), true)
	f.Fuzz(func(t *testing.T, recs []byte, n uint8, skew int64, compacted bool) {
		batch := buildBatch(t, DefaultBuilderOptions(), keyedRecords(1, 1))
		batch = append(batch[:HeaderSize:HeaderSize], recs...)
		put32(batch, offLength, int32(len(batch)-12))
		put32(batch, offRecordCount, int32(n))
		put32(batch, offLastOffsetDelta, int32(n)-1)
		fixCRC(batch)
		validateBoth(t, batch, &ValidateOptions{NowMs: testNow + skew, TimestampBeforeMaxMs: 2, TimestampAfterMaxMs: 2, Compacted: compacted})
	})
}

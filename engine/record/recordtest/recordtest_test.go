package recordtest

import (
	"errors"
	"testing"

	"sluice/engine/record"
)

func TestSamplesValidateAsDeclared(t *testing.T) {
	var v record.Validator
	for _, s := range Valid() {
		h, err := v.Validate(append([]byte(nil), s.Batch...), &record.ValidateOptions{Origin: s.Origin, NowMs: BaseTime})
		if err != nil {
			t.Fatalf("%s: %v", s.Name, err)
		}
		n := 0
		if err := v.ForEachRecord(s.Batch, func(*record.Record) error { n++; return nil }); err != nil || n != s.Records || int(h.NumRecords) != n {
			t.Fatalf("%s: %d records (header %d, want %d): %v", s.Name, n, h.NumRecords, s.Records, err)
		}
	}
	for _, s := range Invalid() {
		if _, err := v.Validate(append([]byte(nil), s.Batch...), &record.ValidateOptions{NowMs: BaseTime}); !errors.Is(err, s.Want) {
			t.Fatalf("%s: got %v, want %v", s.Name, err, s.Want)
		}
	}
}

func TestConcatSplitsBack(t *testing.T) {
	blob := Concat()
	next, n := int64(0), 0
	for rest := blob; len(rest) > 0; n++ {
		b, r, err := record.NextBatch(rest)
		if err != nil {
			t.Fatal(err)
		}
		h, _ := record.ParseHeader(b)
		if h.BaseOffset != next || !record.CRCValid(b) {
			t.Fatalf("batch %d at %d, want %d", n, h.BaseOffset, next)
		}
		next, rest = h.NextOffset(), r
	}
	if n != len(Valid()) {
		t.Fatalf("%d batches, want %d", n, len(Valid()))
	}
}

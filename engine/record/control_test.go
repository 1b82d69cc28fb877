package record

import (
	"errors"
	"testing"
)

func TestEndTxnMarker(t *testing.T) {
	o := DefaultBuilderOptions()
	o.BaseOffset, o.PartitionLeaderEpoch, o.ProducerID, o.ProducerEpoch = 40, 3, 1000, 7
	o.Codec, o.BaseSequence = Zstd, 12 // overridden
	for _, commit := range []bool{true, false} {
		b := EndTxnMarker(o, commit, 5, testNow)
		h, err := ParseHeader(b)
		if err != nil || !h.IsControl() || !h.IsTransactional() || h.Codec() != None || h.BaseSequence != -1 ||
			h.ProducerID != 1000 || h.ProducerEpoch != 7 || h.BaseOffset != 40 || h.PartitionLeaderEpoch != 3 ||
			h.NumRecords != 1 || h.MaxTimestamp != testNow || !CRCValid(b) {
			t.Fatalf("%+v %v", h, err)
		}
		// Byte layout of the record: key 00 00 00 0t, value 00 00 00 00 00 05.
		want := ControlAbort
		if commit {
			want = ControlCommit
		}
		var v Validator
		recs := collect(t, &v, b)
		if len(recs) != 1 || string(recs[0].Key) != string([]byte{0, 0, 0, byte(want)}) ||
			string(recs[0].Value) != string([]byte{0, 0, 0, 0, 0, 5}) {
			t.Fatalf("record %+v", recs)
		}
		typ, err := ParseControlKey(recs[0].Key)
		if err != nil || typ != want {
			t.Fatalf("type %v %v", typ, err)
		}
		if ep, err := ParseEndTxnMarker(recs[0].Value); err != nil || ep != 5 {
			t.Fatalf("epoch %d %v", ep, err)
		}
		// The coordinator may write it; a client may not.
		if _, err := v.Validate(b, &ValidateOptions{Origin: OriginCoordinator, NowMs: testNow}); err != nil {
			t.Fatal(err)
		}
		if _, err := v.Validate(b, &ValidateOptions{NowMs: testNow}); !errors.Is(err, ErrInvalidRecord) {
			t.Fatalf("client control batch: %v", err)
		}
	}
	for _, bad := range [][]byte{nil, {0, 0, 0}, {0xff, 0xff, 0, 1}} {
		if _, err := ParseControlKey(bad); !errors.Is(err, ErrCorruptMessage) {
			t.Fatalf("key %x: %v", bad, err)
		}
	}
	if _, err := ParseEndTxnMarker([]byte{0, 0, 0, 0, 1}); !errors.Is(err, ErrCorruptMessage) {
		t.Fatal(err)
	}
	if typ, err := ParseControlKey([]byte{0, 1, 0, 2, 9, 9}); err != nil || typ != ControlLeaderChange {
		t.Fatalf("newer version with trailing bytes: %v %v", typ, err)
	}
}

package record

import "testing"

func TestSmokeRoundTrip(t *testing.T) {
	for _, c := range []Codec{None, Gzip, Snappy, LZ4, Zstd} {
		o := DefaultBuilderOptions()
		o.Codec = c
		b := NewBuilder(o)
		b.Add([]byte("k"), []byte("hello"), 1000, RecordHeader{Key: "h", Value: []byte("v")})
		b.Add(nil, []byte("world"), 1001)
		batch := b.Build()
		var v Validator
		h, err := v.Validate(batch, &ValidateOptions{NowMs: 1000})
		if err != nil {
			t.Fatalf("%v: %v", c, err)
		}
		if h.NumRecords != 2 || h.Codec() != c || h.MaxTimestamp != 1001 {
			t.Fatalf("%v: header %+v", c, h)
		}
		var got []string
		err = v.ForEachRecord(batch, func(r *Record) error {
			got = append(got, string(r.Value))
			return nil
		})
		if err != nil || len(got) != 2 || got[1] != "world" {
			t.Fatalf("%v: %v %v", c, got, err)
		}
	}
}

package clustertest

import (
	"slices"
	"testing"
)

// TestCheck: each kind of anomaly is found, and a clean history passes.
func TestCheck(t *testing.T) {
	h := History{Sent: 6, Acked: []Ack{{0, 0, 0}, {1, 1, 0}, {2, 0, 1}, {3, 1, 1}, {4, 0, 2}}, Failed: []int64{5}}
	clean := []Read{{0, 0, 0}, {2, 0, 1}, {4, 0, 2}, {1, 1, 0}, {3, 1, 1}, {5, 1, 2}}
	if r := Check(h, clean); !r.OK() {
		t.Fatalf("clean history: %s", r)
	}
	cases := []struct {
		name  string
		reads []Read
		get   func(Report) []int64
		want  []int64
	}{
		{"lost", []Read{{0, 0, 0}, {2, 0, 1}, {1, 1, 0}, {3, 1, 1}}, func(r Report) []int64 { return r.Lost }, []int64{4}},
		{"duplicated", append(slices.Clone(clean), Read{3, 1, 3}), func(r Report) []int64 { return r.Duplicated }, []int64{3}},
		{"reordered", []Read{{0, 0, 0}, {4, 0, 1}, {2, 0, 2}, {1, 1, 0}, {3, 1, 1}}, func(r Report) []int64 { return r.Reordered }, []int64{2}},
		{"moved", []Read{{0, 0, 0}, {2, 0, 1}, {4, 0, 3}, {1, 1, 0}, {3, 1, 1}}, func(r Report) []int64 { return r.Moved }, []int64{4}},
		{"unexpected", append(slices.Clone(clean), Read{9, 1, 3}), func(r Report) []int64 { return r.Unexpected }, []int64{9}},
	}
	for _, c := range cases {
		r := Check(h, c.reads)
		if r.OK() || !slices.Equal(c.get(r), c.want) {
			t.Errorf("%s: %s", c.name, r)
		}
	}
}

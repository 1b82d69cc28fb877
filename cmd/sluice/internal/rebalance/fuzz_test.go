package rebalance

import (
	"errors"
	"reflect"
	"testing"
)

// FuzzParsePlan: any input is either refused with ErrBadPlan or parsed
// into a plan that survives Marshal and ParsePlan unchanged.
func FuzzParsePlan(f *testing.F) {
	for _, s := range []string{
		`{"version":1,"partitions":[{"topic":"t","partition":0,"replicas":[1,2],"log_dirs":["any","any"]}]}`,
		`{"partitions":[{"topic":"t","partition":3,"replicas":[5]}]}`,
		`{"version":1,"partitions":[]}`,
		`{"version":2}`, `[]`, `null`, ``,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		p, err := ParsePlan(b)
		if err != nil {
			if !errors.Is(err, ErrBadPlan) {
				t.Fatalf("error without ErrBadPlan: %v", err)
			}
			return
		}
		back, err := ParsePlan(p.Marshal())
		if err != nil || !reflect.DeepEqual(back, p) {
			t.Fatalf("round trip of %s: %+v, %v", p.Marshal(), back, err)
		}
	})
}

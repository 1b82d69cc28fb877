package kerr

import (
	"fmt"
	"testing"

	"sluice/cluster"
	"sluice/engine"
	"sluice/engine/record"
)

func TestFromError(t *testing.T) {
	for _, tc := range []struct {
		err  error
		want int16
	}{
		{nil, 0},
		{fmt.Errorf("append: %w", record.ErrMessageTooLarge), 10},
		{fmt.Errorf("x: %w", engine.ErrOffsetOutOfRange), 1},
		{fmt.Errorf("x: %w", engine.ErrStorage), 56},
		{fmt.Errorf("x: %w", cluster.ErrUnknownTopicOrPartition), 3},
		{fmt.Errorf("x: %w", NotController), 41},
		{fmt.Errorf("boom"), -1},
	} {
		if got := Code(tc.err); got != tc.want {
			t.Errorf("Code(%v) = %d, want %d", tc.err, got, tc.want)
		}
	}
	seen := map[string]bool{}
	for code, e := range byCode {
		if e.Code != code || seen[e.Name] {
			t.Errorf("table entry %d %s inconsistent or duplicate", code, e.Name)
		}
		seen[e.Name] = true
	}
}

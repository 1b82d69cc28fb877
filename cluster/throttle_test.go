package cluster

import "testing"

func TestThrottledReplica(t *testing.T) {
	for _, tc := range []struct {
		list      string
		partition int32
		broker    int32
		want      bool
	}{
		{"", 0, 0, false},
		{"*", 3, 7, true},
		{" * ", 3, 7, true},
		{"0:1,0:2,1:2", 0, 2, true},
		{"0:1,0:2,1:2", 1, 2, true},
		{"0:1,0:2,1:2", 1, 1, false},
		{"0:1, 2:3", 2, 3, true},
		{"0:1,bad,2:x", 0, 1, true},
		{"0:1,bad,2:x", 2, 0, false},
		{"10:1", 1, 1, false},
	} {
		if got := throttledReplica(tc.list, tc.partition, tc.broker); got != tc.want {
			t.Errorf("throttledReplica(%q, %d, %d) = %v, want %v", tc.list, tc.partition, tc.broker, got, tc.want)
		}
	}
}

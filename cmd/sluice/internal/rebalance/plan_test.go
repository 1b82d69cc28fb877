package rebalance

import (
	"errors"
	"reflect"
	"strings"
	"testing"
)

func TestPlanRoundTrip(t *testing.T) {
	p := NewPlan()
	p.Add("orders", 1, []int32{3, 1, 2})
	p.Add("a\"b", 0, []int32{0})
	b := p.Marshal()
	want := `{"version":1,"partitions":[{"topic":"orders","partition":1,"replicas":[3,1,2],"log_dirs":["any","any","any"]},` +
		`{"topic":"a\"b","partition":0,"replicas":[0],"log_dirs":["any"]}]}`
	if string(b) != want {
		t.Fatalf("Marshal:\n%s\nwant\n%s", b, want)
	}
	back, err := ParsePlan(b)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(back, p) {
		t.Fatalf("round trip: %+v, want %+v", back, p)
	}
	if got := string(NewPlan().Marshal()); got != `{"version":1,"partitions":[]}` {
		t.Errorf("empty plan: %s", got)
	}
	// Kafka's tool writes log_dirs; files written by hand often omit them
	// and the version; both parse.
	back, err = ParsePlan([]byte(`{"partitions":[{"topic":"t","partition":2,"replicas":[1,2]}]}`))
	if err != nil || len(back.Partitions) != 1 || !reflect.DeepEqual(back.Partitions[0].LogDirs, []string{"any", "any"}) {
		t.Errorf("minimal plan: %+v, %v", back, err)
	}
}

func TestParsePlanRejects(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{`not json`, "not JSON"},
		{`[]`, "not JSON"},
		{`{"version":2,"partitions":[]}`, "version 2"},
		{`{"version":1}`, `no "partitions"`},
		{`{"version":1,"partitions":[{"partition":0,"replicas":[1]}]}`, "has no topic"},
		{`{"version":1,"partitions":[{"topic":"t","replicas":[1]}]}`, "no partition number"},
		{`{"version":1,"partitions":[{"topic":"t","partition":-1,"replicas":[1]}]}`, "no partition number"},
		{`{"version":1,"partitions":[{"topic":"t","partition":0}]}`, "t-0 has no replicas"},
		{`{"version":1,"partitions":[{"topic":"t","partition":0,"replicas":[]}]}`, "t-0 has no replicas"},
		{`{"version":1,"partitions":[{"topic":"t","partition":0,"replicas":[1,1]}]}`, "lists broker 1 twice"},
		{`{"version":1,"partitions":[{"topic":"t","partition":0,"replicas":[-3]}]}`, "broker id -3"},
		{`{"version":1,"partitions":[{"topic":"t","partition":0,"replicas":[1]},{"topic":"t","partition":0,"replicas":[2]}]}`, "t-0 is listed twice"},
		{`{"version":1,"partitions":[{"topic":"t","partition":0,"replicas":[1,2],"log_dirs":["any"]}]}`, "1 log_dirs for 2 replicas"},
		{`{"version":1,"partitions":[{"topic":"t","partition":0,"replicas":[1],"log_dirs":["/data/a"]}]}`, `only "any"`},
		{`{"version":1,"partitions":[{"topic":"t","partition":"0","replicas":[1]}]}`, "partitions[0]"},
	} {
		_, err := ParsePlan([]byte(tc.in))
		if !errors.Is(err, ErrBadPlan) || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: got %v, want ErrBadPlan with %q", tc.in, err, tc.want)
		}
	}
}

package rebalance

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"
)

// applyPlan returns each partition's replicas after the plan, by "t-p".
func applyPlan(parts []Partition, plan Plan) map[string][]int32 {
	out := map[string][]int32{}
	for _, p := range parts {
		out[fmt.Sprintf("%s-%d", p.Topic, p.Partition)] = p.Replicas
	}
	for _, r := range plan.Partitions {
		out[fmt.Sprintf("%s-%d", r.Topic, r.Partition)] = r.Replicas
	}
	return out
}

// afterPlan is parts with the plan applied (leaders left as they were).
func afterPlan(parts []Partition, plan Plan) []Partition {
	m := applyPlan(parts, plan)
	out := make([]Partition, len(parts))
	for i, p := range parts {
		out[i] = p
		out[i].Replicas = m[fmt.Sprintf("%s-%d", p.Topic, p.Partition)]
	}
	return out
}

// spread is max - min of the counts of the given brokers.
func spread(counts map[int32]int, brokers []int32) int {
	hi, lo := 0, int(^uint(0)>>1)
	for _, b := range brokers {
		hi, lo = max(hi, counts[b]), min(lo, counts[b])
	}
	return hi - lo
}

// minMaxLeaders is the smallest possible largest preferred-leader count
// when every partition is led by one of its replicas, found by max-flow
// (independent of the planner's path search).
func minMaxLeaders(sets [][]int32, brokers []int32) int {
	for c := (len(sets) + len(brokers) - 1) / len(brokers); ; c++ {
		owner := map[int32][]int{} // broker -> partitions assigned
		var try func(i int, seen map[int32]bool) bool
		try = func(i int, seen map[int32]bool) bool {
			for _, b := range sets[i] {
				if seen[b] {
					continue
				}
				seen[b] = true
				if len(owner[b]) < c {
					owner[b] = append(owner[b], i)
					return true
				}
				for k, j := range owner[b] {
					if try(j, seen) {
						owner[b][k] = i
						return true
					}
				}
			}
			return false
		}
		ok := true
		for i := range sets {
			if !try(i, map[int32]bool{}) {
				ok = false
				break
			}
		}
		if ok {
			return c
		}
	}
}

// scenario is a generated cluster and options.
type scenario struct {
	name      string
	live      []Broker
	parts     []Partition
	opt       Options
	symmetric bool // no racks, or racks of equal size: full balance is possible
}

// checkPlan verifies every property the package doc promises.
func checkPlan(t *testing.T, sc scenario) Result {
	t.Helper()
	r, err := Generate(sc.live, sc.parts, sc.opt)
	if err != nil {
		t.Fatalf("%s: %v", sc.name, err)
	}
	decom := map[int32]bool{}
	for _, b := range sc.opt.Decommission {
		decom[b] = true
	}
	rack := map[int32]string{}
	var targets []int32
	racks := map[string][]int32{}
	for _, b := range sc.live {
		if !decom[b.ID] {
			targets = append(targets, b.ID)
			rack[b.ID] = b.Rack
			racks[b.Rack] = append(racks[b.Rack], b.ID)
		}
	}
	include := map[string]bool{}
	for _, tp := range sc.opt.Topics {
		include[tp] = true
	}
	after := applyPlan(sc.parts, r.Plan)
	count, lead := map[int32]int{}, map[int32]int{}
	var sets [][]int32
	added := 0
	for _, p := range sc.parts {
		key := fmt.Sprintf("%s-%d", p.Topic, p.Partition)
		reps := after[key]
		if len(include) > 0 && !include[p.Topic] {
			if !slices.Equal(reps, p.Replicas) {
				t.Fatalf("%s: %s is not a planned topic but changed: %v -> %v", sc.name, key, p.Replicas, reps)
			}
			continue
		}
		rf := len(p.Replicas)
		if n, ok := sc.opt.ReplicationFactor[p.Topic]; ok {
			rf = n
		}
		if len(reps) != rf {
			t.Fatalf("%s: %s has %d replicas %v, want %d", sc.name, key, len(reps), reps, rf)
		}
		perRack := map[string]int{}
		for i, b := range reps {
			if slices.Index(reps, b) != i {
				t.Fatalf("%s: %s lists broker %d twice: %v", sc.name, key, b, reps)
			}
			if !slices.Contains(targets, b) {
				t.Fatalf("%s: %s on broker %d, which may not hold replicas (decommission %v): %v", sc.name, key, b, sc.opt.Decommission, reps)
			}
			if !slices.Contains(p.Replicas, b) {
				added++
			}
			count[b]++
			perRack[rack[b]]++
		}
		hi, lo := 0, rf
		for r := range racks {
			hi, lo = max(hi, perRack[r]), min(lo, perRack[r])
		}
		if hi >= 2 && lo == 0 {
			t.Fatalf("%s: %s breaks the rack rule: %v (racks %v)", sc.name, key, reps, perRack)
		}
		lead[reps[0]]++
		sets = append(sets, reps)
	}
	if added != r.Added {
		t.Errorf("%s: Result.Added = %d, the plan adds %d", sc.name, r.Added, added)
	}
	for rk, bs := range racks {
		if d := spread(count, bs); d > 1 {
			t.Errorf("%s: replica counts in rack %q differ by %d: %v", sc.name, rk, d, count)
		}
	}
	if sc.symmetric {
		if d := spread(count, targets); d > 1 {
			t.Errorf("%s: replica counts differ by %d: %v", sc.name, d, count)
		}
	}
	if len(sets) > 0 {
		best := minMaxLeaders(sets, targets)
		hi := 0
		for _, b := range targets {
			hi = max(hi, lead[b])
		}
		if hi != best {
			t.Errorf("%s: a broker leads %d partitions; %d is possible: %v", sc.name, hi, best, lead)
		}
		if best == (len(sets)+len(targets)-1)/len(targets) && sc.symmetric {
			if d := spread(lead, targets); d > 1 {
				t.Errorf("%s: preferred leader counts differ by %d: %v", sc.name, d, lead)
			}
		}
	}
	// The plan's outcome is a fixed point: planning again changes nothing.
	opt2 := sc.opt
	opt2.ReplicationFactor = nil
	opt2.Decommission = nil
	for _, b := range sc.opt.Decommission {
		if slices.ContainsFunc(sc.live, func(l Broker) bool { return l.ID == b }) {
			opt2.Decommission = append(opt2.Decommission, b) // a dead one is gone now
		}
	}
	again, err := Generate(sc.live, afterPlan(sc.parts, r.Plan), opt2)
	if err != nil {
		t.Fatalf("%s: replanning: %v", sc.name, err)
	}
	if len(again.Plan.Partitions) != 0 {
		t.Errorf("%s: replanning the result moves again: %s", sc.name, again.Plan.Marshal())
	}
	return r
}

// randomScenario builds a skewed random cluster from seed.
func randomScenario(seed uint64) scenario {
	rng := rand.New(rand.NewPCG(seed, 7))
	n := 2 + rng.IntN(7)
	sc := scenario{name: fmt.Sprintf("seed %d", seed), symmetric: true}
	mode := rng.IntN(3)
	k := 2 + rng.IntN(2)
	for i := 0; i < n; i++ {
		b := Broker{ID: int32(10 + i)}
		switch {
		case mode == 1 && n%k == 0:
			b.Rack = fmt.Sprintf("r%d", i%k)
		case mode == 2:
			b.Rack = fmt.Sprintf("r%d", rng.IntN(3))
			sc.symmetric = false
		}
		sc.live = append(sc.live, b)
	}
	if mode == 2 {
		sc.name += " (uneven racks)"
	}
	// Skewed weights: some brokers start (nearly) empty, as after adding them.
	w := make([]int, n)
	for i := range w {
		w[i] = rng.IntN(4) * rng.IntN(4)
	}
	w[rng.IntN(n)] += 3
	pick := func(exclude []int32) int32 {
		total := 0
		for i, x := range w {
			if !slices.Contains(exclude, sc.live[i].ID) {
				total += x + 1
			}
		}
		v := rng.IntN(total)
		for i, x := range w {
			if slices.Contains(exclude, sc.live[i].ID) {
				continue
			}
			if v -= x + 1; v < 0 {
				return sc.live[i].ID
			}
		}
		panic("unreachable")
	}
	topics := 1 + rng.IntN(4)
	maxRF := min(3, n)
	for ti := 0; ti < topics; ti++ {
		name := fmt.Sprintf("t%d", ti)
		rf := 1 + rng.IntN(maxRF)
		for p := int32(0); p < int32(1+rng.IntN(40)); p++ {
			var reps []int32
			for len(reps) < rf {
				reps = append(reps, pick(reps))
			}
			leader := reps[rng.IntN(len(reps))]
			if rng.IntN(10) == 0 {
				leader = -1
			}
			sc.parts = append(sc.parts, Partition{Topic: name, Partition: p, Replicas: reps, Leader: leader})
		}
		if rng.IntN(4) == 0 {
			if sc.opt.ReplicationFactor == nil {
				sc.opt.ReplicationFactor = map[string]int{}
			}
			sc.opt.ReplicationFactor[name] = 1 + rng.IntN(maxRF)
		}
	}
	if rng.IntN(3) == 0 && n > 3 {
		sc.opt.Decommission = []int32{sc.live[rng.IntN(n)].ID}
		sc.symmetric = sc.symmetric && mode == 0
	}
	if rng.IntN(5) == 0 {
		sc.opt.Topics = []string{"t0"}
	}
	return sc
}

func TestGenerateProperties(t *testing.T) {
	seeds := 600
	if testing.Short() {
		seeds = 100
	}
	for seed := 0; seed < seeds; seed++ {
		checkPlan(t, randomScenario(uint64(seed)))
	}
}

// kafkaLayout is how Kafka's placement lays out a topic on brokers
// 0..n-1 (round robin from start, followers shifted): balanced in replicas
// and preferred leaders. Topics laid out one after another with start
// continuing where the last ended stay balanced together.
func kafkaLayout(topic string, start, partitions, rf, n int) []Partition {
	var out []Partition
	for p := 0; p < partitions; p++ {
		first := (start + p) % n
		shift := 0
		if n > 1 {
			shift = 1 + ((start+p)/n)%(n-1)
		}
		reps := []int32{int32(first)}
		for j := 0; j < rf-1; j++ {
			reps = append(reps, int32((first+shift+j)%n))
		}
		// fall back to consecutive brokers when the shifts collide
		if len(uniq(reps)) != rf {
			reps = reps[:0]
			for j := 0; j < rf; j++ {
				reps = append(reps, int32((first+j)%n))
			}
		}
		out = append(out, Partition{Topic: topic, Partition: int32(p), Replicas: reps, Leader: reps[0]})
	}
	return out
}

func uniq(v []int32) []int32 {
	var out []int32
	for _, x := range v {
		if !slices.Contains(out, x) {
			out = append(out, x)
		}
	}
	return out
}

func brokers(ids ...int32) []Broker {
	var out []Broker
	for _, id := range ids {
		out = append(out, Broker{ID: id})
	}
	return out
}

// lowerBound is the fewest replicas any plan must add to reach balance
// (counts q or q+1, r brokers at q+1): every replica on a broker being
// emptied, plus, with the r fullest brokers allowed q+1, every replica above
// its broker's allowance.
func lowerBound(parts []Partition, targets []int32) int {
	count := map[int32]int{}
	total, must := 0, 0
	for _, p := range parts {
		for _, b := range p.Replicas {
			total++
			if slices.Contains(targets, b) {
				count[b]++
			} else {
				must++
			}
		}
	}
	var cs []int
	for _, b := range targets {
		cs = append(cs, count[b])
	}
	slices.Sort(cs)
	slices.Reverse(cs)
	q, r := total/len(targets), total%len(targets)
	over := 0
	for i, c := range cs {
		allow := q
		if i < r {
			allow++
		}
		over += max(0, c-allow)
	}
	return must + over
}

func TestBalancedLayoutGivesEmptyPlan(t *testing.T) {
	for _, tc := range []struct{ parts, rf, n int }{{12, 3, 3}, {50, 3, 3}, {7, 2, 3}, {100, 1, 4}, {30, 3, 5}, {1, 1, 1}} {
		var ids []int32
		for i := 0; i < tc.n; i++ {
			ids = append(ids, int32(i))
		}
		parts := append(kafkaLayout("a", 0, tc.parts, tc.rf, tc.n), kafkaLayout("b", tc.parts, tc.parts/2+1, tc.rf, tc.n)...)
		r := checkPlan(t, scenario{name: fmt.Sprint(tc), live: brokers(ids...), parts: parts, symmetric: true})
		if len(r.Plan.Partitions) != 0 || r.Added != 0 {
			t.Errorf("%+v: balanced layout gives a plan: %s", tc, r.Plan.Marshal())
		}
	}
}

func TestAddBrokerMovesTheMinimum(t *testing.T) {
	for _, tc := range []struct{ parts, rf int }{{12, 3}, {100, 3}, {600, 3}, {40, 2}, {99, 1}, {250, 2}} {
		parts := kafkaLayout("orders", 0, tc.parts, tc.rf, 3)
		sc := scenario{name: fmt.Sprintf("%d partitions rf %d", tc.parts, tc.rf), live: brokers(0, 1, 2, 3), parts: parts, symmetric: true}
		r := checkPlan(t, sc)
		min := lowerBound(parts, []int32{0, 1, 2, 3})
		if r.Added != min {
			t.Errorf("%s: adds %d replicas, the minimum is %d", sc.name, r.Added, min)
		}
		if want := tc.parts * tc.rf / 4; r.Added < want-1 || r.Added > want+1 {
			t.Errorf("%s: adds %d replicas, want about N*RF/4 = %d", sc.name, r.Added, want)
		}
		nb := r.Brokers[3]
		if nb.ID != 3 || nb.ReplicasBefore != 0 || nb.ReplicasAfter < tc.parts*tc.rf/4 || nb.PreferredAfter < tc.parts/4 {
			t.Errorf("%s: new broker's load %+v", sc.name, nb)
		}
		// Only replicas that go to broker 3 move.
		for _, re := range r.Plan.Partitions {
			orig := parts[re.Partition].Replicas
			for _, b := range re.Replicas {
				if !slices.Contains(orig, b) && b != 3 {
					t.Fatalf("%s: %s-%d moves to %d: %v -> %v", sc.name, re.Topic, re.Partition, b, orig, re.Replicas)
				}
			}
		}
	}
}

func TestDecommissionMovesOnlyItsReplicas(t *testing.T) {
	parts := append(kafkaLayout("a", 0, 60, 3, 5), kafkaLayout("b", 60, 17, 2, 5)...)
	sc := scenario{name: "decommission 2", live: brokers(0, 1, 2, 3, 4), parts: parts, opt: Options{Decommission: []int32{2}}, symmetric: true}
	r := checkPlan(t, sc)
	held := 0
	for _, p := range parts {
		if slices.Contains(p.Replicas, 2) {
			held++
		}
	}
	if r.Added != held || r.Removed != held {
		t.Errorf("decommission moves %d and removes %d; broker 2 held %d", r.Added, r.Removed, held)
	}
	if lb := lowerBound(parts, []int32{0, 1, 3, 4}); r.Added != lb {
		t.Errorf("adds %d, minimum %d", r.Added, lb)
	}
	for _, l := range r.Brokers {
		if l.ID == 2 && (!l.Decommission || l.ReplicasAfter != 0 || l.PreferredAfter != 0) {
			t.Errorf("broker 2 after: %+v", l)
		}
	}
	// A broker that is down (not live) can be decommissioned too.
	sc.live = brokers(0, 1, 3, 4)
	sc.name = "decommission dead 2"
	checkPlan(t, sc)
}

func TestReplicationFactorChange(t *testing.T) {
	parts := kafkaLayout("a", 0, 40, 2, 4)
	up := checkPlan(t, scenario{name: "rf 2->3", live: brokers(0, 1, 2, 3), parts: parts,
		opt: Options{ReplicationFactor: map[string]int{"a": 3}}, symmetric: true})
	if up.Added != 40 || up.Removed != 0 || len(up.Plan.Partitions) != 40 {
		t.Errorf("rf 2->3: added %d removed %d, %d partitions", up.Added, up.Removed, len(up.Plan.Partitions))
	}
	down := checkPlan(t, scenario{name: "rf 2->1", live: brokers(0, 1, 2, 3), parts: parts,
		opt: Options{ReplicationFactor: map[string]int{"a": 1}}, symmetric: true})
	if down.Added != 0 || down.Removed != 40 {
		t.Errorf("rf 2->1: added %d removed %d", down.Added, down.Removed)
	}
	// Shrinking keeps the preferred leader wherever balance allows: here all.
	for _, re := range down.Plan.Partitions {
		if re.Replicas[0] != parts[re.Partition].Replicas[0] {
			t.Errorf("rf 2->1: %d keeps %v of %v", re.Partition, re.Replicas, parts[re.Partition].Replicas)
		}
	}
}

func TestRacks(t *testing.T) {
	// Six brokers in three racks; every partition sits in rack a only.
	live := []Broker{{0, "a"}, {1, "a"}, {2, "b"}, {3, "b"}, {4, "c"}, {5, "c"}}
	var parts []Partition
	for p := int32(0); p < 30; p++ {
		parts = append(parts, Partition{Topic: "t", Partition: p, Replicas: []int32{p % 2, 1 - p%2}, Leader: p % 2})
	}
	r := checkPlan(t, scenario{name: "racks", live: live, parts: parts, symmetric: true})
	if r.Added < 30 {
		t.Errorf("fixing 30 rack violations adds only %d", r.Added)
	}
	// A rack of one broker must hold a replica of every partition (RF 2,
	// two racks): that broker cannot be balanced with the others, and the
	// planner says so by leaving it full rather than breaking the rule.
	live = []Broker{{0, "a"}, {1, "b"}, {2, "b"}, {3, "b"}}
	parts = kafkaLayout("t", 0, 24, 2, 4)
	r = checkPlan(t, scenario{name: "lone rack", live: live, parts: parts})
	if r.Brokers[0].ReplicasAfter != 24 {
		t.Errorf("lone-rack broker holds %d of 24", r.Brokers[0].ReplicasAfter)
	}
	// Some brokers with a rack, some without: Kafka's refusal, unless disabled.
	live = []Broker{{0, "a"}, {1, ""}}
	parts = kafkaLayout("t", 0, 4, 2, 2)
	if _, err := Generate(live, parts, Options{}); err == nil || !errorsIs(err, ErrMixedRacks) {
		t.Errorf("mixed racks: %v", err)
	}
	checkPlan(t, scenario{name: "mixed, disabled", live: live, parts: parts, opt: Options{DisableRackAware: true}, symmetric: true})
}

func TestGenerateRejects(t *testing.T) {
	parts := kafkaLayout("t", 0, 6, 2, 3)
	for _, tc := range []struct {
		live []Broker
		opt  Options
		want error
		text string
	}{
		{brokers(0, 1, 2), Options{Decommission: []int32{7}}, ErrUnknownBroker, "unknown broker 7"},
		{brokers(0, 1, 2), Options{Decommission: []int32{0, 1, 2}}, ErrNoBrokers, "leaves no live broker"},
		{brokers(0, 1, 2), Options{Decommission: []int32{0, 1}}, ErrReplicationFactor, "Replication factor: 2 larger than available brokers: 1."},
		{brokers(0, 1, 2), Options{ReplicationFactor: map[string]int{"t": 4}}, ErrReplicationFactor, "Replication factor: 4 larger than available brokers: 3."},
		{brokers(0, 1, 2), Options{ReplicationFactor: map[string]int{"t": 0}}, ErrReplicationFactor, "at least 1"},
		{brokers(0, 1, 2), Options{ReplicationFactor: map[string]int{"x": 1}}, ErrUnknownTopic, `"x"`},
		{brokers(0, 1, 2), Options{Topics: []string{"x"}}, ErrUnknownTopic, `"x"`},
		{brokers(0, 1), Options{}, ErrNotLive, "broker 2 holds replicas"},
	} {
		_, err := Generate(tc.live, parts, tc.opt)
		if !errorsIs(err, tc.want) || !contains(err.Error(), tc.text) {
			t.Errorf("%+v: got %v, want %v with %q", tc.opt, err, tc.want, tc.text)
		}
	}
}

// TestUnevenRacksNeedChains: in these generated clusters (uneven racks)
// direct moves from the fullest broker stall while full balance is
// possible; moves chained through a third broker reach it.
func TestUnevenRacksNeedChains(t *testing.T) {
	for _, seed := range []uint64{337, 1492} {
		sc := randomScenario(seed)
		r := checkPlan(t, sc)
		count := map[int32]int{}
		var ids []int32
		for _, b := range r.Brokers {
			if !b.Decommission {
				count[b.ID] = b.ReplicasAfter
				ids = append(ids, b.ID)
			}
		}
		if d := spread(count, ids); d > 1 {
			t.Errorf("%s: replica counts differ by %d: %v", sc.name, d, count)
		}
	}
}

func TestPartitionWithoutReplicas(t *testing.T) {
	parts := append(kafkaLayout("t", 0, 4, 2, 3), Partition{Topic: "t", Partition: 4, Leader: -1})
	r, err := Generate(brokers(0, 1, 2), parts, Options{})
	if err != nil || len(r.Plan.Partitions) != 0 {
		t.Errorf("a partition without replicas: %s, %v", r.Plan.Marshal(), err)
	}
	// Given a replication factor, it gets replicas.
	r, err = Generate(brokers(0, 1, 2), parts, Options{ReplicationFactor: map[string]int{"t": 2}})
	if err != nil || len(r.Plan.Partitions) != 1 || len(r.Plan.Partitions[0].Replicas) != 2 {
		t.Errorf("with a replication factor: %s, %v", r.Plan.Marshal(), err)
	}
}

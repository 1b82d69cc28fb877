package replica

import (
	"flag"
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
	"time"
)

var (
	simSeeds = flag.Int("sim.seeds", 400, "randomized histories to run (TestRandomized)")
	simSeed  = flag.Uint64("sim.seed", 0, "run only this seed, printing its trace")
	simSteps = flag.Int("sim.steps", 1500, "steps per history")
	simMut   = flag.String("sim.mutation", "", "with -sim.seed: switch off one rule ("+strings.Join(mutationNames(), ", ")+")")
)

// mutationCases are the safety rules TestRandomizedFindsInjectedBugs
// switches off, one at a time.
var mutationCases = []struct {
	flag, name string
	mut        mutations
}{
	{"7128", "KAFKA-7128 expand on HW alone", mutations{noEpochStartCheck: true}},
	{"14704", "KAFKA-14704 HW before truncation", mutations{hwBeforeTruncation: true}},
	{"13141", "KAFKA-13141 record a diverging position", mutations{recordDivergingLEO: true}},
	{"kip101", "pre-KIP-101 truncate to HW on becoming follower", mutations{truncateToHWOnStart: true}},
}

func mutationNames() []string {
	var out []string
	for _, c := range mutationCases {
		out = append(out, c.flag)
	}
	return out
}

// TestRandomized runs seeded random histories of a three-replica partition:
// each broker an in-memory log (which survives crashes; its HW comes back
// from a checkpoint that may lag) plus a Partition machine, a simulated
// ZooKeeper-mode controller (elects from the ISR only, AlterPartition as a
// compare-and-set on the partition epoch, every leader change bumps the
// leader epoch) and a network that delays, reorders between links and
// drops messages. Steps are picked at random: acks=all and acks=1
// appends, follower fetches, message deliveries, ticks, broker crashes
// and restarts (the controller notices deaths late), ZooKeeper session
// expiries of live brokers (the zombie keeps running and leading in its
// old epoch), preferred-leader elections, DeleteRecords, HW checkpoints.
// It checks:
//
//   - exposure: whatever any replica's HW covers (what consumers may read)
//     is the same record on every replica, at all times;
//   - durability (leader completeness): a broker that becomes leader in
//     epoch E holds every record acknowledged or exposed under an epoch
//     below E (above its log start); a late LeaderAndIsr of an old epoch
//     need not know what later epochs committed, but a zombie's
//     acknowledgement counts under its own old epoch;
//   - convergence: healed, the replicas end with identical logs, a full
//     ISR and HW = log end, holding every acknowledged and exposed record.
//
// A failing seed reruns alone with -sim.seed=N -v, printing every step.
func TestRandomized(t *testing.T) {
	if *simSeed != 0 {
		var mut mutations
		for _, c := range mutationCases {
			if c.flag == *simMut {
				mut = c.mut
			}
		}
		s := runSim(*simSeed, *simSteps, mut, true)
		t.Log("\n" + strings.Join(s.trace, "\n"))
		if s.err != "" {
			t.Fatalf("seed %d: %s", *simSeed, s.err)
		}
		return
	}
	seeds := *simSeeds
	if testing.Short() {
		seeds /= 4
	}
	stats := simStats{}
	for seed := uint64(1); seed <= uint64(seeds); seed++ {
		s := runSim(seed, *simSteps, mutations{}, false)
		if s.err != "" {
			t.Fatalf("seed %d: %s\nlast steps:\n%s\nrerun with -run TestRandomized -sim.seed=%d -v", seed, s.err,
				strings.Join(s.trace, "\n"), seed)
		}
		stats.add(s)
	}
	t.Logf("%d histories: %s", seeds, stats)
	// The histories must exercise what they claim to; a generator that
	// stopped producing failovers or truncations would pass vacuously.
	if stats.elections < seeds || stats.truncations < seeds/4 || stats.acked < seeds*5 ||
		stats.divergences < seeds/10 || stats.shrinks < seeds/4 || stats.expands < seeds/4 {
		t.Fatalf("histories too tame: %s", stats)
	}
}

// TestRandomizedFindsInjectedBugs switches off one safety rule at a time
// in every machine and requires the randomized histories to find a loss or
// an exposed record that changes: proof that TestRandomized can fail.
func TestRandomizedFindsInjectedBugs(t *testing.T) {
	for _, c := range mutationCases {
		t.Run(c.name, func(t *testing.T) {
			for seed := uint64(1); seed <= 2000; seed++ {
				if s := runSim(seed, *simSteps, c.mut, false); s.err != "" {
					t.Logf("found at seed %d (-sim.seed=%d -sim.mutation=%s): %s", seed, seed, c.flag, s.err)
					return
				}
			}
			t.Fatal("no violation found in 2000 histories")
		})
	}
}

type simStats struct {
	elections, truncations, divergences, acked, shrinks, expands, crashes, zombies int
}

func (st *simStats) add(s *sim) {
	st.elections += s.elections
	st.truncations += s.truncations
	st.divergences += s.divergences
	st.acked += len(s.ackedOnce)
	st.crashes += s.crashes
	st.zombies += s.zombies
	for _, b := range s.brokers {
		st.shrinks += int(b.stats.IsrShrinks)
		st.expands += int(b.stats.IsrExpands)
		if b.p != nil {
			st.shrinks += int(b.p.Stats().IsrShrinks)
			st.expands += int(b.p.Stats().IsrExpands)
		}
	}
}

func (st simStats) String() string {
	return fmt.Sprintf("%d leader elections, %d crashes, %d session expiries, %d acknowledged records, "+
		"%d diverging fetches, %d truncations, %d ISR shrinks, %d ISR expands",
		st.elections, st.crashes, st.zombies, st.acked, st.divergences, st.truncations, st.shrinks, st.expands)
}

type simBroker struct {
	id         int32
	log        *memLog
	p          *Partition // nil while down
	gen        int        // process incarnation
	checkpoint int64      // replication-offset-checkpoint
	busy       bool       // a fetch or ListOffsets exchange in flight
	zombie     bool       // its ZooKeeper session expired; it runs on
	pausedTill time.Time  // frozen (SIGSTOP, a long GC pause) until then
	checked    int64      // HW up to which exposure was checked
	stats      Stats      // of machines past
}

type msgKind int8

const (
	mLeaderAndIsr msgKind = iota
	mAlterReq
	mAlterResp
	mFetchReq
	mFetchResp
	mListReq
	mListResp
)

type simMsg struct {
	kind     msgKind
	from, to int32 // 0 is the controller
	fromGen  int   // requester's incarnation, for its answer
	toGen    int   // recipient's incarnation at send time
	lai      LeaderAndIsr
	alter    AlterPartition
	alterR   AlterPartitionResponse
	fetch    FetchRequest
	fetchR   FetchResponse
	list     ListLeaderOffsets
	listR    LeaderOffsets
}

type simController struct {
	replicas    []int32 // preference order
	leader      int32
	leaderEpoch int32
	pe          int32
	isr         []int32
	live        map[int32]bool
}

type simWait struct {
	offset int64
	r      rec
}

// committed is a record acknowledged or exposed, and the smallest leader
// epoch under which that happened.
type committed struct {
	r     rec
	epoch int32
}

type sim struct {
	rng       *rand.Rand
	cfg       Config
	mut       mutations
	now       time.Time
	brokers   []*simBroker
	ctl       simController
	net       []*simMsg
	acked     map[int64]committed
	exposed   map[int64]committed
	waits     map[uint64]simWait
	nextVal   int64
	nextWait  uint64
	tracing   bool
	trace     []string
	faultProb float64
	err       string

	ackedOnce                                             map[uint64]bool
	elections, truncations, divergences, crashes, zombies int
}

func (s *sim) broker(id int32) *simBroker { return s.brokers[id-1] }

func (s *sim) tracef(format string, args ...any) {
	line := fmt.Sprintf("t=%-6s ", s.now.Sub(time.Time{}).Truncate(time.Millisecond)) + fmt.Sprintf(format, args...)
	s.trace = append(s.trace, line)
	if !s.tracing && len(s.trace) > 80 {
		s.trace = s.trace[len(s.trace)-60:]
	}
}

func (s *sim) fail(format string, args ...any) {
	if s.err == "" {
		s.err = fmt.Sprintf(format, args...)
		s.tracef("VIOLATION: %s", s.err)
	}
}

func runSim(seed uint64, steps int, mut mutations, tracing bool) *sim {
	rng := rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15))
	s := &sim{
		rng:       rng,
		cfg:       Config{MinInsyncReplicas: 1 + rng.IntN(3), ReplicaLagTimeMax: 100 * time.Millisecond},
		mut:       mut,
		now:       time.Time{}.Add(time.Hour),
		acked:     map[int64]committed{},
		exposed:   map[int64]committed{},
		waits:     map[uint64]simWait{},
		ackedOnce: map[uint64]bool{},
		tracing:   tracing,
		faultProb: []float64{0.01, 0.03, 0.08}[rng.IntN(3)],
	}
	for id := int32(1); id <= 3; id++ {
		b := &simBroker{id: id, log: &memLog{}}
		s.brokers = append(s.brokers, b)
		s.startMachine(b)
	}
	prefs := []int32{1, 2, 3}
	rng.Shuffle(3, func(i, j int) { prefs[i], prefs[j] = prefs[j], prefs[i] })
	s.ctl = simController{replicas: prefs, leader: prefs[0], isr: sortedIDs(prefs), live: map[int32]bool{1: true, 2: true, 3: true}}
	s.tracef("seed %d: min.insync.replicas=%d, preferred order %v, fault probability %.2f", seed, s.cfg.MinInsyncReplicas, prefs, s.faultProb)
	s.sendLeaderAndIsr(prefs...)

	for i := 0; i < steps && s.err == ""; i++ {
		s.randomStep()
	}
	if s.err == "" {
		s.quiesce()
	}
	return s
}

func (s *sim) startMachine(b *simBroker) {
	p, err := New(Options{BrokerID: b.id, Log: b.log, Config: s.cfg})
	if err != nil {
		panic(err)
	}
	p.mut = s.mut
	b.p = p
	b.checked = b.log.start
}

// randomStep performs one random step: a fault with the history's fault
// probability, else a step of normal operation (recoveries included).
func (s *sim) randomStep() {
	if s.rng.Float64() < s.faultProb {
		switch r := s.rng.IntN(100); {
		case r < 15:
			s.crash()
		case r < 25:
			s.expireSession()
		case r < 45:
			s.pause()
		case r < 75:
			s.dropOne()
		case r < 92:
			s.preferredElection()
		default:
			s.deleteRecords()
		}
		return
	}
	switch r := s.rng.IntN(1000); {
	case r < 190:
		s.produce(s.rng.IntN(10) < 7)
	case r < 440:
		s.sendFetch()
	case r < 780:
		s.deliverOne()
	case r < 860:
		s.now = s.now.Add(time.Duration(s.rng.IntN(30)) * time.Millisecond)
	case r < 930:
		if b := s.pickUp(); b != nil {
			s.tracef("b%d: tick", b.id)
			s.apply(b, b.p.Step(Tick{Now: s.now}))
		}
	case r < 950:
		s.restart()
	case r < 965:
		s.noticeDeath()
	case r < 980:
		s.reconnect()
	default:
		if b := s.pickUp(); b != nil {
			b.checkpoint = b.log.hw
		}
	}
}

func (s *sim) running(b *simBroker) bool { return b.p != nil && !s.now.Before(b.pausedTill) }

// pickAny picks a broker whose process is up, paused or not.
func (s *sim) pickAny() *simBroker {
	var up []*simBroker
	for _, b := range s.brokers {
		if b.p != nil {
			up = append(up, b)
		}
	}
	if len(up) == 0 {
		return nil
	}
	return up[s.rng.IntN(len(up))]
}

// pickUp picks a running broker.
func (s *sim) pickUp() *simBroker {
	var up []*simBroker
	for _, b := range s.brokers {
		if s.running(b) {
			up = append(up, b)
		}
	}
	if len(up) == 0 {
		return nil
	}
	return up[s.rng.IntN(len(up))]
}

// produce appends one record at a broker that believes it leads.
func (s *sim) produce(all bool) {
	var leaders []*simBroker
	for _, b := range s.brokers {
		if s.running(b) && b.p.Role() == RoleLeader {
			leaders = append(leaders, b)
		}
	}
	if len(leaders) == 0 {
		return
	}
	b := leaders[s.rng.IntN(len(leaders))]
	acks := int16(1)
	if all {
		acks = -1
	}
	if c := b.p.CanAppend(acks); c != None {
		s.tracef("b%d: produce acks=%d rejected %s", b.id, acks, c)
		return
	}
	s.nextVal++
	r := rec{Epoch: b.p.LeaderEpoch(), Val: s.nextVal}
	o := b.log.appendLeader(r.Epoch, r.Val)
	s.tracef("b%d: produce acks=%d -> offset %d e%d v%d", b.id, acks, o, r.Epoch, r.Val)
	s.apply(b, b.p.Step(Appended{Now: s.now}))
	if all {
		s.nextWait++
		s.waits[s.nextWait] = simWait{offset: o, r: r}
		s.apply(b, b.p.Step(WaitAcks{Now: s.now, ID: s.nextWait, RequiredOffset: o + 1, Deadline: s.now.Add(300 * time.Millisecond)}))
	}
}

func (s *sim) send(m *simMsg) {
	if m.to != 0 {
		if to := s.broker(m.to); to.p != nil {
			m.toGen = to.gen
		} else {
			m.toGen = -1
		}
	}
	s.net = append(s.net, m)
}

// sendFetch makes an idle follower send its next fetch.
func (s *sim) sendFetch() {
	var idle []*simBroker
	for _, b := range s.brokers {
		if s.running(b) && !b.busy {
			if req, ok := b.p.NextFetch(); ok && req.Leader > 0 {
				idle = append(idle, b)
			}
		}
	}
	if len(idle) == 0 {
		return
	}
	b := idle[s.rng.IntN(len(idle))]
	req, _ := b.p.NextFetch()
	b.busy = true
	s.tracef("b%d: fetch -> b%d epoch=%d offset=%d last=%d", b.id, req.Leader, req.CurrentLeaderEpoch, req.FetchOffset, req.LastFetchedEpoch)
	s.send(&simMsg{kind: mFetchReq, from: b.id, to: req.Leader, fromGen: b.gen, fetch: req})
}

// deliverable lists the messages at the head of their link (FIFO per
// sender-recipient pair, as over one connection) whose recipient is not
// paused.
func (s *sim) deliverable() []int {
	var out []int
	seen := map[[2]int32]bool{}
	for i, m := range s.net {
		k := [2]int32{m.from, m.to}
		if !seen[k] {
			seen[k] = true
			if m.to == 0 || s.now.After(s.broker(m.to).pausedTill) || s.broker(m.to).p == nil {
				out = append(out, i)
			}
		}
	}
	return out
}

func (s *sim) deliverOne() {
	d := s.deliverable()
	if len(d) == 0 {
		return
	}
	i := d[s.rng.IntN(len(d))]
	m := s.net[i]
	s.net = slices.Delete(s.net, i, i+1)
	s.deliver(m)
}

func (s *sim) deliver(m *simMsg) {
	if m.to == 0 {
		s.controllerReceive(m)
		return
	}
	b := s.broker(m.to)
	if b.p == nil || b.gen != m.toGen {
		s.tracef("lost %v to b%d (restarted or down)", m.kind, m.to)
		s.lost(m)
		return
	}
	switch m.kind {
	case mLeaderAndIsr:
		s.tracef("b%d: LeaderAndIsr leader=%d epoch=%d pe=%d isr=%v", b.id, m.lai.Leader, m.lai.LeaderEpoch, m.lai.PartitionEpoch, m.lai.ISR)
		wasLeader := b.p.Role() == RoleLeader && b.p.LeaderEpoch() == m.lai.LeaderEpoch
		s.apply(b, b.p.Step(m.lai))
		if b.p.Role() == RoleLeader && b.p.LeaderEpoch() == m.lai.LeaderEpoch && !wasLeader {
			s.elections++
			s.checkNewLeader(b)
		}
	case mAlterResp:
		s.tracef("b%d: AlterPartition #%d answer %s isr=%v pe=%d", b.id, m.alterR.Seq, m.alterR.Err, m.alterR.ISR, m.alterR.PartitionEpoch)
		s.apply(b, b.p.Step(m.alterR))
	case mFetchReq:
		s.leaderServesFetch(b, m)
	case mFetchResp:
		b.busy = false
		r := m.fetchR
		s.tracef("b%d: fetch answer %s diverging=%v hw=%d start=%d records=%s", b.id, r.Err, r.Diverging, r.HighWatermark, r.LogStartOffset, decodeRecords(r.Records))
		if r.Diverging.Present() {
			s.divergences++
		}
		s.apply(b, b.p.Step(r))
	case mListReq:
		ld := b
		ans := LeaderOffsets{LeaderEpoch: m.list.LeaderEpoch, Err: ld.p.CheckLeaderEpoch(m.list.LeaderEpoch)}
		if ans.Err == None && ld.p.Role() != RoleLeader {
			ans.Err = NotLeaderOrFollower
		}
		if ans.Err == None {
			ans.LogStartOffset, ans.LogEndOffset = ld.log.LogStartOffset(), ld.log.LogEndOffset()
		}
		s.net = append(s.net, &simMsg{kind: mListResp, from: ld.id, to: m.from, toGen: m.fromGen, list: m.list, listR: ans})
	case mListResp:
		b.busy = false
		s.tracef("b%d: leader offsets %s start=%d end=%d", b.id, m.listR.Err, m.listR.LogStartOffset, m.listR.LogEndOffset)
		s.apply(b, b.p.Step(m.listR))
	}
}

// leaderServesFetch answers a follower's fetch: the machine decides, the
// records come from the log, up to a random limit.
func (s *sim) leaderServesFetch(ld *simBroker, m *simMsg) {
	req := m.fetch
	var ans FetchAnswer
	for _, a := range s.apply(ld, ld.p.Step(FollowerFetch{Now: s.now, ReplicaID: m.from, CurrentLeaderEpoch: req.CurrentLeaderEpoch,
		FetchOffset: req.FetchOffset, LastFetchedEpoch: req.LastFetchedEpoch, LogStartOffset: req.LogStartOffset})) {
		if fa, ok := a.(FetchAnswer); ok {
			ans = fa
		}
	}
	resp := FetchResponse{Request: req, Err: ans.Err, Diverging: ans.Diverging, HighWatermark: ans.HighWatermark, LogStartOffset: ans.LogStartOffset}
	if ans.Err == None && !ans.Diverging.Present() {
		resp.Records = ld.log.read(req.FetchOffset, min(ans.LogEndOffset, req.FetchOffset+1+int64(s.rng.IntN(3))))
	}
	s.net = append(s.net, &simMsg{kind: mFetchResp, from: ld.id, to: m.from, toGen: m.fromGen, fetch: req, fetchR: resp})
}

// apply carries out a machine's actions on its broker, checking the
// invariants after every log change, and returns them.
func (s *sim) apply(b *simBroker, acts []Action) []Action {
	for _, a := range acts {
		if s.tracing {
			s.tracef("  b%d: %s", b.id, describe(a))
		}
		ok, err := applyLog(b.log, a)
		if err != nil {
			s.fail("b%d cannot apply %s: %v", b.id, describe(a), err)
			return acts
		}
		if ok {
			if _, t := a.(Truncate); t {
				s.truncations++
			}
			s.checkExposure(b)
			continue
		}
		switch a := a.(type) {
		case AlterPartition:
			s.net = append(s.net, &simMsg{kind: mAlterReq, from: b.id, to: 0, fromGen: b.gen, alter: a})
		case CompleteAck:
			s.ackDone(b, a)
		case ListLeaderOffsets:
			b.busy = true
			s.send(&simMsg{kind: mListReq, from: b.id, to: a.Leader, fromGen: b.gen, list: a})
		case LogLine:
			if !s.tracing && a.Level > 0 {
				s.tracef("  b%d: %s", b.id, describe(a))
			}
		}
	}
	return acts
}

func (k msgKind) String() string {
	return [...]string{"LeaderAndIsr", "AlterPartition", "AlterPartitionResponse", "Fetch", "FetchResponse", "ListOffsets", "ListOffsetsResponse"}[k]
}

package replica

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"
)

var rewrite = flag.Bool("rewrite", false, "rewrite testdata/*.txt expectations with the actual output")

// TestScripts runs the data-driven scenarios in testdata/*.txt: brokers,
// each an in-memory log and a machine, driven by commands. Each block is
// comment lines, one command line, "----", and the expected output (every
// action of every machine the command stepped, prefixed by its broker,
// plus what the command prints), then a blank line. Log actions are
// applied to the logs as they are printed. Commands:
//
//	brokers ids=1,2,3 [min-isr=N] [lag=DUR]      create brokers with empty logs
//	log b=ID epochs=E,E,.. [start=N] [hw=N]       set a log: one record per epoch listed
//	leader-and-isr b=ID leader=L epoch=E pe=P isr=IDS [replicas=IDS]
//	produce b=ID [n=N] [acks=all|1] [timeout=DUR] [nowait]  append n records as leader (+ WaitAcks)
//	fetch b=ID [max=N] [drop=response]            one follower fetch round trip, at most N records
//	                                              (drop=response: the leader handles it, the answer is lost)
//	wait b=ID offset=N [timeout=DUR]              WaitAcks for an append made with produce nowait
//	mutate b=ID rule                              switch off a safety rule (see mutations) on b's machine
//	follower-fetch b=ID r=ID epoch=E offset=N [last=E] [start=N]   a raw fetch at a leader
//	alter b=ID [err=NAME]                         the controller answers b's last AlterPartition
//	tick b=ID [d=DUR]                             advance the clock by d, then Tick b
//	advance d=DUR                                 advance the clock
//	restart b=ID [hw=N]                           new machine on the same log (HW from checkpoint)
//	stop b=ID
//	delete-records b=ID offset=N                  move a leader's log start (DeleteRecords)
//	config b=ID min-isr=N
//	offset-for-epoch b=ID current=E epoch=E
//	show [b=ID]
func TestScripts(t *testing.T) {
	files, _ := filepath.Glob("testdata/*.txt")
	if len(files) == 0 {
		t.Fatal("no scripts")
	}
	for _, f := range files {
		t.Run(filepath.Base(f), func(t *testing.T) { runScript(t, f) })
	}
}

type scriptNode struct {
	id        int32
	log       *memLog
	p         *Partition
	lastAlter *AlterPartition
}

type script struct {
	t      *testing.T
	t0     time.Time
	now    time.Time
	cfg    Config
	nodes  map[int32]*scriptNode
	ids    []int32
	out    []string
	nextID uint64
	nextV  int64
}

func runScript(t *testing.T, path string) {
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	t0 := time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)
	s := &script{t: t, t0: t0, now: t0, nodes: map[int32]*scriptNode{}}
	var rewritten strings.Builder
	lines := strings.Split(string(data), "\n")
	for i := 0; i < len(lines); {
		var head []string
		for i < len(lines) && lines[i] != "----" {
			if strings.TrimSpace(lines[i]) != "" || len(head) > 0 {
				head = append(head, lines[i])
			}
			i++
		}
		if len(head) == 0 {
			break
		}
		if i == len(lines) {
			t.Fatalf("%s: no ---- after %q", path, head)
		}
		i++
		var want []string
		for i < len(lines) && lines[i] != "" {
			want = append(want, lines[i])
			i++
		}
		cmd := head[len(head)-1]
		s.out = nil
		s.run(cmd)
		got := strings.Join(s.out, "\n")
		if *rewrite {
			fmt.Fprintf(&rewritten, "%s\n----\n", strings.Join(head, "\n"))
			if got != "" {
				fmt.Fprintf(&rewritten, "%s\n", got)
			}
			rewritten.WriteString("\n")
			continue
		}
		if got != strings.Join(want, "\n") {
			t.Fatalf("%s: %s\ngot:\n%s\nwant:\n%s", path, cmd, got, strings.Join(want, "\n"))
		}
	}
	if *rewrite {
		if err := os.WriteFile(path, []byte(strings.TrimSpace(rewritten.String())+"\n"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

func (s *script) printf(format string, args ...any) {
	s.out = append(s.out, fmt.Sprintf(format, args...))
}

// step feeds ev to n's machine, applies the log actions, prints them all.
func (s *script) step(n *scriptNode, ev Event) []Action {
	acts := n.p.Step(ev)
	for _, a := range acts {
		if _, err := applyLog(n.log, a); err != nil {
			s.t.Fatalf("b%d: %s: %v", n.id, describe(a), err)
		}
		if ap, ok := a.(AlterPartition); ok {
			n.lastAlter = &ap
		}
		line := describe(a)
		if _, ok := a.(SetHighWatermark); ok {
			line += fmt.Sprintf(" (hw now %d)", n.log.hw)
		}
		s.printf("b%d: %s", n.id, line)
	}
	return acts
}

func (s *script) run(line string) {
	f := strings.Fields(line)
	args := map[string]string{}
	for _, kv := range f[1:] {
		k, v, _ := strings.Cut(kv, "=")
		args[k] = v
	}
	num := func(k string, def int64) int64 {
		v, ok := args[k]
		if !ok {
			return def
		}
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil {
			s.t.Fatalf("%s: %s=%q", line, k, v)
		}
		return n
	}
	ids := func(k string) []int32 {
		var out []int32
		if args[k] == "" {
			return out
		}
		for _, p := range strings.Split(args[k], ",") {
			n, err := strconv.ParseInt(p, 10, 32)
			if err != nil {
				s.t.Fatalf("%s: %s=%q", line, k, args[k])
			}
			out = append(out, int32(n))
		}
		return out
	}
	dur := func(k string, def time.Duration) time.Duration {
		v, ok := args[k]
		if !ok {
			return def
		}
		d, err := time.ParseDuration(v)
		if err != nil {
			s.t.Fatalf("%s: %s=%q", line, k, v)
		}
		return d
	}
	node := func() *scriptNode {
		n := s.nodes[int32(num("b", -1))]
		if n == nil {
			s.t.Fatalf("%s: no broker b=%s", line, args["b"])
		}
		return n
	}
	switch f[0] {
	case "brokers":
		s.cfg = Config{MinInsyncReplicas: int(num("min-isr", 1)), ReplicaLagTimeMax: dur("lag", 30*time.Second)}
		s.nodes, s.ids = map[int32]*scriptNode{}, nil
		for _, id := range ids("ids") {
			n := &scriptNode{id: id, log: &memLog{}}
			s.newMachine(n)
			s.nodes[id] = n
			s.ids = append(s.ids, id)
		}
	case "log":
		n := node()
		l := &memLog{start: num("start", 0)}
		for _, e := range ids("epochs") {
			s.nextV++
			l.appendLeader(e, s.nextV)
		}
		l.setHW(num("hw", 0))
		n.log = l
		s.newMachine(n)
		s.printf("b%d: %s", n.id, l)
	case "leader-and-isr":
		n := node()
		replicas := ids("replicas")
		if len(replicas) == 0 {
			replicas = s.ids
		}
		s.step(n, LeaderAndIsr{Now: s.now, Leader: int32(num("leader", -1)), LeaderEpoch: int32(num("epoch", 0)),
			PartitionEpoch: int32(num("pe", 0)), Replicas: replicas, ISR: ids("isr")})
	case "produce":
		n := node()
		acks := int16(-1)
		if args["acks"] == "1" {
			acks = 1
		}
		if c := n.p.CanAppend(acks); c != None {
			s.printf("b%d: produce rejected %s", n.id, c)
			return
		}
		first := n.log.LogEndOffset()
		for range num("n", 1) {
			s.nextV++
			n.log.appendLeader(n.p.LeaderEpoch(), s.nextV)
		}
		s.printf("b%d: appended %d..%d at epoch %d", n.id, first, n.log.LogEndOffset()-1, n.p.LeaderEpoch())
		s.step(n, Appended{Now: s.now})
		if _, nowait := args["nowait"]; acks == -1 && !nowait {
			s.nextID++
			s.printf("b%d: wait #%d for offset %d", n.id, s.nextID, n.log.LogEndOffset())
			s.step(n, WaitAcks{Now: s.now, ID: s.nextID, RequiredOffset: n.log.LogEndOffset(), Deadline: s.now.Add(dur("timeout", 30*time.Second))})
		}
	case "fetch":
		s.fetch(node(), num("max", 1000), args["drop"] == "response")
	case "wait":
		n := node()
		s.nextID++
		s.printf("b%d: wait #%d for offset %d", n.id, s.nextID, num("offset", 0))
		s.step(n, WaitAcks{Now: s.now, ID: s.nextID, RequiredOffset: num("offset", 0), Deadline: s.now.Add(dur("timeout", 30*time.Second))})
	case "mutate":
		n := node()
		switch f[2] {
		case "no-epoch-start-check":
			n.p.mut.noEpochStartCheck = true
		case "hw-before-truncation":
			n.p.mut.hwBeforeTruncation = true
		case "record-diverging-leo":
			n.p.mut.recordDivergingLEO = true
		case "truncate-to-hw-on-start":
			n.p.mut.truncateToHWOnStart = true
		default:
			s.t.Fatalf("%s: unknown rule", line)
		}
	case "follower-fetch":
		n := node()
		s.step(n, FollowerFetch{Now: s.now, ReplicaID: int32(num("r", -1)), CurrentLeaderEpoch: int32(num("epoch", -1)),
			FetchOffset: num("offset", 0), LastFetchedEpoch: int32(num("last", -1)), LogStartOffset: num("start", 0)})
	case "alter":
		n := node()
		a := n.lastAlter
		if a == nil {
			s.t.Fatalf("%s: b%d sent no AlterPartition", line, n.id)
		}
		ev := AlterPartitionResponse{Now: s.now, Seq: a.Seq, LeaderEpoch: a.LeaderEpoch, PartitionEpoch: a.PartitionEpoch + 1, ISR: a.ISR}
		if name := args["err"]; name != "" {
			ev = AlterPartitionResponse{Now: s.now, Seq: a.Seq, Err: codeByName(s.t, name)}
		}
		s.step(n, ev)
	case "tick":
		s.now = s.now.Add(dur("d", 0))
		s.step(node(), Tick{Now: s.now})
	case "advance":
		s.now = s.now.Add(dur("d", 0))
	case "restart":
		n := node()
		if v, ok := args["hw"]; ok {
			h, _ := strconv.ParseInt(v, 10, 64)
			n.log.hw = h
			n.log.setHW(h)
		}
		s.newMachine(n)
		s.printf("b%d: restarted %s", n.id, n.log)
	case "delete-records":
		n := node()
		if err := n.log.setLogStart(num("offset", 0)); err != nil {
			s.t.Fatalf("%s: %v", line, err)
		}
		s.printf("b%d: %s", n.id, n.log)
	case "live":
		s.step(node(), LiveBrokers{Now: s.now, Brokers: ids("ids")})
	case "stop":
		s.step(node(), Stop{})
	case "config":
		n := node()
		s.cfg.MinInsyncReplicas = int(num("min-isr", 1))
		s.step(n, ConfigChanged{Now: s.now, Config: s.cfg})
	case "offset-for-epoch":
		n := node()
		e, c := n.p.OffsetForLeaderEpoch(int32(num("current", -1)), int32(num("epoch", -1)))
		s.printf("b%d: offset-for-epoch %s epoch=%d end=%d", n.id, c, e.Epoch, e.EndOffset)
	case "show":
		for _, id := range s.ids {
			if v, ok := args["b"]; ok && v != strconv.Itoa(int(id)) {
				continue
			}
			n := s.nodes[id]
			p := n.p
			st := fmt.Sprintf("b%d: %s leader=%d epoch=%d pe=%d", id, p.Role(), p.Leader(), p.LeaderEpoch(), p.PartitionEpoch())
			if p.Role() == RoleLeader {
				st += fmt.Sprintf(" isr=%v maximal=%v hw=%d waiting=%d", p.ISR(), p.MaximalISR(), p.HighWatermark(), p.Waiting())
			}
			s.printf("%s %s", st, n.log)
		}
	default:
		s.t.Fatalf("unknown command %q", line)
	}
}

func (s *script) newMachine(n *scriptNode) {
	p, err := New(Options{BrokerID: n.id, Log: n.log, Config: s.cfg})
	if err != nil {
		s.t.Fatal(err)
	}
	n.p, n.lastAlter = p, nil
}

// fetch runs one fetch round trip from follower n to its leader, and the
// ListOffsets exchange an OFFSET_OUT_OF_RANGE leads to.
func (s *script) fetch(n *scriptNode, maxRecs int64, dropResponse bool) {
	req, ok := n.p.NextFetch()
	if !ok {
		s.printf("b%d: no fetch", n.id)
		return
	}
	s.printf("b%d: fetch from b%d epoch=%d offset=%d last=%d start=%d", n.id, req.Leader, req.CurrentLeaderEpoch,
		req.FetchOffset, req.LastFetchedEpoch, req.LogStartOffset)
	ld := s.nodes[req.Leader]
	var ans FetchAnswer
	for _, a := range s.step(ld, FollowerFetch{Now: s.now, ReplicaID: n.id, CurrentLeaderEpoch: req.CurrentLeaderEpoch,
		FetchOffset: req.FetchOffset, LastFetchedEpoch: req.LastFetchedEpoch, LogStartOffset: req.LogStartOffset}) {
		if fa, ok := a.(FetchAnswer); ok {
			ans = fa
		}
	}
	if dropResponse {
		s.printf("b%d: (response lost)", ld.id)
		return
	}
	resp := FetchResponse{Request: req, Err: ans.Err, Diverging: ans.Diverging, HighWatermark: ans.HighWatermark, LogStartOffset: ans.LogStartOffset}
	if ans.Err == None && !ans.Diverging.Present() {
		resp.Records = ld.log.read(req.FetchOffset, min(ans.LogEndOffset, req.FetchOffset+maxRecs))
	}
	for _, a := range s.step(n, resp) {
		if lo, ok := a.(ListLeaderOffsets); ok {
			ev := LeaderOffsets{LeaderEpoch: lo.LeaderEpoch, Err: ld.p.CheckLeaderEpoch(lo.LeaderEpoch)}
			if ev.Err == None && ld.p.Role() != RoleLeader {
				ev.Err = NotLeaderOrFollower
			}
			if ev.Err == None {
				ev.LogStartOffset, ev.LogEndOffset = ld.log.LogStartOffset(), ld.log.LogEndOffset()
			}
			s.printf("b%d: leader-offsets %s start=%d end=%d", ld.id, ev.Err, ev.LogStartOffset, ev.LogEndOffset)
			s.step(n, ev)
		}
	}
}

func codeByName(t *testing.T, name string) Code {
	for c, n := range codeNames {
		if n == name {
			return c
		}
	}
	t.Fatalf("unknown error code %q", name)
	return 0
}

package controller

import (
	"flag"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
)

var rewrite = flag.Bool("rewrite", false, "rewrite testdata/*.txt expectations with the actual output")

// TestScripts runs the data-driven scenarios in testdata/*.txt. Each block
// is a command line, "----", and what the controller did (the expected
// output), then a blank line. The script keeps a simulated store (brokers
// registered, topics, partition state znodes with versions, deletion
// marks) that Writes are applied to with ZooKeeper's compare-and-set
// rules. Commands:
//
//	options [delete=false]              (before elect)
//	broker id=N [epoch=E] [rack=R]      register a broker (no event)
//	topic t=NAME r=1,2,3;2,3,1 [unclean] [id=N]   create the assignment znode (TopicsChanged when active)
//	elect epoch=E                       Elected with the store's state
//	brokers                             BrokersChanged with the registered set
//	kill id=N                           unregister, then BrokersChanged
//	restart id=N epoch=E                re-register with a new epoch, then BrokersChanged
//	delete t=NAME                       mark for deletion, then DeletionsChanged
//	stopped broker=N [err=CODE] [failed]  StopReplicaResult for every partition of topics being deleted on N
//	alter broker=N [epoch=E] t= p= le= pe= isr=1,2   AlterPartition (several t/p/... groups separated by ";" not supported)
//	shutdown broker=N [epoch=E]         ControlledShutdown
//	elect-leaders [unclean] [t= p=]     ElectLeaders
//	reassign t= p= r=2,1 | cancel       AlterReassignments (r= empty: an empty target)
//	list-reassignments [t= p=]          ListReassignments
//	zkset t= p= [leader=] [le=] [isr=]  change a state znode behind the controller's back (version+1)
//	fence                               another controller took office: the next write is refused
//	resign                              Resigned
//	stats                               print Stats
//	state                               print the store's partition states
type script struct {
	t        *testing.T
	c        *Controller
	opts     Options
	brokers  map[int32]Broker
	topics   map[string]Assignment
	states   map[TP]LeaderAndIsr
	deleting []string
	fenced   bool
	reqID    uint64
	out      []string
	// onUpdate, when set, sees every state znode update applied.
	onUpdate func(tp TP, old, st LeaderAndIsr)
}

func TestScripts(t *testing.T) {
	files, _ := filepath.Glob("testdata/*.txt")
	if len(files) == 0 {
		t.Fatal("no scripts")
	}
	for _, f := range files {
		t.Run(filepath.Base(f), func(t *testing.T) { runScript(t, f) })
	}
}

func runScript(t *testing.T, path string) {
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	s := &script{t: t, opts: Options{DeleteTopicEnable: true}, brokers: map[int32]Broker{},
		topics: map[string]Assignment{}, states: map[TP]LeaderAndIsr{}}
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
		if i >= len(lines) {
			for _, h := range head {
				if strings.TrimSpace(h) != "" {
					t.Fatalf("%s: trailing text without ----: %q", path, h)
				}
			}
			break
		}
		i++ // ----
		var want []string
		for i < len(lines) && lines[i] != "" {
			want = append(want, lines[i])
			i++
		}
		for i < len(lines) && lines[i] == "" {
			i++
		}
		cmd := head[len(head)-1]
		s.out = nil
		s.run(cmd)
		got := strings.Join(s.out, "\n")
		if got == "" {
			got = "(nothing)"
		}
		if *rewrite {
			for _, h := range head {
				rewritten.WriteString(h + "\n")
			}
			rewritten.WriteString("----\n" + got + "\n\n")
			continue
		}
		if got != strings.Join(want, "\n") {
			t.Errorf("%s: %s\n--- got:\n%s\n--- want:\n%s", path, cmd, got, strings.Join(want, "\n"))
		}
	}
	if *rewrite {
		if err := os.WriteFile(path, []byte(rewritten.String()), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

func (s *script) printf(format string, args ...any) {
	s.out = append(s.out, fmt.Sprintf(format, args...))
}

func (s *script) run(line string) {
	fields := strings.Fields(line)
	cmd, args := fields[0], map[string]string{}
	var flags []string
	for _, f := range fields[1:] {
		if k, v, ok := strings.Cut(f, "="); ok {
			args[k] = v
		} else {
			flags = append(flags, f)
		}
	}
	has := func(f string) bool { return slices.Contains(flags, f) }
	switch cmd {
	case "options":
		s.opts.DeleteTopicEnable = args["delete"] != "false"
		s.printf("ok")
	case "broker":
		id := s.int32(args["id"])
		s.brokers[id] = s.broker(id, args)
		s.printf("ok")
	case "topic":
		a := Assignment{Topic: args["t"], Unclean: has("unclean")}
		a.ID[0] = byte(s.atoi(orDefault(args["id"], "1")))
		for _, group := range strings.Split(args["r"], ";") {
			a.Replicas = append(a.Replicas, s.idList(group))
		}
		s.topics[a.Topic] = a
		if s.c != nil {
			s.step(TopicsChanged{Set: []Assignment{a}})
		} else {
			s.printf("ok")
		}
	case "elect":
		s.c = New(s.opts)
		s.fenced = false
		s.step(Elected{Epoch: s.int32(args["epoch"]), State: s.snapshot()})
	case "brokers":
		s.stepBrokers()
	case "kill":
		delete(s.brokers, s.int32(args["id"]))
		s.stepBrokers()
	case "restart":
		id := s.int32(args["id"])
		s.brokers[id] = s.broker(id, args)
		s.stepBrokers()
	case "delete":
		s.deleting = append(s.deleting, args["t"])
		s.step(DeletionsChanged{Topics: slices.Clone(s.deleting)})
	case "stopped":
		b := s.int32(args["broker"])
		ev := StopReplicaResult{Broker: b, Failed: has("failed"), Errors: map[TP]int16{}}
		for _, name := range s.deleting {
			for p, rs := range s.topics[name].Replicas {
				if contains(rs, b) {
					ev.Errors[TP{name, int32(p)}] = int16(s.atoi(orDefault(args["err"], "0")))
				}
			}
		}
		s.step(ev)
	case "alter":
		s.reqID++
		b := s.int32(args["broker"])
		it := AlterItem{TP: TP{args["t"], s.int32(args["p"])}, LeaderEpoch: s.int32(args["le"]),
			PartitionEpoch: s.int32(args["pe"]), NewISR: s.idList(args["isr"])}
		s.step(AlterPartition{ReqID: s.reqID, Broker: b, BrokerEpoch: s.epochArg(b, args), Partitions: []AlterItem{it}})
	case "shutdown":
		s.reqID++
		b := s.int32(args["broker"])
		s.step(ControlledShutdown{ReqID: s.reqID, Broker: b, BrokerEpoch: s.epochArg(b, args)})
	case "elect-leaders":
		s.reqID++
		ev := ElectLeaders{ReqID: s.reqID, Unclean: has("unclean")}
		if t, ok := args["t"]; ok {
			ev.Partitions = []TP{{t, s.int32(args["p"])}}
		}
		s.step(ev)
	case "reassign":
		s.reqID++
		it := ReassignItem{TP: TP{args["t"], s.int32(args["p"])}}
		if !has("cancel") {
			it.Replicas = s.idList(args["r"])
			if it.Replicas == nil {
				it.Replicas = []int32{}
			}
		}
		s.step(AlterReassignments{ReqID: s.reqID, Items: []ReassignItem{it}})
	case "list-reassignments":
		s.reqID++
		ev := ListReassignments{ReqID: s.reqID}
		if t, ok := args["t"]; ok {
			ev.Partitions = []TP{{t, s.int32(args["p"])}}
		}
		s.step(ev)
	case "zkset":
		tp := TP{args["t"], s.int32(args["p"])}
		st := s.states[tp]
		if v, ok := args["leader"]; ok {
			st.Leader = s.int32(v)
		}
		if v, ok := args["le"]; ok {
			st.LeaderEpoch = s.int32(v)
		}
		if v, ok := args["isr"]; ok {
			st.ISR = s.idList(v)
		}
		st.Version++
		s.states[tp] = st
		s.printf("ok %s %s", tp, st)
	case "fence":
		s.fenced = true
		s.printf("ok")
	case "resign":
		s.step(Resigned{})
	case "stats":
		st := s.c.Stats()
		s.printf("active=%v epoch=%d live=%d topics=%d partitions=%d offline=%d imbalance=%d deleting=%d elections=%d unclean=%d",
			st.Active, st.Epoch, st.LiveBrokers, st.Topics, st.Partitions, st.Offline, st.PreferredImbalance,
			st.TopicsToDelete, st.Elections, st.UncleanElections)
	case "state":
		tps := make([]TP, 0, len(s.states))
		for tp := range s.states {
			tps = append(tps, tp)
		}
		slices.SortFunc(tps, compareTP)
		for _, tp := range tps {
			s.printf("%s %s", tp, s.states[tp])
		}
		var topics []string
		for name := range s.topics {
			topics = append(topics, name)
		}
		slices.Sort(topics)
		s.printf("topics %s deleting %s", strings.Join(topics, ","), strings.Join(s.deleting, ","))
	default:
		if !s.runLogDir(cmd, args) {
			s.t.Fatalf("unknown command %q", cmd)
		}
	}
}

func (s *script) broker(id int32, args map[string]string) Broker {
	return Broker{ID: id, Epoch: int64(s.atoi(orDefault(args["epoch"], strconv.Itoa(int(id)*10)))), Rack: args["rack"],
		Endpoints: []Endpoint{{Listener: "PLAINTEXT", Host: "h" + strconv.Itoa(int(id)), Port: 9092, SecurityProtocol: "PLAINTEXT"}}}
}

func (s *script) epochArg(b int32, args map[string]string) int64 {
	if v, ok := args["epoch"]; ok {
		return int64(s.atoi(v))
	}
	return s.brokers[b].Epoch
}

func (s *script) snapshot() State {
	st := State{Brokers: map[int32]Broker{}, Topics: map[string]Assignment{}, Partitions: map[TP]LeaderAndIsr{},
		Deleting: slices.Clone(s.deleting)}
	for id, b := range s.brokers {
		st.Brokers[id] = b
	}
	for n, a := range s.topics {
		st.Topics[n] = a
	}
	for tp, v := range s.states {
		st.Partitions[tp] = v
	}
	return st
}

func (s *script) stepBrokers() {
	live := map[int32]Broker{}
	for id, b := range s.brokers {
		live[id] = b
	}
	s.step(BrokersChanged{Live: live})
}

// step feeds an event and carries out the actions like the adapter: writes
// and reads are applied to the simulated store and answered at once.
func (s *script) step(ev Event) {
	queue := []Event{ev}
	for len(queue) > 0 {
		ev := queue[0]
		queue = queue[1:]
		for _, a := range s.c.Step(ev) {
			switch a := a.(type) {
			case Write:
				queue = append(queue, s.write(a))
			case ReadPartitionStates:
				read := PartitionStatesRead{States: map[TP]LeaderAndIsr{}}
				for _, tp := range a.Partitions {
					if st, ok := s.states[tp]; ok {
						read.States[tp] = st
					}
				}
				s.printf("read %s", tpList(a.Partitions))
				queue = append(queue, read)
			case Send:
				s.printf("send %d %s", a.Broker, formatReq(a.Req))
			case Respond:
				s.printf("respond #%d %s", a.ReqID, formatResp(a.Resp))
			case Log:
				s.printf("log %s %s %s%s", a.Component, a.Level, a.Msg, formatAttrs(a.Attrs))
			case Resign:
				s.printf("resign")
			default:
				s.t.Fatalf("unknown action %T", a)
			}
		}
	}
}

func (s *script) write(w Write) WriteResult {
	res := WriteResult{ID: w.ID}
	if s.fenced {
		s.printf("write #%d refused: controller moved", w.ID)
		res.ControllerMoved = true
		return res
	}
	for _, op := range w.Ops {
		var r OpResult
		switch op.Kind {
		case CreateState:
			if _, ok := s.states[op.TP]; ok {
				r.Err = OpNodeExists
			} else {
				st := op.State
				st.Version = 0
				s.states[op.TP] = st
			}
			s.printf("write #%d create %s %s -> %s", w.ID, op.TP, op.State, opErr(r))
		case UpdateState:
			cur, ok := s.states[op.TP]
			switch {
			case !ok:
				r.Err = OpNoNode
			case cur.Version != op.State.Version:
				r.Err = OpBadVersion
			default:
				st := op.State
				st.Version = cur.Version + 1
				s.states[op.TP] = st
				r.Version = st.Version
				if s.onUpdate != nil {
					s.onUpdate(op.TP, cur, st)
				}
			}
			s.printf("write #%d update %s %s -> %s", w.ID, op.TP, op.State, opErr(r))
		case DeleteTopic:
			for tp := range s.states {
				if tp.Topic == op.Topic {
					delete(s.states, tp)
				}
			}
			delete(s.topics, op.Topic)
			s.deleting = slices.DeleteFunc(s.deleting, func(n string) bool { return n == op.Topic })
			s.printf("write #%d delete-topic %s -> ok", w.ID, op.Topic)
		case RemoveDeletionMark:
			s.deleting = slices.DeleteFunc(s.deleting, func(n string) bool { return n == op.Topic })
			s.printf("write #%d remove-deletion-mark %s -> ok", w.ID, op.Topic)
		case SetAssignment:
			old, ok := s.topics[op.Topic]
			if !ok {
				r.Err = OpNoNode
			} else {
				a := cloneAssignment(*op.Assignment)
				a.Unclean = old.Unclean
				s.topics[op.Topic] = a
			}
			s.printf("write #%d assign %s %s -> %s", w.ID, op.Topic, formatAssignment(*op.Assignment), opErr(r))
		}
		res.Results = append(res.Results, r)
	}
	return res
}

func opErr(r OpResult) string {
	switch r.Err {
	case OpOK:
		return "ok v=" + strconv.Itoa(int(r.Version))
	case OpBadVersion:
		return "bad-version"
	case OpNoNode:
		return "no-node"
	case OpNodeExists:
		return "node-exists"
	}
	return "failed"
}

func formatReq(req any) string {
	switch r := req.(type) {
	case *LeaderAndIsrRequest:
		kind := "LeaderAndIsr"
		if r.Full {
			kind += " full"
		}
		var leaders []int32
		for _, b := range r.Leaders {
			leaders = append(leaders, b.ID)
		}
		return fmt.Sprintf("%s ce=%d be=%d leaders=%s: %s", kind, r.ControllerEpoch, r.BrokerEpoch, ids(leaders), views(r.Partitions))
	case *UpdateMetadataRequest:
		var bs []int32
		for _, b := range r.Brokers {
			bs = append(bs, b.ID)
		}
		return fmt.Sprintf("UpdateMetadata ce=%d be=%d brokers=%s: %s", r.ControllerEpoch, r.BrokerEpoch, ids(bs), views(r.Partitions))
	case *StopReplicaRequest:
		var parts []string
		for _, p := range r.Partitions {
			parts = append(parts, fmt.Sprintf("%s(epoch=%d delete=%v)", p.TP, p.LeaderEpoch, p.Delete))
		}
		return fmt.Sprintf("StopReplica ce=%d be=%d: %s", r.ControllerEpoch, r.BrokerEpoch, strings.Join(parts, " "))
	}
	return fmt.Sprintf("%T", req)
}

func views(vs []PartitionView) string {
	if len(vs) == 0 {
		return "-"
	}
	var parts []string
	for _, v := range vs {
		p := fmt.Sprintf("%s{%d/%d isr=%s r=%s v=%d", v.TP, v.State.Leader, v.State.LeaderEpoch, ids(v.State.ISR), ids(v.Replicas), v.State.Version)
		if len(v.Adding)+len(v.Removing) > 0 {
			p += " adding=" + ids(v.Adding) + " removing=" + ids(v.Removing)
		}
		if len(v.Offline) > 0 {
			p += " off=" + ids(v.Offline)
		}
		if v.IsNew {
			p += " new"
		}
		parts = append(parts, p+"}")
	}
	return strings.Join(parts, " ")
}

func formatResp(resp any) string {
	switch r := resp.(type) {
	case *AlterPartitionResponse:
		var parts []string
		for _, p := range r.Partitions {
			parts = append(parts, fmt.Sprintf("%s err=%d %s", p.TP, p.Err, p.State))
		}
		return fmt.Sprintf("AlterPartition err=%d: %s", r.Err, strings.Join(parts, "; "))
	case *ControlledShutdownResponse:
		return fmt.Sprintf("ControlledShutdown err=%d remaining=%s", r.Err, tpList(r.Remaining))
	case *AlterReassignmentsResponse:
		var parts []string
		for _, p := range r.Partitions {
			parts = append(parts, fmt.Sprintf("%s err=%d %s", p.TP, p.Err, p.Message))
		}
		return fmt.Sprintf("AlterReassignments err=%d: %s", r.Err, strings.Join(parts, "; "))
	case *ListReassignmentsResponse:
		var parts []string
		for _, p := range r.Partitions {
			parts = append(parts, fmt.Sprintf("%s %s", p.TP, partAssign{Replicas: p.Replicas, Adding: p.Adding, Removing: p.Removing}))
		}
		return fmt.Sprintf("ListReassignments err=%d: %s", r.Err, strings.Join(parts, "; "))
	case *ElectLeadersResponse:
		var parts []string
		for _, p := range r.Partitions {
			parts = append(parts, fmt.Sprintf("%s err=%d %s", p.TP, p.Err, p.Message))
		}
		return fmt.Sprintf("ElectLeaders err=%d: %s", r.Err, strings.Join(parts, "; "))
	}
	return fmt.Sprintf("%T", resp)
}

func formatAssignment(a Assignment) string {
	var parts []string
	for p, rs := range a.Replicas {
		pa := partAssign{Replicas: rs, Adding: a.Adding[int32(p)], Removing: a.Removing[int32(p)]}
		parts = append(parts, fmt.Sprintf("%d=%s", p, pa))
	}
	return strings.Join(parts, " ")
}

func formatAttrs(attrs []any) string {
	var b strings.Builder
	for i := 0; i+1 < len(attrs); i += 2 {
		fmt.Fprintf(&b, " %v=%v", attrs[i], attrs[i+1])
	}
	return b.String()
}

func tpList(tps []TP) string {
	var parts []string
	for _, tp := range tps {
		parts = append(parts, tp.String())
	}
	return "[" + strings.Join(parts, ",") + "]"
}

func (s *script) idList(v string) []int32 {
	if v == "" {
		return nil
	}
	var out []int32
	for _, f := range strings.Split(v, ",") {
		out = append(out, s.int32(f))
	}
	return out
}

func (s *script) int32(v string) int32 { return int32(s.atoi(v)) }

func (s *script) atoi(v string) int {
	n, err := strconv.Atoi(v)
	if err != nil {
		s.t.Fatalf("bad number %q", v)
	}
	return n
}

func orDefault(v, d string) string {
	if v == "" {
		return d
	}
	return v
}

var _ = slog.LevelInfo

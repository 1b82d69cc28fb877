package group

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kmsg"
)

var rewrite = flag.Bool("rewrite", false, "rewrite testdata/*.txt expectations with the actual output")

// TestScripts runs the data-driven scenarios in testdata/*.txt. Each block
// is a command line, "----", and the actions the coordinator produced (the
// expected output), then a blank line. Commands:
//
//	join c=CLIENT g=GROUP [m=MEMBER] [v=9] [i=INSTANCE] [p=range,roundrobin] [s=SESSION_MS] [r=REBALANCE_MS]
//	sync g= m= gen= [a=MEMBER:ASSIGNMENT,...]
//	hb g= m= gen= [i=]
//	leave g= [m=] [i=INSTANCE,...]     (v0 with m, v5 batch with i)
//	commit g= [m=] gen= t= p= o=        (v9)
//	fetch g= t= p=                      (v7)
//	describe g=
//	tick d=DURATION                     (moves the clock, firing timers)
//	hold | ack [code=NAME]              (hold appends; acknowledge held ones)
//
// and the KIP-848 commands of script_cg_test.go (topics, cg, cgleave,
// cgdescribe).
//
// Requests are numbered #1, #2...; a response is printed when it is sent,
// which may be under a later command.
func TestScripts(t *testing.T) {
	files, _ := filepath.Glob("testdata/*.txt")
	if len(files) == 0 {
		t.Fatal("no scripts")
	}
	for _, f := range files {
		t.Run(filepath.Base(f), func(t *testing.T) { runScript(t, f) })
	}
}

type script struct {
	t     *testing.T
	c     *Coordinator
	now   time.Time
	ids   int
	reqID uint64
	held  []Append
	hold  bool
	out   []string
	kinds map[uint64]string
	cg    cgScript // KIP-848 commands (script_cg_test.go)

	resolves     []ResolveRegexes
	holdResolves bool // "hold regexes" (script_cg_test.go)
}

func runScript(t *testing.T, path string) {
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	s := &script{t: t, now: t0, kinds: map[uint64]string{}}
	s.c, err = New(Options{NumPartitions: 1, NewMemberID: func(p string) string {
		s.ids++
		return fmt.Sprintf("%s-%d", p, s.ids)
	}})
	if err != nil {
		t.Fatal(err)
	}
	s.handle(LoadBegin{})
	s.handle(LoadComplete{})
	s.out = nil
	var rewritten strings.Builder
	lines := strings.Split(string(data), "\n")
	for i := 0; i < len(lines); {
		// A block: comments, one command, "----", output up to a blank line.
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
		i++ // ----
		var want []string
		for i < len(lines) && lines[i] != "" {
			want = append(want, lines[i])
			i++
		}
		cmdLine := head[len(head)-1]
		s.out = nil
		s.run(cmdLine)
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
			t.Fatalf("%s: %s\ngot:\n%s\nwant:\n%s", path, cmdLine, got, strings.Join(want, "\n"))
		}
	}
	if *rewrite {
		if err := os.WriteFile(path, []byte(strings.TrimSpace(rewritten.String())+"\n"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

func (s *script) handle(ev Event) {
	for _, a := range s.c.Handle(s.now, ev) {
		switch a := a.(type) {
		case Respond:
			d := describeResponse(a.Msg)
			if d == "" {
				d = s.describeCG(a.To, a.Msg)
			}
			s.out = append(s.out, fmt.Sprintf("#%d %s", a.To, d))
		case Append:
			s.out = append(s.out, "append "+describeRecords(a.Records))
			s.held = append(s.held, a)
		case SetTimer:
			if a.At.IsZero() {
				s.out = append(s.out, "timer off")
			} else {
				s.out = append(s.out, "timer at +"+a.At.Sub(t0).String())
			}
		case ResolveRegexes:
			s.resolves = append(s.resolves, a)
		}
	}
	if !s.hold {
		s.ack(0)
	}
	if !s.holdResolves {
		s.resolveAll()
	}
}

// resolveAll answers the held ResolveRegexes (after the appends, as the
// adapter's resolver does later), printing each answer.
func (s *script) resolveAll() {
	for len(s.resolves) > 0 {
		a := s.resolves[0]
		s.resolves = s.resolves[1:]
		res := a.Resolve()
		keys := make([]string, 0, len(res))
		for k := range res {
			keys = append(keys, k)
		}
		slices.Sort(keys)
		var parts []string
		for _, k := range keys {
			parts = append(parts, k+"=["+strings.Join(res[k], " ")+"]")
		}
		s.out = append(s.out, "resolved "+a.Group+" "+strings.Join(parts, " "))
		hold := s.holdResolves
		s.holdResolves = true
		s.handle(RegexesResolved{Group: a.Group, Seq: a.Seq, Topics: res})
		s.holdResolves = hold
	}
}

func (s *script) ack(code int16) {
	for len(s.held) > 0 {
		a := s.held[0]
		s.held = s.held[1:]
		s.handle(AppendDone{Partition: a.Partition, Token: a.Token, ErrorCode: code})
	}
}

func (s *script) run(line string) {
	f := strings.Fields(line)
	if len(f) == 0 {
		s.t.Fatalf("empty command")
	}
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
	send := func(client string, req kmsg.Request) {
		s.reqID++
		s.out = append(s.out, fmt.Sprintf("-> #%d", s.reqID))
		s.handle(Request{ID: s.reqID, ClientID: client, ClientHost: "/h", Msg: req})
	}
	switch f[0] {
	case "join":
		r := joinReq(args["g"], args["m"], withVersion(int16(num("v", 9))), withSession(int32(num("s", 10000))))
		r.RebalanceTimeoutMillis = int32(num("r", 60000))
		if p, ok := args["p"]; ok {
			withProtocols(strings.Split(p, ",")...)(r)
		}
		if i, ok := args["i"]; ok {
			r.InstanceID = &i
		}
		send(args["c"], r)
	case "sync":
		r := kmsg.NewPtrSyncGroupRequest()
		r.Version, r.Group, r.MemberID, r.Generation = 5, args["g"], args["m"], int32(num("gen", 0))
		if a := args["a"]; a != "" {
			for _, ma := range strings.Split(a, ",") {
				m, asg, _ := strings.Cut(ma, ":")
				r.GroupAssignment = append(r.GroupAssignment, kmsg.SyncGroupRequestGroupAssignment{MemberID: m, MemberAssignment: []byte(asg)})
			}
		}
		send("c", r)
	case "hb":
		r := kmsg.NewPtrHeartbeatRequest()
		r.Version, r.Group, r.MemberID, r.Generation = 4, args["g"], args["m"], int32(num("gen", 0))
		if i, ok := args["i"]; ok {
			r.InstanceID = &i
		}
		send("c", r)
	case "leave":
		r := kmsg.NewPtrLeaveGroupRequest()
		r.Group = args["g"]
		if is, ok := args["i"]; ok {
			r.Version = 5
			for _, i := range strings.Split(is, ",") {
				r.Members = append(r.Members, kmsg.LeaveGroupRequestMember{MemberID: args["m"], InstanceID: &i})
			}
		} else {
			r.MemberID = args["m"]
		}
		send("c", r)
	case "commit":
		send("c", commitReq(args["g"], args["m"], int32(num("gen", -1)), args["t"], int32(num("p", 0)), num("o", 0)))
	case "fetch":
		r := kmsg.NewPtrOffsetFetchRequest()
		r.Version, r.Group = 7, args["g"]
		r.Topics = []kmsg.OffsetFetchRequestTopic{{Topic: args["t"], Partitions: []int32{int32(num("p", 0))}}}
		send("c", r)
	case "describe":
		r := kmsg.NewPtrDescribeGroupsRequest()
		r.Version, r.Groups = 5, []string{args["g"]}
		send("c", r)
	case "tick":
		d, err := time.ParseDuration(args["d"])
		if err != nil {
			s.t.Fatalf("%s: %v", line, err)
		}
		end := s.now.Add(d)
		for {
			next, ok := s.c.NextDeadline()
			if !ok || next.After(end) {
				break
			}
			s.now = next
			s.handle(Tick{})
		}
		s.now = end
		s.handle(Tick{})
		// Only the last timer setting matters (periodic checks re-arm it).
		var out []string
		last := -1
		for _, l := range s.out {
			if strings.HasPrefix(l, "timer ") {
				if last >= 0 {
					out = append(out[:last], out[last+1:]...)
				}
				last = len(out)
			}
			out = append(out, l)
		}
		s.out = append(out, "now +"+s.now.Sub(t0).String())
	case "hold":
		s.hold = true
	case "ack":
		s.hold = false
		code := int16(0)
		if name := args["code"]; name != "" {
			code = codeByName(s.t, name)
		}
		s.ack(code)
	default:
		if !s.runCG(f[0], args, send) {
			s.t.Fatalf("unknown command %q", f[0])
		}
	}
}

func codeByName(t *testing.T, name string) int16 {
	for c := int16(-1); c < 130; c++ {
		if e, ok := kerr.ErrorForCode(c).(*kerr.Error); ok && e.Message == name {
			return c
		}
	}
	t.Fatalf("unknown error %s", name)
	return 0
}

func errName(code int16) string {
	if code == 0 {
		return "ok"
	}
	if e, ok := kerr.ErrorForCode(code).(*kerr.Error); ok {
		return e.Message
	}
	return strconv.Itoa(int(code))
}

func deref(s *string) string {
	if s == nil {
		return "null"
	}
	return *s
}

func describeResponse(m kmsg.Response) string {
	switch r := m.(type) {
	case *kmsg.JoinGroupResponse:
		if r.ErrorCode != 0 {
			return fmt.Sprintf("JoinGroup %s member=%s", errName(r.ErrorCode), r.MemberID)
		}
		var ms []string
		for _, x := range r.Members {
			ms = append(ms, x.MemberID)
		}
		return fmt.Sprintf("JoinGroup ok member=%s gen=%d leader=%s protocol=%s members=[%s] skip=%v",
			r.MemberID, r.Generation, r.LeaderID, deref(r.Protocol), strings.Join(ms, " "), r.SkipAssignment)
	case *kmsg.SyncGroupResponse:
		if r.ErrorCode != 0 {
			return "SyncGroup " + errName(r.ErrorCode)
		}
		return fmt.Sprintf("SyncGroup ok assignment=%q", r.MemberAssignment)
	case *kmsg.HeartbeatResponse:
		return "Heartbeat " + errName(r.ErrorCode)
	case *kmsg.LeaveGroupResponse:
		var ms []string
		for _, x := range r.Members {
			ms = append(ms, fmt.Sprintf("%s/%s:%s", x.MemberID, deref(x.InstanceID), errName(x.ErrorCode)))
		}
		return fmt.Sprintf("LeaveGroup %s [%s]", errName(r.ErrorCode), strings.Join(ms, " "))
	case *kmsg.OffsetCommitResponse:
		return "OffsetCommit " + errName(r.Topics[0].Partitions[0].ErrorCode)
	case *kmsg.OffsetFetchResponse:
		if r.ErrorCode != 0 {
			return "OffsetFetch " + errName(r.ErrorCode)
		}
		p := r.Topics[0].Partitions[0]
		return fmt.Sprintf("OffsetFetch %s offset=%d", errName(p.ErrorCode), p.Offset)
	case *kmsg.ConsumerGroupHeartbeatResponse, *kmsg.ConsumerGroupDescribeResponse:
		return "" // described by the script (script_cg_test.go), which knows topic names
	case *kmsg.DescribeGroupsResponse:
		g := r.Groups[0]
		var ms []string
		for _, x := range g.Members {
			ms = append(ms, fmt.Sprintf("%s:%q", x.MemberID, x.MemberAssignment))
		}
		return fmt.Sprintf("DescribeGroups %s state=%s protocol=%s members=[%s]", errName(g.ErrorCode), g.State, g.Protocol, strings.Join(ms, " "))
	}
	return fmt.Sprintf("%T", m)
}

func describeRecords(recs []Record) string {
	var parts []string
	for _, r := range recs {
		kind, k, err := DecodeKey(r.Key)
		switch {
		case err != nil:
			parts = append(parts, "bad-key")
		case kind == KeyOffset && r.Value == nil:
			parts = append(parts, fmt.Sprintf("offset(%s %s/%d)=tombstone", k.Group, k.Topic, k.Partition))
		case kind == KeyOffset:
			v, _ := DecodeOffsetValue(r.Value)
			parts = append(parts, fmt.Sprintf("offset(%s %s/%d)=%d", k.Group, k.Topic, k.Partition, v.Offset))
		case kind == KeyOther:
			parts = append(parts, describeCGRecord(r))
		case kind == KeyGroup && r.Value == nil:
			parts = append(parts, fmt.Sprintf("group(%s)=tombstone", k.Group))
		default:
			v, _ := DecodeGroupValue(r.Value)
			var ms []string
			for _, m := range v.Members {
				ms = append(ms, fmt.Sprintf("%s:%q", m.MemberID, m.Assignment))
			}
			slices.Sort(ms)
			parts = append(parts, fmt.Sprintf("group(%s)=gen %d protocol=%s leader=%s members=[%s]", k.Group, v.Generation, v.Protocol, v.Leader, strings.Join(ms, " ")))
		}
	}
	return strings.Join(parts, " ")
}

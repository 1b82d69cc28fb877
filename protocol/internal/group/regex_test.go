package group

import (
	"strings"
	"testing"

	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kmsg"
)

// Whole-name matching with RE2/J's syntax, as Kafka resolves a
// SubscribedTopicRegex (Matcher.matches()).
func TestTopicRegexWholeName(t *testing.T) {
	for _, tc := range []struct {
		regex, topic string
		want         bool
	}{
		{"orders", "orders", true},
		{"orders", "orders-v2", false}, // a prefix is not a match
		{"orders", "reorders", false},  // nor a suffix
		{"orders.*", "orders-v2", true},
		{".*orders.*", "reorders", true}, // how franz-go wraps its patterns
		{"a|ab", "ab", true},             // leftmost-first would stop at "a"
		{"(a|ab)(c|bcd)", "abcd", true},
		{"(?U)o.*", "orders", true}, // ungreedy does not change what matches
		{"^orders$", "orders", true},
		{"(?i)ORDERS", "orders", true},
		{`\Qa.b\E`, "a.b", true},
		{`\Qa.b\E`, "axb", false},
		{"[[:alpha:]]+", "orders", true},
		{"[[:alpha:]]+", "orders-1", false},
		{`\d+`, "123", true},
		{`\w+`, "orders.eu", false},
		{"(?P<n>o)rders", "orders", true},
		{"(?<n>o)rders", "orders", true},
		{"__consumer_offsets", "__consumer_offsets", true}, // internal topics are candidates
		{"x*", "", true},
	} {
		re, msg := compileTopicRegex(tc.regex)
		if msg != "" {
			t.Fatalf("%q: %s", tc.regex, msg)
		}
		if got := matchesWhole(re, tc.topic); got != tc.want {
			t.Errorf("%q against %q: %v, want %v", tc.regex, tc.topic, got, tc.want)
		}
	}
}

// Regexes RE2/J refuses too (no backreferences, look-around, possessive
// quantifiers, Java-only escapes), and ones past the size bound.
func TestTopicRegexInvalid(t *testing.T) {
	for _, regex := range []string{
		"(orders", "orders)", "a**", "x++", `(?=x)`, `(?<!x)y`, `(a)\1`, "a{1001}", "[z-a]", `\Z`, `\h`,
		strings.Repeat("a", maxRegexLen+1),
	} {
		if _, msg := compileTopicRegex(regex); msg == "" {
			t.Errorf("%.40q compiled", regex)
		}
	}
}

func (h *harness) cgJoinRegex(group, id, regex string) (*cgClient, *kmsg.ConsumerGroupHeartbeatResponse) {
	h.t.Helper()
	cl := &cgClient{id: id, owned: map[tpid]bool{}}
	r := kmsg.NewPtrConsumerGroupHeartbeatRequest()
	r.Version, r.Group, r.MemberID = 1, group, id
	r.RebalanceTimeoutMillis = 60000
	r.SubscribedTopicRegex = &regex
	r.Topics = []kmsg.ConsumerGroupHeartbeatRequestTopic{}
	resp := h.resp(h.send(id, r)).(*kmsg.ConsumerGroupHeartbeatResponse)
	cl.apply(resp)
	return cl, resp
}

// A bad regex from a new member leaves the group and its log untouched.
func TestConsumerGroupRegexInvalidChangesNothing(t *testing.T) {
	h := newHarness(t, Options{NumPartitions: 1})
	h.handle(TopicsChanged{Topics: []TopicInfo{topicT1, topicT2}})
	a := h.cgJoin("cg", "A", "t1")
	logged := len(h.log[0])
	_, resp := h.cgJoinRegex("cg", "B", "t(")
	wantCode(t, "bad regex", resp.ErrorCode, kerr.InvalidRegularExpression)
	if resp.ErrorMessage == nil || !strings.Contains(*resp.ErrorMessage, "t(") {
		t.Fatalf("message %v", resp.ErrorMessage)
	}
	if len(h.log[0]) != logged {
		t.Fatalf("a refused heartbeat appended %d records", len(h.log[0])-logged)
	}
	d := h.cgDescribe("cg")
	if d.Epoch != a.epoch || len(d.Members) != 1 {
		t.Fatalf("group changed: epoch %d (was %d), %d members", d.Epoch, a.epoch, len(d.Members))
	}
}

// A reloaded group resolves its members' regexes against the topics of
// the moment: a matching topic created while nobody led the group is
// assigned.
func TestConsumerGroupRegexReload(t *testing.T) {
	h := newHarness(t, Options{NumPartitions: 1})
	h.topics = []TopicInfo{topicT1}
	h.handle(TopicsChanged{Topics: h.topics})
	a, resp := h.cgJoinRegex("cg", "A", "t.")
	wantCode(t, "join", resp.ErrorCode, nil)
	h.cgBeat("cg", a, true) // the resolution came after the join's answer
	if len(a.owned) != 6 {
		t.Fatalf("A owns %d", len(a.owned))
	}
	h.topics = []TopicInfo{topicT1, topicT2}
	h.reload()
	d := h.cgDescribe("cg")
	if len(d.Members) != 1 || d.Members[0].SubscribedTopicRegex == nil || *d.Members[0].SubscribedTopicRegex != "t." {
		t.Fatalf("reloaded members %+v", d.Members)
	}
	if d.Epoch <= a.epoch {
		t.Fatalf("epoch %d after reload, was %d", d.Epoch, a.epoch)
	}
	h.cgBeat("cg", a, true)
	if len(a.owned) != 9 || a.epoch != d.Epoch {
		t.Fatalf("A owns %d at epoch %d after reload (want 9 at %d)", len(a.owned), a.epoch, d.Epoch)
	}
}

// Resolution is asynchronous: the join is answered before the regex is
// matched, a group has one ResolveRegexes in flight, and an answer for a
// group that was unloaded and loaded again meanwhile is ignored.
func TestConsumerGroupRegexAsync(t *testing.T) {
	h := newHarness(t, Options{NumPartitions: 1})
	h.topics = []TopicInfo{topicT1, topicT2}
	h.handle(TopicsChanged{Topics: h.topics})
	h.holdResolves = true
	a, resp := h.cgJoinRegex("cg", "A", "t1")
	wantCode(t, "join", resp.ErrorCode, nil)
	if len(h.resolves) != 1 || len(a.owned) != 0 {
		t.Fatalf("%d resolutions asked, A owns %d before any answer", len(h.resolves), len(a.owned))
	}
	// More reasons to resolve while one is in flight: no second request yet.
	h.cgJoinRegex("cg", "B", "t2")
	h.handle(TopicsChanged{Topics: []TopicInfo{topicT1}})
	if len(h.resolves) != 1 {
		t.Fatalf("%d resolutions in flight", len(h.resolves))
	}
	first := h.resolves[0]
	h.resolves = nil
	h.handle(RegexesResolved{Group: first.Group, Seq: first.Seq, Topics: first.Resolve()})
	if len(h.resolves) != 1 || len(h.resolves[0].Regexes) != 2 || len(h.resolves[0].Topics) != 1 {
		t.Fatalf("follow-up resolution %+v", h.resolves)
	}
	h.cgBeat("cg", a, true)
	if len(a.owned) != 6 {
		t.Fatalf("A owns %d after the first answer", len(a.owned))
	}
	// Reloaded before the follow-up is answered: that answer is stale.
	stale := h.resolves[0]
	h.resolves = nil
	h.reload()
	epoch := h.cgDescribe("cg").Epoch
	h.handle(RegexesResolved{Group: stale.Group, Seq: stale.Seq, Topics: map[string][]string{"t1": nil, "t2": {"t2"}}})
	if d := h.cgDescribe("cg"); d.Epoch != epoch {
		t.Fatalf("a stale answer changed the group: epoch %d -> %d", epoch, d.Epoch)
	}
	if len(h.resolves) != 1 {
		t.Fatalf("the reloaded group asked %d resolutions", len(h.resolves))
	}
	h.resolveAll()
	if d := h.cgDescribe("cg"); d.Epoch <= epoch {
		t.Fatalf("the reloaded group's resolution started no epoch (%d)", d.Epoch)
	}
}

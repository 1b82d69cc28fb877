package group

import (
	"regexp"
	"slices"
	"strconv"
)

// KIP-848 regular-expression subscriptions (ConsumerGroupHeartbeat v1
// SubscribedTopicRegex), resolved against the broker's topics as Kafka 4's
// GroupMetadataManager does:
//
//   - The syntax is RE2/J's (com.google.re2j, Kafka's engine), which Go's
//     regexp shares: both are RE2, with no backreferences, look-around or
//     possessive quantifiers, the same flags (i m s U), \Q..\E, named groups
//     and repetition bounded at 1000. The differences left (RE2/J counts in
//     UTF-16 units and knows a few Java class names such as \p{javaLowerCase})
//     do not touch topic names, which are ASCII ([a-zA-Z0-9._-]).
//   - A topic matches only if the regex matches its WHOLE name (Java's
//     Matcher.matches()): "orders" does not match "orders-v2". Go's
//     MatchString finds a match anywhere, so matching is done with
//     leftmost-longest semantics and checked to span the name.
//   - Every topic is a candidate, internal ones (__consumer_offsets)
//     included: Kafka filters the result only by the DESCRIBE ACLs of an
//     authorizer, and Sluice has none. (Clients that resolve regexes
//     themselves skip internal topics; the broker does not.)
//   - An empty regex means no regex subscription (the member may still be
//     in the group with no topics).
//   - A regex is compiled when a member first subscribes with it; one that
//     does not compile (or is longer than 16 KiB, a Sluice bound) is refused
//     with INVALID_REGULAR_EXPRESSION before the group changes.
//
// Resolution is asynchronous, as in Kafka (its coordinator hands it to an
// executor): matching costs up to (program size x topic-name bytes) per
// regex, which must not stall the coordinator's goroutine. The coordinator
// emits ResolveRegexes with the group's regexes and the topic names; the
// adapter matches them elsewhere (ResolveRegexes.Resolve) and feeds back
// RegexesResolved. A group has at most one resolution in flight; it asks
// again when a member brings a regex the group does not have, when topic
// names change (TopicsChanged: topics created or deleted) and when the
// group is loaded. A resolution that changes what a regex matches starts a
// new group epoch. Until its first resolution a regex matches nothing.
//
// Kafka also stores each resolution in a ConsumerGroupRegularExpression
// record (Kafka 4 format); Sluice writes Kafka 3.9's records, so a loaded
// group resolves its members' regexes anew (and starts a new epoch when
// the answer comes).

// maxRegexLen bounds a SubscribedTopicRegex: compiling happens on the
// coordinator's goroutine (the heartbeat must say whether it is valid).
const maxRegexLen = 16 << 10

// topicRegex is a compiled subscription regex and the topics it matched at
// its last resolution (sorted).
type topicRegex struct {
	re       *regexp.Regexp
	topics   []string
	resolved bool // a resolution has come back since the group got it
}

// ResolveRegexes asks the adapter to match every regex against the whole
// topic names (Resolve does it), off the coordinator's goroutine, and to
// feed back RegexesResolved{Group, Seq, Resolve()}.
type ResolveRegexes struct {
	Group   string
	Seq     uint64
	Regexes map[string]*regexp.Regexp // shared, read-only
	Topics  []string
}

// Resolve returns, for each regex, the sorted names of the topics it
// matches whole.
func (a ResolveRegexes) Resolve() map[string][]string {
	out := make(map[string][]string, len(a.Regexes))
	for s, re := range a.Regexes {
		var ts []string
		for _, name := range a.Topics {
			if matchesWhole(re, name) {
				ts = append(ts, name)
			}
		}
		slices.Sort(ts)
		out[s] = ts
	}
	return out
}

// RegexesResolved answers ResolveRegexes: Topics maps each regex to the
// topics it matches.
type RegexesResolved struct {
	Group  string
	Seq    uint64
	Topics map[string][]string
}

func (ResolveRegexes) isAction() {}
func (RegexesResolved) isEvent() {}

// compileTopicRegex compiles s for whole-name matching, or returns the
// message for INVALID_REGULAR_EXPRESSION.
func compileTopicRegex(s string) (*regexp.Regexp, string) {
	if len(s) > maxRegexLen {
		return nil, "SubscribedTopicRegex is " + strconv.Itoa(len(s)) + " bytes long; at most 16384 are accepted."
	}
	re, err := regexp.Compile(s)
	if err != nil {
		return nil, "SubscribedTopicRegex `" + s + "` is not a valid regular expression: " + err.Error() + "."
	}
	re.Longest()
	return re, ""
}

// matchesWhole reports whether re (compiled by compileTopicRegex, hence
// leftmost-longest) matches all of name. The leftmost match starts at 0 if
// any match does, and the longest match from there is the whole name if any
// whole-name match exists.
func matchesWhole(re *regexp.Regexp, name string) bool {
	loc := re.FindStringIndex(name)
	return loc != nil && loc[0] == 0 && loc[1] == len(name)
}

// memberTopics is what a member is subscribed to: its topic names and the
// topics its regex resolved to, sorted, without duplicates.
func (cg *consumerGroup) memberTopics(m *cgMember) []string {
	if m.regex == "" {
		return m.topics
	}
	r := cg.regexes[m.regex]
	if r == nil || len(r.topics) == 0 {
		return m.topics
	}
	if len(m.topics) == 0 {
		return r.topics
	}
	out := append(slices.Clone(m.topics), r.topics...)
	slices.Sort(out)
	return slices.Compact(out)
}

// setMemberRegex changes a member's regex. One the group does not have yet
// (compiled is then its compileTopicRegex result) is added unresolved and a
// resolution is asked for; the old one is dropped if no member uses it any
// more.
func (c *Coordinator) setMemberRegex(g *classicGroup, m *cgMember, regex string, compiled *regexp.Regexp) {
	cg := g.consumer
	added := regex != "" && cg.regexes[regex] == nil
	if added {
		cg.regexes[regex] = &topicRegex{re: compiled}
	}
	old := m.regex
	m.regex = regex
	cg.dropUnusedRegex(old)
	if added {
		c.resolveRegexes(g)
	}
}

// dropUnusedRegex forgets regex when no member subscribes with it.
func (cg *consumerGroup) dropUnusedRegex(regex string) {
	if regex == "" || cg.regexes[regex] == nil {
		return
	}
	for _, m := range cg.members {
		if m.regex == regex {
			return
		}
	}
	delete(cg.regexes, regex)
}

// loadMemberRegex compiles a loaded member's regex (written by an earlier
// heartbeat, so it compiled then); one that does not compile now is
// dropped, leaving the member subscribed by name only.
func (cg *consumerGroup) loadMemberRegex(m *cgMember) {
	if m.regex == "" || cg.regexes[m.regex] != nil {
		return
	}
	re, msg := compileTopicRegex(m.regex)
	if msg != "" {
		m.regex = ""
		return
	}
	cg.regexes[m.regex] = &topicRegex{re: re}
}

// resolveRegexes asks for a resolution of the group's regexes against the
// current topics, or for another one after the one in flight.
func (c *Coordinator) resolveRegexes(g *classicGroup) {
	cg := g.consumer
	if len(cg.regexes) == 0 {
		return
	}
	if cg.resolving != 0 {
		cg.resolveAgain = true
		return
	}
	c.nextResolve++
	cg.resolving, cg.resolveAgain = c.nextResolve, false
	a := ResolveRegexes{Group: g.id, Seq: cg.resolving, Regexes: make(map[string]*regexp.Regexp, len(cg.regexes)),
		Topics: make([]string, 0, len(c.topics))}
	for s, r := range cg.regexes {
		a.Regexes[s] = r.re
	}
	for name := range c.topics {
		a.Topics = append(a.Topics, name)
	}
	slices.Sort(a.Topics)
	c.out = append(c.out, a)
}

// regexesResolved applies a resolution: regexes that match differently (or
// for the first time), or subscribed topics whose metadata changed since it
// was last recorded, start a new epoch of a group with members.
func (c *Coordinator) regexesResolved(e RegexesResolved) {
	g := c.groups[e.Group]
	if g == nil || g.consumer == nil || g.consumer.resolving != e.Seq {
		return // the group was unloaded, deleted or reloaded meanwhile
	}
	cg := g.consumer
	cg.resolving = 0
	changed := false
	for s, r := range cg.regexes {
		ts, ok := e.Topics[s]
		if !ok {
			continue // added after the request; resolveAgain is set
		}
		if !r.resolved || !slices.Equal(ts, r.topics) {
			changed = changed || len(ts) > 0 || len(r.topics) > 0
			r.topics, r.resolved = ts, true
		}
	}
	if len(cg.members) > 0 && c.partitions[g.partition] == partActive &&
		(changed || !slices.Equal(c.subscribedMetadata(cg), cg.written)) {
		c.cgBump(g)
		c.cgFlushQuiet(g)
	}
	if cg.resolveAgain {
		c.resolveRegexes(g)
	}
}

// sameTopicNames reports whether two topic maps hold the same names (the
// only thing a regex resolution depends on).
func sameTopicNames(a, b map[string]TopicInfo) bool {
	if len(a) != len(b) {
		return false
	}
	for n := range a {
		if _, ok := b[n]; !ok {
			return false
		}
	}
	return true
}

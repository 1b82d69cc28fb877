package group

import (
	"regexp"
	"slices"
)

// KIP-848 regular-expression subscriptions (ConsumerGroupHeartbeat v1
// SubscribedTopicRegex), resolved by the coordinator against the topics of
// the last TopicsChanged, as Kafka 4's GroupMetadataManager does:
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
//   - A regex that does not compile is refused with
//     INVALID_REGULAR_EXPRESSION when a member first subscribes with it.
//
// Kafka resolves asynchronously and at most every 10 s per group; here a
// regex is resolved when a member subscribes with it and again whenever the
// topic names change (TopicsChanged), so a new matching topic is assigned
// at the heartbeat after the adapter reports it. Kafka also stores each
// resolution in a ConsumerGroupRegularExpression record (Kafka 4 format);
// Sluice writes Kafka 3.9's records, so a loaded group resolves its members'
// regexes again from the current topics and starts a new epoch.

// maxRegexLen bounds a SubscribedTopicRegex, so one heartbeat cannot make the
// coordinator compile an arbitrarily large program (Go's parser caps the
// program size anyway; this gives a clear message first).
const maxRegexLen = 32 << 10

// topicRegex is a compiled subscription regex and the topics it matched at
// its last resolution (sorted).
type topicRegex struct {
	re     *regexp.Regexp
	topics []string
}

// compileTopicRegex compiles s for whole-name matching, or returns the
// message for INVALID_REGULAR_EXPRESSION.
func compileTopicRegex(s string) (*regexp.Regexp, string) {
	if len(s) > maxRegexLen {
		return nil, "SubscribedTopicRegex is longer than 32768 bytes."
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

// resolve returns the sorted names of topics whose whole name re matches.
func resolveRegex(re *regexp.Regexp, topics map[string]TopicInfo) []string {
	var out []string
	for name := range topics {
		if matchesWhole(re, name) {
			out = append(out, name)
		}
	}
	slices.Sort(out)
	return out
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

// setMemberRegex changes a member's regex, resolving one the group does
// not have yet (compiled is then its compileTopicRegex result) and
// dropping the old one if no member uses it any more.
func (c *Coordinator) setMemberRegex(cg *consumerGroup, m *cgMember, regex string, compiled *regexp.Regexp) {
	if regex != "" && cg.regexes[regex] == nil {
		cg.regexes[regex] = &topicRegex{re: compiled, topics: resolveRegex(compiled, c.topics)}
	}
	old := m.regex
	m.regex = regex
	cg.dropUnusedRegex(old)
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
func (c *Coordinator) loadMemberRegex(cg *consumerGroup, m *cgMember) {
	if m.regex == "" || cg.regexes[m.regex] != nil {
		return
	}
	re, msg := compileTopicRegex(m.regex)
	if msg != "" {
		m.regex = ""
		return
	}
	cg.regexes[m.regex] = &topicRegex{re: re, topics: resolveRegex(re, c.topics)}
}

// reresolve resolves every regex of the group against the current topics
// and reports whether any resolution changed.
func (c *Coordinator) reresolve(cg *consumerGroup) bool {
	changed := false
	for _, r := range cg.regexes {
		if ts := resolveRegex(r.re, c.topics); !slices.Equal(ts, r.topics) {
			r.topics, changed = ts, true
		}
	}
	return changed
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

package group

import (
	"crypto/sha256"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"sync"

	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kmsg"
)

// KIP-848 commands of the data-driven scripts (testdata/*.txt):
//
//	topics NAME:PARTITIONS ...           TopicsChanged with exactly these topics
//	cg g= m= [names=a,b] [regex=RE] [assignor=NAME] [epoch=N] [noreport]
//	                                     ConsumerGroupHeartbeat v1: a join (epoch 0,
//	                                     rebalance timeout 60s) for a member the
//	                                     script has not seen, else at its epoch,
//	                                     reporting the partitions it owns
//	cgleave g= m=                        ConsumerGroupHeartbeat with epoch -1
//	cgdescribe g=                        ConsumerGroupDescribe v1
//	holdregex | resolve                  hold ResolveRegexes actions; answer the held
//	                                     ones (by default each is answered, and
//	                                     printed as "resolved ...", right after
//	                                     the command's appends)
//
// Script members behave as a KIP-848 client does: they own exactly the last
// assignment they were given, adopt the epoch of every successful answer and
// forget their state on UNKNOWN_MEMBER_ID or FENCED_MEMBER_EPOCH. A topic's
// id is derived from its name, and records and answers print names.

type cgScript struct {
	members map[string]*cgClient // "group/member"
	pending map[uint64]*cgClient // heartbeat request id -> member
	keys    map[uint64]string    // heartbeat request id -> "group/member"
}

// scriptTopics maps the ids the scripts give topics back to names.
var scriptTopics sync.Map // [16]byte -> string

func scriptTopicID(name string) [16]byte {
	sum := sha256.Sum256([]byte(name))
	id := [16]byte(sum[:16])
	scriptTopics.Store(id, name)
	return id
}

func scriptTopicName(id [16]byte) string {
	if n, ok := scriptTopics.Load(id); ok {
		return n.(string)
	}
	return fmt.Sprintf("%x", id[:4])
}

// formatTPs prints partitions as "t1:0,1 t2:3", sorted.
func formatTPs(set map[tpid]bool) string {
	var parts []string
	for _, t := range groupByTopic(set) {
		ps := make([]string, len(t.partitions))
		for i, p := range t.partitions {
			ps[i] = strconv.Itoa(int(p))
		}
		parts = append(parts, scriptTopicName(t.id)+":"+strings.Join(ps, ","))
	}
	slices.Sort(parts)
	return "[" + strings.Join(parts, " ") + "]"
}

func (s *script) runCG(cmd string, args map[string]string, send func(string, kmsg.Request)) bool {
	if s.cg.members == nil {
		s.cg = cgScript{members: map[string]*cgClient{}, pending: map[uint64]*cgClient{}, keys: map[uint64]string{}}
	}
	switch cmd {
	case "topics":
		var ts []TopicInfo
		for k := range args {
			name, n, _ := strings.Cut(k, ":")
			parts, err := strconv.Atoi(n)
			if err != nil {
				s.t.Fatalf("topics: %q (want NAME:PARTITIONS)", k)
			}
			ts = append(ts, TopicInfo{Name: name, ID: scriptTopicID(name), Partitions: int32(parts)})
		}
		slices.SortFunc(ts, func(a, b TopicInfo) int { return strings.Compare(a.Name, b.Name) })
		s.handle(TopicsChanged{Topics: ts})
	case "cg":
		key := args["g"] + "/" + args["m"]
		cl := s.cg.members[key]
		r := kmsg.NewPtrConsumerGroupHeartbeatRequest()
		r.Version, r.Group, r.MemberID = 1, args["g"], args["m"]
		r.RebalanceTimeoutMillis = -1
		if cl == nil {
			cl = &cgClient{id: args["m"], owned: map[tpid]bool{}}
			r.RebalanceTimeoutMillis = 60000
			r.Topics = []kmsg.ConsumerGroupHeartbeatRequestTopic{}
		} else {
			r.MemberEpoch = cl.epoch
			if _, ok := args["noreport"]; !ok {
				r.Topics = []kmsg.ConsumerGroupHeartbeatRequestTopic{}
				for _, t := range groupByTopic(cl.owned) {
					r.Topics = append(r.Topics, kmsg.ConsumerGroupHeartbeatRequestTopic{TopicID: t.id, Partitions: t.partitions})
				}
			}
		}
		if e, ok := args["epoch"]; ok {
			n, _ := strconv.Atoi(e)
			r.MemberEpoch = int32(n)
		}
		if names, ok := args["names"]; ok {
			r.SubscribedTopicNames = []string{}
			if names != "" {
				r.SubscribedTopicNames = strings.Split(names, ",")
			}
		}
		if re, ok := args["regex"]; ok {
			r.SubscribedTopicRegex = &re
		}
		if a, ok := args["assignor"]; ok {
			r.ServerAssignor = &a
		}
		s.cg.pending[s.reqID+1] = cl
		s.cg.keys[s.reqID+1] = key
		send(args["m"], r)
	case "cgleave":
		r := kmsg.NewPtrConsumerGroupHeartbeatRequest()
		r.Version, r.Group, r.MemberID, r.MemberEpoch = 1, args["g"], args["m"], -1
		delete(s.cg.members, args["g"]+"/"+args["m"])
		send(args["m"], r)
	case "holdregex":
		s.holdResolves = true
	case "resolve":
		s.holdResolves = false
		s.resolveAll()
	case "cgdescribe":
		r := kmsg.NewPtrConsumerGroupDescribeRequest()
		r.Version, r.Groups = 1, []string{args["g"]}
		send("c", r)
	default:
		return false
	}
	return true
}

// describeCG prints a KIP-848 answer and applies a heartbeat's answer to
// the member that sent it.
func (s *script) describeCG(id uint64, m kmsg.Response) string {
	switch r := m.(type) {
	case *kmsg.ConsumerGroupHeartbeatResponse:
		cl, key := s.cg.pending[id], s.cg.keys[id]
		delete(s.cg.pending, id)
		delete(s.cg.keys, id)
		if r.ErrorCode != 0 {
			if r.ErrorCode == kerr.UnknownMemberID.Code || r.ErrorCode == kerr.FencedMemberEpoch.Code {
				delete(s.cg.members, key)
			}
			msg := ""
			if r.ErrorMessage != nil {
				msg = ": " + *r.ErrorMessage
			}
			return "ConsumerGroupHeartbeat " + errName(r.ErrorCode) + msg
		}
		asg := "-"
		if cl != nil && r.MemberEpoch >= 0 {
			cl.apply(r)
			s.cg.members[key] = cl
			if r.Assignment != nil {
				asg = formatTPs(cl.owned)
			}
		}
		return fmt.Sprintf("ConsumerGroupHeartbeat ok epoch=%d assignment=%s", r.MemberEpoch, asg)
	case *kmsg.ConsumerGroupDescribeResponse:
		g := r.Groups[0]
		if g.ErrorCode != 0 {
			return "ConsumerGroupDescribe " + errName(g.ErrorCode)
		}
		set := func(a kmsg.Assignment) map[tpid]bool {
			out := map[tpid]bool{}
			for _, t := range a.TopicPartitions {
				for _, p := range t.Partitions {
					out[tpid{t.TopicID, p}] = true
				}
			}
			return out
		}
		var ms []string
		for _, x := range g.Members {
			ms = append(ms, fmt.Sprintf("%s(epoch=%d names=[%s] regex=%s assigned=%s target=%s)", x.MemberID, x.MemberEpoch,
				strings.Join(x.SubscribedTopics, " "), deref(x.SubscribedTopicRegex), formatTPs(set(x.Assignment)), formatTPs(set(x.TargetAssignment))))
		}
		return fmt.Sprintf("ConsumerGroupDescribe ok state=%s epoch=%d members=[%s]", g.State, g.Epoch, strings.Join(ms, " "))
	}
	return fmt.Sprintf("%T", m)
}

// describeCGRecord prints a KIP-848 record of __consumer_offsets.
func describeCGRecord(r Record) string {
	k, ok, err := decodeCGKey(r.Key)
	if err != nil || !ok {
		return "other-key"
	}
	name := map[int16]string{keyCGMetadata: "cg-epoch", keyCGPartitionMetadata: "cg-topics", keyCGMemberMetadata: "cg-member",
		keyCGTargetMetadata: "cg-target-epoch", keyCGTargetMember: "cg-target", keyCGCurrentAssignment: "cg-assignment"}[k.version]
	who := k.group
	if isMemberKey(k.version) {
		who += "/" + k.member
	}
	head := name + "(" + who + ")"
	if r.Value == nil {
		return head + "=tombstone"
	}
	switch k.version {
	case keyCGMetadata, keyCGTargetMetadata:
		e, _ := decodeCGEpoch(r.Value)
		return fmt.Sprintf("%s=%d", head, e)
	case keyCGPartitionMetadata:
		ts, _ := decodeCGPartitionMetadata(r.Value)
		var names []string
		for _, t := range ts {
			names = append(names, fmt.Sprintf("%s:%d", t.Name, t.Partitions))
		}
		return head + "=[" + strings.Join(names, " ") + "]"
	case keyCGMemberMetadata:
		v, _ := decodeCGMember(r.Value)
		return fmt.Sprintf("%s=names[%s]regex(%s)", head, strings.Join(v.topics, " "), v.regex)
	case keyCGTargetMember:
		set, _ := decodeCGTarget(r.Value)
		return head + "=" + formatTPs(set)
	default:
		v, _ := decodeCGAssignment(r.Value)
		out := fmt.Sprintf("%s=e%d%s", head, v.epoch, formatTPs(v.assigned))
		if len(v.revoking) > 0 {
			out += "-revoking" + formatTPs(v.revoking)
		}
		return out
	}
}

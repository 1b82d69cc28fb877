package group

import (
	"testing"

	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kmsg"
)

func TestListGroups(t *testing.T) {
	h := newHarness(t, Options{})
	h.stableMember("stable", "a")
	h.commit("solo", "", -1, "t", 0, 1)
	j := h.joinResp(h.join("b", "prep", ""))
	h.join("b", "prep", j.MemberID)
	list := func(v int16, states ...string) []kmsg.ListGroupsResponseGroup {
		r := kmsg.NewPtrListGroupsRequest()
		r.Version, r.StatesFilter = v, states
		resp := h.resp(h.send("c", r)).(*kmsg.ListGroupsResponse)
		wantCode(t, "list", resp.ErrorCode, nil)
		return resp.Groups
	}
	all := list(5)
	if len(all) != 3 || all[0].Group != "prep" || all[1].Group != "solo" || all[2].Group != "stable" {
		t.Fatalf("list %+v", all)
	}
	if all[2].GroupState != "Stable" || all[2].ProtocolType != "consumer" || all[2].GroupType != "classic" || all[1].ProtocolType != "" {
		t.Fatalf("list %+v", all)
	}
	if got := list(4, "stable", "Empty"); len(got) != 2 || got[0].Group != "solo" || got[1].Group != "stable" {
		t.Fatalf("filtered %+v", got)
	}
	r := kmsg.NewPtrListGroupsRequest()
	r.Version, r.TypesFilter = 5, []string{"consumer"}
	if got := h.resp(h.send("c", r)).(*kmsg.ListGroupsResponse).Groups; len(got) != 0 {
		t.Fatalf("consumer-type groups %+v", got)
	}
}

func TestDescribeGroups(t *testing.T) {
	h := newHarness(t, Options{})
	a, _ := h.stableMember("g", "a")
	r := kmsg.NewPtrDescribeGroupsRequest()
	r.Version, r.Groups = 5, []string{"g", "none", ""}
	resp := h.resp(h.send("c", r)).(*kmsg.DescribeGroupsResponse)
	g, none, empty := resp.Groups[0], resp.Groups[1], resp.Groups[2]
	if g.State != "Stable" || g.Members[0].MemberID != a || g.Members[0].ClientID != "a" ||
		g.Members[0].ClientHost != "/127.0.0.1" || string(g.Members[0].ProtocolMetadata) != "md-range" {
		t.Fatalf("describe %+v", g)
	}
	if none.State != "Dead" || none.ErrorCode != 0 {
		t.Fatalf("unknown group %+v", none)
	}
	wantCode(t, "empty id", empty.ErrorCode, kerr.InvalidGroupID)
	// Not Stable: no metadata or assignment, no protocol.
	h.join("b", "g", h.joinResp(h.join("b", "g", "")).MemberID)
	d := h.describe("g")
	if d.State != "PreparingRebalance" || d.Protocol != "" || len(d.Members[0].MemberAssignment) != 0 {
		t.Fatalf("describe while rebalancing %+v", d)
	}
}

func TestDeleteGroups(t *testing.T) {
	h := newHarness(t, Options{})
	h.stableMember("busy", "a")
	h.commit("idle", "", -1, "t", 0, 1)
	h.commit("idle", "", -1, "t", 1, 2)
	h.holdAppends = true
	r := kmsg.NewPtrDeleteGroupsRequest()
	r.Version, r.Groups = 2, []string{"busy", "idle", "none"}
	id := h.send("c", r)
	if !h.pending(id) {
		t.Fatal("answered before the tombstones were durable")
	}
	h.ackAll(0)
	h.holdAppends = false
	resp := h.resp(id).(*kmsg.DeleteGroupsResponse)
	wantCode(t, "busy", resp.Groups[0].ErrorCode, kerr.NonEmptyGroup)
	wantCode(t, "idle", resp.Groups[1].ErrorCode, nil)
	wantCode(t, "none", resp.Groups[2].ErrorCode, kerr.GroupIDNotFound)
	if off, _, _ := h.fetch("idle", "t", 0); off != -1 {
		t.Fatal("offsets survived DeleteGroups")
	}
	// Tombstones: both offsets, then the group.
	recs := h.log[h.c.PartitionFor("idle")]
	tail := recs[len(recs)-3:]
	for i, want := range []KeyKind{KeyOffset, KeyOffset, KeyGroup} {
		kind, k, _ := DecodeKey(tail[i].Key)
		if kind != want || k.Group != "idle" || tail[i].Value != nil {
			t.Fatalf("record %d: %v %+v value %v", i, kind, k, tail[i].Value)
		}
	}
}

func TestDeleteGroupWithCommitInFlight(t *testing.T) {
	h := newHarness(t, Options{})
	h.commit("g", "", -1, "t", 0, 1)
	h.holdAppends = true
	cid := h.send("c", commitReq("g", "", -1, "t", 0, 2))
	dg := kmsg.NewPtrDeleteGroupsRequest()
	dg.Groups = []string{"g"}
	did := h.send("c", dg)
	h.ackAll(0)
	h.holdAppends = false
	wantCode(t, "commit", h.resp(cid).(*kmsg.OffsetCommitResponse).Topics[0].Partitions[0].ErrorCode, nil)
	wantCode(t, "delete", h.resp(did).(*kmsg.DeleteGroupsResponse).Groups[0].ErrorCode, nil)
	// Appends land in issue order, so the tombstones follow the commit and
	// a reload does not resurrect the offset.
	h.reload()
	if off, _, _ := h.fetch("g", "t", 0); off != -1 {
		t.Fatalf("offset %d resurrected after DeleteGroups", off)
	}
}

func TestMetrics(t *testing.T) {
	h := newHarness(t, Options{})
	h.handle(TopicsChanged{Topics: []TopicInfo{topicT1}})
	h.stableMember("g", "a")
	h.commit("solo", "", -1, "t", 0, 1)
	h.commit("solo", "", -1, "t", 1, 1)
	h.cgJoin("cg", "A", "t1")
	m := h.c.Metrics()
	if m.Groups != 3 || m.ConsumerGroups != 1 || m.Members != 2 || m.Offsets != 2 || m.Partitions != 4 || m.Loading != 0 ||
		m.GroupsByState["Stable"] != 2 || m.GroupsByState["Empty"] != 1 || m.Rebalances != 1 {
		t.Fatalf("metrics %+v", m)
	}
}

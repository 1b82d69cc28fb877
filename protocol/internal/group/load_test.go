package group

import (
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kmsg"
)

// reload starts a fresh coordinator over the harness's log, as a broker
// restart does.
func (h *harness) reload() {
	h.t.Helper()
	log := h.log
	c, err := New(h.opts)
	if err != nil {
		h.t.Fatal(err)
	}
	h.c, h.timer = c, time.Time{}
	if h.topics != nil {
		h.handle(TopicsChanged{Topics: h.topics}) // as the adapter does before loading
	}
	for p := int32(0); p < h.opts.NumPartitions; p++ {
		h.handle(LoadBegin{Partition: p})
		h.handle(LoadRecords{Partition: p, Records: log[p]})
		h.handle(LoadComplete{Partition: p})
	}
}

func TestReloadRestoresGroupsAndOffsets(t *testing.T) {
	h := newHarness(t, Options{})
	a, gen := h.stableMember("g", "a", withInstance("ia"))
	wantCode(t, "commit", h.commit("g", a, gen, "t", 2, 77), nil)
	h.commit("solo", "", -1, "u", 0, 5)
	h.commit("gone", "", -1, "u", 0, 5)
	dg := kmsg.NewPtrDeleteGroupsRequest()
	dg.Groups = []string{"gone"}
	wantCode(t, "delete", h.resp(h.send("c", dg)).(*kmsg.DeleteGroupsResponse).Groups[0].ErrorCode, nil)

	h.reload()
	d := h.describe("g")
	if d.State != "Stable" || len(d.Members) != 1 || d.Members[0].MemberID != a || *d.Members[0].InstanceID != "ia" ||
		string(d.Members[0].MemberAssignment) != "a-"+a || d.Protocol != "range" {
		t.Fatalf("reloaded group %+v", d)
	}
	if off, epoch, _ := h.fetch("g", "t", 2); off != 77 || epoch != 7 {
		t.Fatalf("reloaded offset %d epoch %d", off, epoch)
	}
	if off, _, _ := h.fetch("solo", "u", 0); off != 5 {
		t.Fatalf("standalone offset %d", off)
	}
	if d := h.describe("gone"); d.State != "Dead" {
		t.Fatalf("deleted group came back: %s", d.State)
	}
	// The member carries on in the same generation...
	wantCode(t, "heartbeat", h.heartbeat("g", a, gen), nil)
	s := h.syncResp(h.sync("g", a, gen, nil))
	if string(s.MemberAssignment) != "a-"+a {
		t.Fatalf("assignment %q", s.MemberAssignment)
	}
	// ...and is removed if it does not heartbeat within its session.
	h.advance(11 * time.Second)
	wantCode(t, "expired", h.heartbeat("g", a, gen), kerr.UnknownMemberID)
}

func TestLoadTombstonesAndBadRecords(t *testing.T) {
	h := newHarness(t, Options{NumPartitions: 1})
	recs := []Record{
		{Key: EncodeOffsetKey(OffsetKey{"g", "t", 0}), Value: EncodeOffsetValue(OffsetValue{Offset: 1, ExpireTimestamp: -1})},
		{Key: EncodeOffsetKey(OffsetKey{"g", "t", 1}), Value: EncodeOffsetValue(OffsetValue{Offset: 2, ExpireTimestamp: -1})},
		{Key: EncodeOffsetKey(OffsetKey{"g", "t", 0})},  // tombstone
		{Key: []byte{0, 1, 0}, Value: []byte{1}},        // truncated key
		{Key: EncodeGroupKey("g"), Value: []byte{0, 9}}, // unknown value version
		{Key: EncodeGroupKey("h"), Value: EncodeGroupValue(GroupValue{ProtocolType: "consumer", Generation: 4, CurrentStateTimestamp: -1})},
		{Key: EncodeGroupKey("h")}, // tombstone: h is gone
	}
	h.log = map[int32][]Record{0: recs}
	h.reload()
	if off, _, _ := h.fetch("g", "t", 0); off != -1 {
		t.Fatalf("tombstoned offset %d", off)
	}
	if off, _, _ := h.fetch("g", "t", 1); off != 2 {
		t.Fatalf("offset %d", off)
	}
	if d := h.describe("h"); d.State != "Dead" {
		t.Fatalf("tombstoned group: %s", d.State)
	}
	if n := h.c.Stats().SkippedRecords; n != 2 {
		t.Fatalf("skipped %d", n)
	}
}

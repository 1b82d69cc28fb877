package group

import (
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kmsg"
)

// TestRunner drives a join, a sync and an asynchronous append through the
// Runner with real time (initial delay 50ms) and the race detector.
func TestRunner(t *testing.T) {
	c, err := New(Options{NumPartitions: 1, InitialRebalanceDelay: 50 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	resps := make(chan Respond, 16)
	var r *Runner
	r = StartRunner(c, RunnerConfig{
		Respond: func(id uint64, msg kmsg.Response) { resps <- Respond{To: id, Msg: msg} },
		Append: func(p int32, tok uint64, recs []Record) {
			go r.Submit(AppendDone{Partition: p, Token: tok}) // durable "later"
		},
	})
	defer r.Close()
	r.Submit(LoadBegin{Partition: 0})
	r.Submit(LoadComplete{Partition: 0})
	next := func() Respond {
		t.Helper()
		select {
		case a := <-resps:
			return a
		case <-time.After(5 * time.Second):
			t.Fatal("no response")
		}
		return Respond{}
	}
	r.Submit(Request{ID: 1, ClientID: "c", Msg: joinReq("g", "")})
	j := next().Msg.(*kmsg.JoinGroupResponse)
	wantCode(t, "first join", j.ErrorCode, kerr.MemberIDRequired)
	start := time.Now()
	r.Submit(Request{ID: 2, ClientID: "c", Msg: joinReq("g", j.MemberID)})
	jr := next()
	if jr.To != 2 || jr.Msg.(*kmsg.JoinGroupResponse).Generation != 1 {
		t.Fatalf("join %+v", jr)
	}
	if waited := time.Since(start); waited < 40*time.Millisecond {
		t.Fatalf("the initial delay timer did not hold the join (%v)", waited)
	}
	sr := kmsg.NewPtrSyncGroupRequest()
	sr.Version, sr.Group, sr.MemberID, sr.Generation = 5, "g", j.MemberID, 1
	r.Submit(Request{ID: 3, Msg: sr})
	s := next()
	if s.To != 3 || s.Msg.(*kmsg.SyncGroupResponse).ErrorCode != 0 {
		t.Fatalf("sync %+v", s)
	}
	r.Close()
	if r.Submit(Tick{}) {
		t.Fatal("Submit after Close accepted")
	}
}

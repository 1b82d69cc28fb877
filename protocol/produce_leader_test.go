package protocol

import (
	"encoding/binary"
	"encoding/json"
	"os"
	"path/filepath"
	"testing"

	"github.com/twmb/franz-go/pkg/kmsg"
)

// movePartition rewrites the broker metadata in dir so that partition p
// of topic is led by broker leader at epoch (not this broker): the broker
// answers NOT_LEADER_OR_FOLLOWER for it after a restart.
func movePartition(t *testing.T, dir, topic string, p, leader, epoch int32) {
	t.Helper()
	path := filepath.Join(dir, "__sluice_metadata.json")
	raw, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var st map[string]any
	if err := json.Unmarshal(raw, &st); err != nil {
		t.Fatal(err)
	}
	moved := false
	for _, tp := range st["topics"].([]any) {
		tm := tp.(map[string]any)
		if tm["name"] != topic {
			continue
		}
		for _, pp := range tm["partitions"].([]any) {
			pm := pp.(map[string]any)
			if int32(pm["partition"].(float64)) == p {
				pm["replicas"], pm["isr"] = []int32{leader}, []int32{leader}
				pm["leader"], pm["leader_epoch"] = leader, epoch
				moved = true
			}
		}
	}
	if !moved {
		t.Fatalf("no partition %s-%d in %s", topic, p, path)
	}
	if raw, err = json.Marshal(st); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, raw, 0o644); err != nil {
		t.Fatal(err)
	}
}

// TestProduceCurrentLeaderOnlyWhenNotLeader: Produce v10+ responses carry
// CurrentLeader (KIP-951, a tagged field kmsg omits only at its default
// {-1, -1}) for a partition answered NOT_LEADER_OR_FOLLOWER, with the
// leader and epoch from the metadata, and for no other partition: on the
// wire the successful partition's tag section is empty.
func TestProduceCurrentLeaderOnlyWhenNotLeader(t *testing.T) {
	dir := t.TempDir()
	b := startTestBroker(t, dir, map[string]string{"node.id": "3"})
	createTopic(t, b, "moved", 2, nil)
	closeBroker(t, b)
	movePartition(t, dir, "moved", 1, 7, 5)
	b = startTestBroker(t, dir, map[string]string{"node.id": "3"})
	c := dial(t, b)
	batch := buildBatch(t, -1, -1, -1, 3)
	for v := int16(9); v <= 11; v++ {
		req := kmsg.NewPtrProduceRequest()
		req.SetVersion(v)
		req.Acks, req.TimeoutMillis = 1, 5000
		rt := kmsg.NewProduceRequestTopic()
		rt.Topic = "moved"
		for p := range int32(2) {
			rp := kmsg.NewProduceRequestTopicPartition()
			rp.Partition, rp.Records = p, batch
			rt.Partitions = append(rt.Partitions, rp)
		}
		req.Topics = append(req.Topics, rt)
		if _, err := c.Write(rawRequest(req, int32(v))); err != nil {
			t.Fatal(err)
		}
		frame, err := readFrame(t, c)
		if err != nil {
			t.Fatal(err)
		}
		resp := kmsg.NewPtrProduceResponse()
		resp.SetVersion(v)
		if err := resp.ReadFrom(frame[5:]); err != nil {
			t.Fatalf("v%d: %v", v, err)
		}
		ok, moved := resp.Topics[0].Partitions[0], resp.Topics[0].Partitions[1]
		if ok.ErrorCode != 0 || moved.ErrorCode != 6 {
			t.Fatalf("v%d: error codes %d, %d; want 0 and NOT_LEADER_OR_FOLLOWER (6)", v, ok.ErrorCode, moved.ErrorCode)
		}
		if ok.CurrentLeader.LeaderID != -1 || ok.CurrentLeader.LeaderEpoch != -1 {
			t.Errorf("v%d: successful partition carries CurrentLeader %+v", v, ok.CurrentLeader)
		}
		wantID, wantEpoch := int32(7), int32(5)
		if v < 10 {
			wantID, wantEpoch = -1, -1
		}
		if moved.CurrentLeader.LeaderID != wantID || moved.CurrentLeader.LeaderEpoch != wantEpoch {
			t.Errorf("v%d: NOT_LEADER_OR_FOLLOWER partition carries CurrentLeader %+v, want {%d %d}", v, moved.CurrentLeader, wantID, wantEpoch)
		}
		if len(resp.Brokers) != 0 { // broker 7 is not alive: no endpoint to give
			t.Errorf("v%d: node endpoints %+v", v, resp.Brokers)
		}
		if v < 10 {
			continue
		}
		// On the wire: the successful partition's tag section is empty,
		// the other one holds one tag, tag 0 (CurrentLeader).
		body := frame[5:]
		_, n := binary.Uvarint(body) // topics
		body = body[n:]
		l, n := binary.Uvarint(body) // topic name
		body = body[n+int(l)-1:]
		_, n = binary.Uvarint(body) // partitions
		body = body[n:]
		for j, want := range [][]byte{{0}, {1, 0}} { // the tag sections
			body = body[4+2+8+8+8:] // index, error, base offset, log append time, log start offset
			if body[0] != 1 {
				t.Fatalf("v%d: partition %d has record errors", v, j)
			}
			l, n := binary.Uvarint(body[1:]) // error message
			body = body[1+n+max(int(l)-1, 0):]
			if got := body[:len(want)]; string(got) != string(want) {
				t.Errorf("v%d: partition %d tag section starts % x, want % x", v, j, got, want)
			}
			if j == 0 {
				body = body[1:]
			}
		}
	}
}

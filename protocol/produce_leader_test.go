package protocol

import (
	"encoding/binary"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"testing"

	"github.com/twmb/franz-go/pkg/kmsg"
)

// movePartition rewrites the broker metadata file in dir (the znodes a
// single node keeps) so that partition p of topic is assigned to broker
// leader alone and led by it at epoch: after a restart this broker
// answers NOT_LEADER_OR_FOLLOWER for it.
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
	znodes := st["znodes"].(map[string]any)
	edit := func(zpath string, f func(map[string]any)) {
		n, ok := znodes[zpath].(map[string]any)
		if !ok {
			t.Fatalf("no znode %s in %s", zpath, path)
		}
		var data map[string]any
		if err := json.Unmarshal([]byte(n["data"].(string)), &data); err != nil {
			t.Fatal(err)
		}
		f(data)
		b, err := json.Marshal(data)
		if err != nil {
			t.Fatal(err)
		}
		n["data"] = string(b)
	}
	edit("/brokers/topics/"+topic, func(d map[string]any) {
		d["partitions"].(map[string]any)[strconv.Itoa(int(p))] = []int32{leader}
	})
	edit(fmt.Sprintf("/brokers/topics/%s/partitions/%d/state", topic, p), func(d map[string]any) {
		d["leader"], d["leader_epoch"], d["isr"] = leader, epoch, []int32{leader}
	})
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
		// The leader and epoch the metadata gives: broker 7 is not alive,
		// so the controller took the partition offline (leader -1) at a
		// higher epoch when this broker started.
		meta, _ := b.Node().Topic("moved")
		wantID, wantEpoch := meta.Partitions[1].Leader, meta.Partitions[1].LeaderEpoch
		if wantEpoch < 5 {
			t.Fatalf("metadata of moved-1: %+v", meta.Partitions[1])
		}
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

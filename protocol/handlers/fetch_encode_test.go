package handlers

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"

	"github.com/twmb/franz-go/pkg/kmsg"

	"sluice/cluster"
	"sluice/engine"
)

// TestFetchEncodeMatchesKmsg encodes an answer with file-range records at
// every served version and decodes the concatenated chunks with kmsg.
func TestFetchEncodeMatchesKmsg(t *testing.T) {
	f, err := os.Create(filepath.Join(t.TempDir(), "seg"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	data := bytes.Repeat([]byte("0123456789abcdef"), 300) // 4800 bytes
	if _, err := f.Write(data); err != nil {
		t.Fatal(err)
	}
	two := int32(2)
	for v := int16(4); v <= 16; v++ {
		a := fetchAnswer{version: v, sessionID: 0, topics: []fetchTopic{
			{name: "a", id: [16]byte{1, 2}, parts: []fetchPart{
				{partition: 0, hw: 10, lso: 10, logStart: 1, abortedNull: true,
					rr: &engine.ReadResult{Ranges: []engine.FileRange{{File: f, Offset: 100, Length: 1000}, {File: f, Offset: 3000, Length: 7}}}},
				{partition: 1, errCode: 1, hw: -1, lso: -1, logStart: -1, abortedNull: true},
				{partition: 2, hw: 5, lso: 5, preferred: &two},
			}},
			{name: "bb", id: [16]byte{3}, parts: []fetchPart{
				{partition: 7, hw: 3, rr: &engine.ReadResult{Ranges: []engine.FileRange{{File: f, Offset: 0, Length: 16}}}},
			}},
		}}
		chunks, total := a.encode()
		var out []byte
		for _, ch := range chunks {
			if ch.File != nil {
				b := make([]byte, ch.Len)
				if _, err := f.ReadAt(b, ch.Off); err != nil {
					t.Fatal(err)
				}
				out = append(out, b...)
			} else {
				out = append(out, ch.Mem...)
			}
		}
		if int64(len(out)) != total {
			t.Fatalf("v%d: total %d, chunks hold %d", v, total, len(out))
		}
		resp := kmsg.NewPtrFetchResponse()
		resp.SetVersion(v)
		if err := resp.ReadFrom(out); err != nil {
			t.Fatalf("v%d: kmsg decode: %v", v, err)
		}
		if len(resp.Topics) != 2 || len(resp.Topics[0].Partitions) != 3 {
			t.Fatalf("v%d: shape %+v", v, resp)
		}
		p0 := resp.Topics[0].Partitions[0]
		want := append(append([]byte{}, data[100:1100]...), data[3000:3007]...)
		if !bytes.Equal(p0.RecordBatches, want) || p0.HighWatermark != 10 {
			t.Fatalf("v%d: partition 0 = %+v", v, p0)
		}
		if p2 := resp.Topics[0].Partitions[2]; v >= 11 && (p2.PreferredReadReplica != 2 || p0.PreferredReadReplica != -1) {
			t.Fatalf("v%d: preferred read replicas %d, %d; want -1, 2", v, p0.PreferredReadReplica, p2.PreferredReadReplica)
		}
		p1 := resp.Topics[0].Partitions[1]
		if p1.ErrorCode != 1 || len(p1.RecordBatches) != 0 {
			t.Fatalf("v%d: partition 1 = %+v", v, p1)
		}
		if p := resp.Topics[1].Partitions[0]; !bytes.Equal(p.RecordBatches, data[:16]) || p.Partition != 7 {
			t.Fatalf("v%d: topic 1 = %+v", v, p)
		}
		if v >= 13 && resp.Topics[1].TopicID != [16]byte{3} {
			t.Fatalf("v%d: topic id %x", v, resp.Topics[1].TopicID)
		}
		if v < 13 && resp.Topics[1].Topic != "bb" {
			t.Fatalf("v%d: topic %q", v, resp.Topics[1].Topic)
		}
	}
}

// TestFetchEncodeDivergingEpoch: a partition with a diverging epoch
// carries it in tag 0 at v12+ (kmsg reads it back); others keep the
// default {-1, -1}.
func TestFetchEncodeDivergingEpoch(t *testing.T) {
	for v := int16(12); v <= 16; v++ {
		a := fetchAnswer{version: v, topics: []fetchTopic{{name: "a", id: [16]byte{1}, parts: []fetchPart{
			{partition: 0, hw: 10, lso: 10, logStart: 0, abortedNull: true, diverging: &cluster.EpochEndOffset{Epoch: 3, EndOffset: 42}},
			{partition: 1, hw: 10, lso: 10, abortedNull: true},
		}}}}
		chunks, total := a.encode()
		var out []byte
		for _, ch := range chunks {
			out = append(out, ch.Mem...)
		}
		if int64(len(out)) != total {
			t.Fatalf("v%d: total %d, chunks hold %d", v, total, len(out))
		}
		resp := kmsg.NewPtrFetchResponse()
		resp.SetVersion(v)
		if err := resp.ReadFrom(out); err != nil {
			t.Fatalf("v%d: kmsg decode: %v", v, err)
		}
		ps := resp.Topics[0].Partitions
		if d := ps[0].DivergingEpoch; d.Epoch != 3 || d.EndOffset != 42 || len(ps[0].RecordBatches) != 0 {
			t.Fatalf("v%d: partition 0 = %+v", v, ps[0])
		}
		if d := ps[1].DivergingEpoch; d.Epoch != -1 || d.EndOffset != -1 {
			t.Fatalf("v%d: partition 1 diverging = %+v", v, d)
		}
	}
}

package record

import (
	"bytes"
	"encoding/hex"
	"strings"
	"testing"
)

// goldenBatch is one record (key "k", value "v", CreateTime
// 1700000000000, no headers, no producer) encoded by hand from the Kafka
// protocol guide, its CRC-32C computed by a separate bit-by-bit
// implementation. If this test fails, the on-disk format changed.
const goldenBatch = `
0000000000000000 baseOffset 0
0000003a         batchLength 58
ffffffff         partitionLeaderEpoch -1
02               magic
e99b8dd8         crc
0000             attributes
00000000         lastOffsetDelta
0000018bcfe56800 firstTimestamp
0000018bcfe56800 maxTimestamp
ffffffffffffffff producerId -1
ffff             producerEpoch -1
ffffffff         baseSequence -1
00000001         recordCount
10               record length 8 (zig-zag)
00               attributes
00               timestampDelta
00               offsetDelta
02 6b            key length 1, "k"
02 76            value length 1, "v"
00               header count
`

func parseGolden(t *testing.T, s string) []byte {
	var hexDigits strings.Builder
	for _, line := range strings.Split(s, "\n") {
		for _, f := range strings.Fields(line) {
			if _, err := hex.DecodeString(f); err != nil || len(f)%2 != 0 {
				break // the rest of the line is a comment
			}
			hexDigits.WriteString(f)
		}
	}
	b, err := hex.DecodeString(hexDigits.String())
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestGoldenEncoding(t *testing.T) {
	want := parseGolden(t, goldenBatch)
	if len(want) != 70 {
		t.Fatalf("golden parse: %d bytes", len(want))
	}
	b := NewBuilder(DefaultBuilderOptions())
	b.Add([]byte("k"), []byte("v"), 1700000000000)
	if got := b.Build(); !bytes.Equal(got, want) {
		t.Fatalf("Builder output changed:\ngot  %x\nwant %x", got, want)
	}
	if !CRCValid(want) {
		t.Fatal("CRC-32C disagrees with the independent computation")
	}
	var v Validator
	h, err := v.Validate(want, &ValidateOptions{NowMs: 1700000000000})
	if err != nil || h.Length != 58 || h.NumRecords != 1 || h.FirstTimestamp != 1700000000000 {
		t.Fatalf("%+v %v", h, err)
	}
}

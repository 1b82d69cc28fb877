package cli

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kgo"
)

func TestFormat(t *testing.T) {
	r := &kgo.Record{
		Topic: "t", Partition: 2, Offset: 41, Key: []byte("k1"), Value: []byte("a b\tc"),
		Timestamp: time.UnixMilli(1700000000123),
		Headers:   []kgo.RecordHeader{{Key: "h1", Value: []byte("x")}, {Key: "h2", Value: []byte("")}},
	}
	for _, tc := range []struct{ tmpl, want string }{
		{DefaultFormat, "a b\tc\n"},
		{`%k=%v`, "k1=a b\tc"},
		{`%T/%p@%o %t [%h] 100%%\t|\x`, "t/2@41 1700000000123 [h1=x,h2=] 100%\t|\\x"},
	} {
		f, err := ParseFormat(tc.tmpl)
		if err != nil {
			t.Fatalf("%q: %v", tc.tmpl, err)
		}
		if got := string(f.Append(nil, r)); got != tc.want {
			t.Errorf("%q: got %q want %q", tc.tmpl, got, tc.want)
		}
	}
	for _, bad := range []string{"%x", "abc%"} {
		if _, err := ParseFormat(bad); err == nil {
			t.Errorf("%q accepted", bad)
		}
	}
}

func TestToJSON(t *testing.T) {
	r := &kgo.Record{Topic: "t", Value: []byte{0xff, 0x00}, Headers: []kgo.RecordHeader{{Key: "h", Value: []byte("v")}}}
	b, err := json.Marshal(ToJSON(r))
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]any
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatal(err)
	}
	if m["key"] != nil || m["value"] != nil || m["value_base64"] != "/wA=" {
		t.Errorf("got %s", b)
	}
	if hs := m["headers"].([]any); len(hs) != 1 || hs[0].(map[string]any)["value"] != "v" {
		t.Errorf("headers %s", b)
	}
}

func TestParseKVAndTimestamp(t *testing.T) {
	m, err := ParseKV([]string{"a=1", "b==2", "c="})
	if err != nil || m["a"] != "1" || m["b"] != "=2" || m["c"] != "" {
		t.Fatalf("ParseKV = %v, %v", m, err)
	}
	for _, bad := range []string{"novalue", "=x", ""} {
		if _, err := ParseKV([]string{bad}); err == nil {
			t.Errorf("ParseKV(%q) accepted", bad)
		}
	}
	if ms, err := ParseTimestamp("2023-11-14T22:13:20Z"); err != nil || ms != 1700000000000 {
		t.Errorf("RFC 3339: %d %v", ms, err)
	}
	if ms, err := ParseTimestamp("1700000000000"); err != nil || ms != 1700000000000 {
		t.Errorf("ms: %d %v", ms, err)
	}
	if _, err := ParseTimestamp("yesterday"); err == nil {
		t.Error("accepted yesterday")
	}
}

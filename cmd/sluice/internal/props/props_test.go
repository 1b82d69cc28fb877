package props

import (
	"strings"
	"testing"
)

func TestParse(t *testing.T) {
	in := `# comment
! also a comment
broker.id=1
listeners = PLAINTEXT://127.0.0.1:9092
log.dirs: /a,/b
num.partitions 3
long.value = one \
    two
escaped\=key=v\u0041
empty=
`
	got, err := Parse(strings.NewReader(in))
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]string{
		"broker.id":      "1",
		"listeners":      "PLAINTEXT://127.0.0.1:9092",
		"log.dirs":       "/a,/b",
		"num.partitions": "3",
		"long.value":     "one two",
		"escaped=key":    "vA",
		"empty":          "",
	}
	if len(got) != len(want) {
		t.Fatalf("got %d keys %v, want %d", len(got), got, len(want))
	}
	for k, v := range want {
		if got[k] != v {
			t.Errorf("%q = %q, want %q", k, got[k], v)
		}
	}
}

func TestParseErrors(t *testing.T) {
	for _, in := range []string{"=novalue\n", "k=\\u12\n", "k=\\uzzzz\n"} {
		if _, err := Parse(strings.NewReader(in)); err == nil {
			t.Errorf("Parse(%q): want error", in)
		}
	}
}

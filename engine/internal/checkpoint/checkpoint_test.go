package checkpoint

import (
	"path/filepath"
	"reflect"
	"testing"

	"sluice/engine/vfs"
)

func TestOffsetsRoundTrip(t *testing.T) {
	in := []Offset{{"orders", 0, 1234}, {"a.b-c_d", 17, 0}, {"x", 2147483647, 9223372036854775807}}
	data := FormatOffsets(in)
	if string(data[:4]) != "0\n3\n" {
		t.Fatalf("header %q", data[:4])
	}
	out, err := ParseOffsets(data)
	if err != nil || !reflect.DeepEqual(in, out) {
		t.Fatalf("got %v %v", out, err)
	}
	path := filepath.Join(t.TempDir(), "recovery-point-offset-checkpoint")
	if err := Write(vfs.Default, path, data); err != nil {
		t.Fatal(err)
	}
	back, err := Read(vfs.Default, path)
	if err != nil || string(back) != string(data) {
		t.Fatalf("read back %q %v", back, err)
	}
}

func TestParseRejects(t *testing.T) {
	for _, s := range []string{"", "0\n", "1\n0\n", "0\n1\n", "0\n1\nt 0\n", "0\n1\nt x 1\n", "0\n2\nt 0 1\n",
		"0\n1\nt 0 1", "0\n1\n 0 1\n"} {
		if _, err := ParseOffsets([]byte(s)); err == nil {
			t.Errorf("ParseOffsets(%q) accepted", s)
		}
	}
	if _, err := ParseEpochs([]byte("0\n1\n3\n")); err == nil {
		t.Error("ParseEpochs accepted a one-field line")
	}
	e, err := ParseEpochs([]byte("0\n2\n0 0\n3 1200\n"))
	if err != nil || !reflect.DeepEqual(e, []Epoch{{0, 0}, {3, 1200}}) {
		t.Fatalf("%v %v", e, err)
	}
}

func FuzzParseOffsets(f *testing.F) {
	f.Add([]byte("0\n2\norders 0 1234\norders 1 99\n"))
	f.Add([]byte("0\n0\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		out, err := ParseOffsets(data)
		if err != nil {
			return
		}
		again, err := ParseOffsets(FormatOffsets(out))
		if err != nil || !reflect.DeepEqual(out, again) && len(out) > 0 {
			t.Fatalf("round trip: %v %v", again, err)
		}
	})
}

func FuzzParseEpochs(f *testing.F) {
	f.Add([]byte("0\n2\n0 0\n3 1200\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		out, err := ParseEpochs(data)
		if err != nil {
			return
		}
		again, err := ParseEpochs(FormatEpochs(out))
		if err != nil || !reflect.DeepEqual(out, again) && len(out) > 0 {
			t.Fatalf("round trip: %v %v", again, err)
		}
	})
}

package obs

import (
	"bytes"
	"encoding/json"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestLoggerJSONToConsole(t *testing.T) {
	var buf bytes.Buffer
	l, c, err := NewLogger(LogOptions{Format: "json", Stderr: &buf})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	Component(l, ComponentServer).Info("started", "port", 9092)
	var m map[string]any
	if err := json.Unmarshal(buf.Bytes(), &m); err != nil {
		t.Fatalf("not JSON: %q: %v", buf.String(), err)
	}
	if m["component"] != "server" || m["msg"] != "started" || m["port"] != float64(9092) {
		t.Errorf("record %v", m)
	}
}

func TestLoggerBadFormat(t *testing.T) {
	if _, _, err := NewLogger(LogOptions{Format: "xml"}); err == nil {
		t.Fatal("accepted format xml")
	}
}

func TestLoggerFilesPerComponent(t *testing.T) {
	dir := t.TempDir()
	var console bytes.Buffer
	l, c, err := NewLogger(LogOptions{FilesDir: dir, Stderr: &console, Level: slog.LevelDebug})
	if err != nil {
		t.Fatal(err)
	}
	Component(l, ComponentServer).Info("server up")
	Component(l, ComponentStateChange).Info("partition online", "topic", "t", "partition", 0)
	Component(l, ComponentController).With("epoch", 3).Info("elected")
	l.Info("no component")
	// The protocol layer's request log: debug level, component request.
	Component(l, ComponentRequest).Debug("request", "api", "Produce", "error", "NONE")
	if err := c.Close(); err != nil {
		t.Fatal(err)
	}
	read := func(name string) string {
		b, err := os.ReadFile(filepath.Join(dir, name))
		if err != nil {
			t.Fatal(err)
		}
		return string(b)
	}
	checks := []struct {
		file, want, notWant string
	}{
		{"server.log", "server up", "partition online"},
		{"server.log", "no component", "elected"},
		{"state-change.log", "partition online", "server up"},
		{"controller.log", "epoch=3", "server up"},
		{"request.log", "api=Produce", "server up"},
	}
	for _, ck := range checks {
		got := read(ck.file)
		if !strings.Contains(got, ck.want) || strings.Contains(got, ck.notWant) {
			t.Errorf("%s = %q; want %q and not %q", ck.file, got, ck.want, ck.notWant)
		}
	}
	if !strings.Contains(read("request.log"), "error=NONE") {
		t.Error("request log lacks error name")
	}
	// The console gets server records only, like Kafka's stdout appender.
	if s := console.String(); !strings.Contains(s, "server up") || strings.Contains(s, "partition online") || strings.Contains(s, "elected") {
		t.Errorf("console = %q", s)
	}
}

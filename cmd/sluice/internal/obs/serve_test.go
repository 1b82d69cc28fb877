package obs

import (
	"strings"
	"testing"
)

func TestServeProfiles(t *testing.T) {
	srv, err := Serve("127.0.0.1:0", NewMetrics(), func() (bool, string) { return true, "" })
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	code, body := scrape(t, srv, "/debug/pprof/")
	if code != 200 || !strings.Contains(body, "goroutine") {
		t.Fatalf("/debug/pprof/: %d %.200q", code, body)
	}
	if code, _ := scrape(t, srv, "/debug/pprof/heap"); code != 200 {
		t.Fatalf("/debug/pprof/heap: %d", code)
	}
}

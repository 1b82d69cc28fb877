package obs

import (
	"bufio"
	"io"
	"math"
	"net/http"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

// scrape GETs path from srv and returns the status and body.
func scrape(t *testing.T, srv *Server, path string) (int, string) {
	t.Helper()
	resp, err := http.Get("http://" + srv.Addr().String() + path)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp.StatusCode, string(b)
}

// value finds the sample whose name-and-labels part is exactly series.
func value(t *testing.T, body, series string) float64 {
	t.Helper()
	sc := bufio.NewScanner(strings.NewReader(body))
	for sc.Scan() {
		name, v, ok := strings.Cut(sc.Text(), " ")
		if ok && name == series {
			f, err := strconv.ParseFloat(v, 64)
			if err != nil {
				t.Fatalf("%s: %v", series, err)
			}
			return f
		}
	}
	t.Fatalf("series %s not in scrape", series)
	return 0
}

func TestMetricsScrape(t *testing.T) {
	m := NewMetrics()
	srv, err := Serve("127.0.0.1:0", m, func() (bool, string) { return true, "" })
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()

	m.BytesIn("orders", 1000)
	m.BytesIn("orders", 24)
	m.MessagesIn("orders", 7)
	m.BytesOut("orders", 300)
	m.ObserveRequest(0, 9, 1100, 3*time.Millisecond, 0)
	m.ObserveRequest(0, 9, 900, 40*time.Millisecond, 0)
	m.ObserveRequest(1, 12, 80, time.Millisecond, 3)
	m.RequestErrors(0, 0, 2)
	m.RequestErrors(1, 3, 4)
	m.ConnOpened()
	m.ConnOpened()
	m.ConnClosed()
	m.LogFlush(2 * time.Millisecond)
	m.FetchWait(500*time.Millisecond, false)
	m.SetStateFunc(func(s *State) {
		s.Partitions, s.UnderReplicated = 3, 1
		s.PurgatorySize = map[string]int{"Fetch": 2}
		s.LogSizes = []PartitionSize{{"orders", 0, 4096}}
		s.Groups = 1
		s.GroupLags = []GroupLag{{"g1", "orders", 0, 17}}
		s.LogDirs = []LogDirState{{Path: "/a", Full: true, ReservedBytes: 4096}, {Path: "/b", Offline: true}}
		s.CorruptReads = 3
		s.LeaderReplicationBytes, s.FollowerReplicationBytes = 5000, 6000
	})

	code, body := scrape(t, srv, "/metrics")
	if code != 200 {
		t.Fatalf("/metrics: %d", code)
	}
	for series, want := range map[string]float64{
		`kafka_server_brokertopicmetrics_bytesin_total{topic="orders"}`:                                 1024,
		`kafka_server_brokertopicmetrics_messagesin_total{topic="orders"}`:                              7,
		`kafka_server_brokertopicmetrics_bytesout_total{topic="orders"}`:                                300,
		`kafka_network_requestmetrics_requests_total{request="Produce",version="9"}`:                    2,
		`kafka_network_requestmetrics_requests_total{request="Fetch",version="12"}`:                     1,
		`kafka_network_requestmetrics_requestbytes_total{request="Produce"}`:                            2000,
		`kafka_network_requestmetrics_errors_total{error="NONE",request="Produce"}`:                     2,
		`kafka_network_requestmetrics_errors_total{error="UNKNOWN_TOPIC_OR_PARTITION",request="Fetch"}`: 4,
		`kafka_network_requestmetrics_totaltime_seconds_count{request="Produce"}`:                       2,
		`kafka_network_requestmetrics_totaltime_seconds_sum{request="Produce"}`:                         0.043,
		`kafka_network_requestmetrics_totaltime_seconds_bucket{request="Produce",le="+Inf"}`:            2,
		`kafka_server_socketservermetrics_connection_count`:                                             1,
		`kafka_log_logflushstats_logflushtime_seconds_count`:                                            1,
		`kafka_server_delayedfetchmetrics_waits_total{outcome="expired"}`:                               1,
		`kafka_server_replicamanager_partitioncount`:                                                    3,
		`kafka_server_replicamanager_underreplicatedpartitions`:                                         1,
		`kafka_server_delayedoperationpurgatory_purgatorysize{delayedoperation="Fetch"}`:                2,
		`kafka_log_log_size{partition="0",topic="orders"}`:                                              4096,
		`kafka_coordinator_group_groupmetadatamanager_numgroups`:                                        1,
		`kafka_consumergroup_lag{group="g1",partition="0",topic="orders"}`:                              17,
	} {
		if got := value(t, body, series); math.Abs(got-want) > 1e-9 {
			t.Errorf("%s = %v, want %v", series, got, want)
		}
	}
	// The 3 ms request falls in a bucket at or below 4 ms, the 40 ms one
	// does not: the histogram is populated, not just counted.
	if got := value(t, body, `kafka_network_requestmetrics_totaltime_seconds_bucket{request="Produce",le="0.00390625"}`); got != 1 {
		t.Errorf("Produce requests <= 3.9ms: %v, want 1", got)
	}
	for series, want := range map[string]float64{`sluice_log_dir_full{dir="/a"}`: 1, `sluice_log_dir_full{dir="/b"}`: 0,
		`sluice_log_dir_reserved_bytes{dir="/a"}`: 4096, "kafka_log_logmanager_offlinelogdirectorycount": 1,
		"sluice_log_corrupt_reads_total": 3, "kafka_server_leaderreplication_bytes_total": 5000,
		"kafka_server_followerreplication_bytes_total": 6000} {
		if got := value(t, body, series); got != want {
			t.Errorf("%s = %v, want %v", series, got, want)
		}
	}
	if !strings.Contains(body, "go_goroutines ") || !strings.Contains(body, "process_start_time_seconds ") {
		t.Error("Go runtime or process collector missing")
	}
}

func TestHealthAndReadiness(t *testing.T) {
	var ready atomic.Bool
	var degraded atomic.Pointer[string]
	srv, err := Serve("127.0.0.1:0", NewMetrics(), func() (bool, string) {
		if !ready.Load() {
			return false, "not ready"
		}
		if d := degraded.Load(); d != nil {
			return false, *d
		}
		return true, ""
	})
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	if code, _ := scrape(t, srv, "/healthz"); code != 200 {
		t.Errorf("/healthz: %d", code)
	}
	if code, body := scrape(t, srv, "/readyz"); code != 503 || !strings.Contains(body, "not ready") {
		t.Errorf("/readyz before ready: %d %q", code, body)
	}
	ready.Store(true)
	if code, body := scrape(t, srv, "/readyz"); code != 200 || body != "ready\n" {
		t.Errorf("/readyz after ready: %d %q", code, body)
	}
	why := "degraded: log dir /data is full"
	degraded.Store(&why)
	if code, body := scrape(t, srv, "/readyz"); code != 503 || !strings.Contains(body, why) {
		t.Errorf("/readyz degraded: %d %q", code, body)
	}
}

func TestServeDisabled(t *testing.T) {
	srv, err := Serve("", NewMetrics(), nil)
	if err != nil || srv != nil {
		t.Fatalf("Serve(\"\") = %v, %v; want nil, nil", srv, err)
	}
	if srv.Addr() != nil || srv.Close() != nil {
		t.Error("nil server methods")
	}
}

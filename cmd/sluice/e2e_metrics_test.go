package main

import (
	"bufio"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// metricValue returns the value of the sample named exactly series (name
// and labels as the text format prints them), or -1.
func metricValue(body, series string) float64 {
	sc := bufio.NewScanner(strings.NewReader(body))
	for sc.Scan() {
		if name, v, ok := strings.Cut(sc.Text(), " "); ok && name == series {
			f, err := strconv.ParseFloat(v, 64)
			if err == nil {
				return f
			}
		}
	}
	return -1
}

func TestE2EMetricsAfterTraffic(t *testing.T) {
	needBroker(t)
	if e2e.metrics == "" {
		t.Skip("external broker: metrics listener unknown")
	}
	base := "http://" + e2e.metrics
	if code, _ := httpGet(t, base+"/healthz"); code != 200 {
		t.Errorf("/healthz: %d", code)
	}
	if code, body := httpGet(t, base+"/readyz"); code != 200 {
		t.Errorf("/readyz on a running broker: %d %q", code, body)
	}
	topic := newTopic(t)
	ok(t, "", "topic", "create", topic, "-p", "1")
	_, before := httpGet(t, base+"/metrics")
	produceSeries := `kafka_network_requestmetrics_requests_total{request="Produce",version=`
	producesBefore := sumPrefix(before, produceSeries)

	// 20 records of 50 bytes in one uncompressed batch.
	in := strings.Repeat(strings.Repeat("m", 50)+"\n", 20)
	ok(t, in, "produce", topic, "--acks", "1")
	_, after := httpGet(t, base+"/metrics")
	if got := metricValue(after, `kafka_server_brokertopicmetrics_messagesin_total{topic="`+topic+`"}`); got != 20 {
		t.Errorf("messagesin for %s = %v, want 20", topic, got)
	}
	// Bytes in counts the batches as appended: exactly what the segment holds.
	seg, err := os.Stat(filepath.Join(e2e.logDir, topic+"-0", "00000000000000000000.log"))
	if err != nil {
		t.Fatal(err)
	}
	if got := metricValue(after, `kafka_server_brokertopicmetrics_bytesin_total{topic="`+topic+`"}`); got != float64(seg.Size()) {
		t.Errorf("bytesin for %s = %v, want the segment's %d bytes", topic, got, seg.Size())
	}
	if got := metricValue(after, `kafka_log_log_size{partition="0",topic="`+topic+`"}`); got != float64(seg.Size()) {
		t.Errorf("log size gauge for %s-0 = %v, want %d", topic, got, seg.Size())
	}
	if got := metricValue(after, "kafka_server_replicamanager_partitioncount"); got < 1 {
		t.Errorf("partition count = %v", got)
	}
	if d := sumPrefix(after, produceSeries) - producesBefore; d < 1 {
		t.Errorf("Produce requests counter moved by %v", d)
	}
	if got := metricValue(after, `kafka_network_requestmetrics_totaltime_seconds_count{request="Produce"}`); got < 1 {
		t.Errorf("Produce latency histogram count = %v", got)
	}
	ok(t, "", "consume", topic, "-o", "earliest", "-e")
	_, after = httpGet(t, base+"/metrics")
	if got := metricValue(after, `kafka_server_brokertopicmetrics_bytesout_total{topic="`+topic+`"}`); got < 1000 {
		t.Errorf("bytesout for %s = %v, want >= 1000", topic, got)
	}
	for _, name := range []string{"go_goroutines", "process_resident_memory_bytes", "kafka_server_replicamanager_partitioncount"} {
		if metricValue(after, name) < 0 {
			t.Errorf("%s missing", name)
		}
	}
}

// sumPrefix sums every sample whose series starts with prefix.
func sumPrefix(body, prefix string) float64 {
	var s float64
	sc := bufio.NewScanner(strings.NewReader(body))
	for sc.Scan() {
		if strings.HasPrefix(sc.Text(), prefix) {
			if _, v, ok := strings.Cut(sc.Text(), "} "); ok {
				f, _ := strconv.ParseFloat(v, 64)
				s += f
			}
		}
	}
	return s
}

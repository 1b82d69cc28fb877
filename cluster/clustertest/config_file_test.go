package clustertest

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kgo"
)

// seedProperties is a server.properties in the style of the 2016-era
// guides (seed 004): host.name and port, which Kafka removed in 3.0 (in
// favour of listeners) and Sluice maps to listeners with a warning; a
// misspelled message.max.byte; thread and socket settings; num.partitions
// and default.replication.factor for auto-created topics.
const seedProperties = `# The id of the broker. This must be set to a unique integer for each broker.
broker.id=%[1]d
port=%[2]d
host.name=127.0.0.1
num.network.threads=3
num.io.threads=8
socket.send.buffer.bytes=102400
socket.receive.buffer.bytes=102400
socket.request.max.bytes=104857600
log.dirs=%[3]s
num.partitions=2
log.retention.hours=168
message.max.byte=5242880
default.replication.factor=2
replica.fetch.max.bytes=5242880
log.segment.bytes=1073741824
log.retention.check.interval.ms=300000
log.cleaner.enable=false
zookeeper.connect=%[4]s
zookeeper.connection.timeout.ms=6000
zookeeper.session.timeout.ms=6000
sluice.metrics.listener=%[5]s
`

// TestServerPropertiesFile: a broker started with only `--config
// server.properties` (seed 004's keys) joins a cluster as its third
// member listening where host.name and port say (with a warning that
// Kafka 3.0 removed them), warns about the misspelled key, and
// auto-creates topics with the file's num.partitions and
// default.replication.factor.
func TestServerPropertiesFile(t *testing.T) {
	c := startCluster(t, 2, nil)
	dir := t.TempDir()
	b := NewBroker(binary(t), 2, filepath.Join(dir, "kafkalogs"), nil)
	port := b.Addr[strings.LastIndexByte(b.Addr, ':')+1:]
	file := filepath.Join(dir, "server.properties")
	var portN int
	fmt.Sscan(port, &portN)
	if err := os.WriteFile(file, fmt.Appendf(nil, seedProperties, b.ID, portN, b.Dir, c.Connect, b.Metrics), 0o644); err != nil {
		t.Fatal(err)
	}
	b.ConfigFile = file
	if err := b.Start(); err != nil {
		t.Fatal(err)
	}
	c.Brokers = append(c.Brokers, b) // stopped by the cluster's cleanup
	c.waitBrokers(3, 30*time.Second)
	out := b.Output()
	for _, want := range []string{"The configuration 'message.max.byte' was supplied but isn't a known config.",
		"host.name/port are deprecated (removed in Kafka 3.0): using listeners=PLAINTEXT://127.0.0.1:" + port} {
		if !strings.Contains(out, want) {
			t.Errorf("no %q in the broker's output:\n%s", want, tail(out, 3000))
		}
	}

	// Auto-creation through the file's broker uses its defaults.
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	cl, err := kgo.NewClient(kgo.SeedBrokers(b.Addr), kgo.RequiredAcks(kgo.AllISRAcks()),
		kgo.DefaultProduceTopic("from-file"), kgo.AllowAutoTopicCreation())
	if err != nil {
		t.Fatal(err)
	}
	defer cl.Close()
	const n = 200
	for i := range n {
		cl.Produce(ctx, &kgo.Record{Key: []byte(fmt.Sprint(i)), Value: []byte(fmt.Sprint(i))}, nil)
	}
	if err := cl.Flush(ctx); err != nil {
		t.Fatal(err)
	}
	adm := kadm.NewClient(cl)
	td := c.waitTopic(adm, "from-file", 2, 30*time.Second)
	if len(td.Partitions) != 2 {
		t.Errorf("from-file has %d partitions, want num.partitions=2", len(td.Partitions))
	}
	for _, p := range td.Partitions {
		if len(p.Replicas) != 2 {
			t.Errorf("from-file-%d replicas %v, want default.replication.factor=2", p.Partition, p.Replicas)
		}
	}
	reads, err := ReadAll(ctx, c.Seeds(), "from-file")
	if err != nil {
		t.Fatal(err)
	}
	if len(reads) != n {
		t.Fatalf("read %d records back, want %d", len(reads), n)
	}
}

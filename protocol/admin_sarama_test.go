//lint:file-ignore SA1019 DescribeConfig (single resource) is the call older sarama users still make

package protocol

// IBM/sarama's ClusterAdmin against the admin APIs: create (with configs,
// invalid input), describe and alter configs, partitions, delete records,
// delete topics, describe cluster and log dirs.

import (
	"errors"
	"testing"

	"github.com/IBM/sarama"
)

func TestAdminSaramaClusterAdmin(t *testing.T) {
	b := startTestBroker(t, "", nil)
	cfg := sarama.NewConfig()
	cfg.Version = sarama.V3_6_0_0
	adm, err := sarama.NewClusterAdmin([]string{b.Addr().String()}, cfg)
	if err != nil {
		t.Fatal(err)
	}
	defer adm.Close()
	str := func(s string) *string { return &s }

	if err := adm.CreateTopic("sa", &sarama.TopicDetail{NumPartitions: 2, ReplicationFactor: 1,
		ConfigEntries: map[string]*string{"retention.ms": str("3600000")}}, false); err != nil {
		t.Fatal(err)
	}
	if info, ok := b.Node().Topic("sa"); !ok || len(info.Partitions) != 2 || info.Configs["retention.ms"] != "3600000" {
		t.Fatalf("created %+v", info)
	}
	// Refusals, as sarama reports them (*TopicError with Kafka's code and message).
	refusals := []struct {
		name   string
		detail sarama.TopicDetail
		code   sarama.KError
		msg    string
	}{
		{"sa", sarama.TopicDetail{NumPartitions: 1, ReplicationFactor: 1}, sarama.ErrTopicAlreadyExists, "Topic 'sa' already exists."},
		{"bad/name", sarama.TopicDetail{NumPartitions: 1, ReplicationFactor: 1}, sarama.ErrInvalidTopic, ""},
		{"rf3", sarama.TopicDetail{NumPartitions: 1, ReplicationFactor: 3}, sarama.ErrInvalidReplicationFactor, "Replication factor: 3 larger than available brokers: 1."},
		{"p0", sarama.TopicDetail{NumPartitions: 0, ReplicationFactor: 1}, sarama.ErrInvalidPartitions, ""},
		{"cfg", sarama.TopicDetail{NumPartitions: 1, ReplicationFactor: 1, ConfigEntries: map[string]*string{"max.message.bytes": str("-1")}}, sarama.ErrInvalidConfig, ""},
	}
	for _, r := range refusals {
		err := adm.CreateTopic(r.name, &r.detail, false)
		var te *sarama.TopicError
		if !errors.As(err, &te) || te.Err != r.code || te.ErrMsg == nil || (r.msg != "" && *te.ErrMsg != r.msg) {
			t.Errorf("create %s: %v, want %v %q", r.name, err, r.code, r.msg)
		}
	}
	// validate-only creates nothing.
	if err := adm.CreateTopic("dry", &sarama.TopicDetail{NumPartitions: 1, ReplicationFactor: 1}, true); err != nil {
		t.Fatal(err)
	}
	if _, ok := b.Node().Topic("dry"); ok {
		t.Fatal("validate-only created a topic")
	}

	entries, err := adm.DescribeConfig(sarama.ConfigResource{Type: sarama.TopicResource, Name: "sa"})
	if err != nil {
		t.Fatal(err)
	}
	var override, dflt bool
	for _, e := range entries {
		switch e.Name {
		case "retention.ms":
			override = e.Value == "3600000" && e.Source == sarama.SourceTopic && !e.Default
		case "compression.type":
			dflt = e.Value == "producer" && e.Source == sarama.SourceDefault && e.Default
		}
	}
	if !override || !dflt {
		t.Fatalf("describe configs: override %v default %v in %d entries", override, dflt, len(entries))
	}
	if _, err := adm.DescribeConfig(sarama.ConfigResource{Type: sarama.TopicResource, Name: "nosuch"}); !errors.Is(err, sarama.ErrUnknownTopicOrPartition) {
		t.Errorf("describe unknown topic: %v", err)
	}
	brokerEntries, err := adm.DescribeConfig(sarama.ConfigResource{Type: sarama.BrokerResource, Name: "0"})
	if err != nil || len(brokerEntries) < 50 {
		t.Fatalf("broker configs: %v, %d entries", err, len(brokerEntries))
	}

	if err := adm.IncrementalAlterConfig(sarama.TopicResource, "sa", map[string]sarama.IncrementalAlterConfigsEntry{
		"segment.ms": {Operation: sarama.IncrementalAlterConfigsOperationSet, Value: str("60000")},
	}, false); err != nil {
		t.Fatal(err)
	}
	if err := adm.AlterConfig(sarama.TopicResource, "sa", map[string]*string{"retention.ms": str("1000")}, false); err != nil {
		t.Fatal(err)
	}
	if info, _ := b.Node().Topic("sa"); info.Configs["retention.ms"] != "1000" || info.Configs["segment.ms"] != "" {
		t.Fatalf("after legacy alter (full replace): %v", info.Configs)
	}
	if err := adm.AlterConfig(sarama.TopicResource, "sa", map[string]*string{"retention.ms": str("x")}, false); !errors.Is(err, sarama.ErrInvalidConfig) {
		t.Errorf("alter with a bad value: %v", err)
	}

	if err := adm.CreatePartitions("sa", 4, nil, false); err != nil {
		t.Fatal(err)
	}
	if err := adm.CreatePartitions("sa", 3, nil, false); !errors.Is(err, sarama.ErrInvalidPartitions) {
		t.Errorf("shrink: %v", err)
	}

	prodCfg := sarama.NewConfig()
	prodCfg.Version = sarama.V3_6_0_0
	prodCfg.Producer.Return.Successes = true
	prodCfg.Producer.Partitioner = sarama.NewManualPartitioner
	prod, err := sarama.NewSyncProducer([]string{b.Addr().String()}, prodCfg)
	if err != nil {
		t.Fatal(err)
	}
	defer prod.Close()
	for range 5 {
		if _, _, err := prod.SendMessage(&sarama.ProducerMessage{Topic: "sa", Partition: 0, Value: sarama.StringEncoder("v")}); err != nil {
			t.Fatal(err)
		}
	}
	if err := adm.DeleteRecords("sa", map[int32]int64{0: 3}); err != nil {
		t.Fatal(err)
	}
	if l, _ := b.Engine().Log(adminTP("sa", 0)); l.LogStartOffset() != 3 {
		t.Fatalf("log start after DeleteRecords: %d", l.LogStartOffset())
	}

	brokers, controller, err := adm.DescribeCluster()
	if err != nil || len(brokers) != 1 || controller != b.Node().NodeID() || brokers[0].ID() != b.Node().NodeID() {
		t.Fatalf("describe cluster: %v %v %d", err, brokers, controller)
	}
	dirs, err := adm.DescribeLogDirs([]int32{b.Node().NodeID()})
	if err != nil || len(dirs[b.Node().NodeID()]) != 1 {
		t.Fatalf("describe log dirs: %v %+v", err, dirs)
	}
	var size int64
	for _, tp := range dirs[b.Node().NodeID()][0].Topics {
		for _, p := range tp.Partitions {
			if tp.Topic == "sa" && p.PartitionID == 0 {
				size = p.Size
			}
		}
	}
	if l, _ := b.Engine().Log(adminTP("sa", 0)); size == 0 || size != l.Size() {
		t.Errorf("sa/0 size %d, engine %d", size, l.Size())
	}

	if err := adm.DeleteTopic("sa"); err != nil {
		t.Fatal(err)
	}
	if _, ok := b.Node().Topic("sa"); ok {
		t.Fatal("topic still there")
	}
	if err := adm.DeleteTopic("sa"); !errors.Is(err, sarama.ErrUnknownTopicOrPartition) {
		t.Errorf("delete twice: %v", err)
	}
}

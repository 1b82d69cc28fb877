package protocol

import (
	"context"
	"errors"
	"strconv"
	"strings"
	"testing"

	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kgo"
	"github.com/twmb/franz-go/pkg/kmsg"
)

// TestAdminAPIs drives the admin APIs with kadm.
func TestAdminAPIs(t *testing.T) {
	b := startTestBroker(t, "", nil)
	cl := newKgo(t, b)
	adm := kadm.NewClient(cl)
	ctx := context.Background()

	created, err := adm.CreateTopics(ctx, 2, 1, map[string]*string{"retention.ms": kmsg.StringPtr("3600000")}, "adm1")
	if err != nil || created["adm1"].Err != nil || created["adm1"].ID == [16]byte{} {
		t.Fatalf("create: %+v %v", created, err)
	}
	again, _ := adm.CreateTopics(ctx, 2, 1, nil, "adm1")
	if !errors.Is(again["adm1"].Err, kerr.TopicAlreadyExists) {
		t.Fatalf("create twice: %+v", again["adm1"])
	}
	bad, _ := adm.CreateTopics(ctx, 1, 1, nil, "bad name")
	if !errors.Is(bad["bad name"].Err, kerr.InvalidTopicException) {
		t.Fatalf("bad name: %+v", bad["bad name"])
	}
	rf, _ := adm.CreateTopics(ctx, 1, 3, nil, "rf3")
	if !errors.Is(rf["rf3"].Err, kerr.InvalidReplicationFactor) || !strings.Contains(rf["rf3"].ErrMessage, "larger than available brokers") {
		t.Fatalf("rf 3: %+v", rf["rf3"])
	}
	badCfg, _ := adm.CreateTopics(ctx, 1, 1, map[string]*string{"retention.ms": kmsg.StringPtr("soon")}, "badcfg")
	if !errors.Is(badCfg["badcfg"].Err, kerr.InvalidConfig) {
		t.Fatalf("bad config: %+v", badCfg["badcfg"])
	}

	rc, err := adm.DescribeTopicConfigs(ctx, "adm1")
	if err != nil {
		t.Fatal(err)
	}
	found := false
	for _, c := range rc[0].Configs {
		if c.Key == "retention.ms" {
			found = c.MaybeValue() == "3600000" && c.Source == kmsg.ConfigSourceDynamicTopicConfig
		}
	}
	if !found {
		t.Fatalf("retention.ms override not described: %+v", rc[0].Configs)
	}
	alter, err := adm.AlterTopicConfigs(ctx, []kadm.AlterConfig{{Name: "retention.ms", Value: kmsg.StringPtr("7200000")}}, "adm1")
	if err != nil || alter[0].Err != nil {
		t.Fatalf("incremental alter: %+v %v", alter, err)
	}
	rc, _ = adm.DescribeTopicConfigs(ctx, "adm1")
	if len(rc) == 0 || len(rc[0].Configs) == 0 {
		t.Fatal("no configs")
	}
	for _, c := range rc[0].Configs {
		if c.Key == "retention.ms" && c.MaybeValue() != "7200000" {
			t.Fatalf("after alter retention.ms = %s", c.MaybeValue())
		}
	}
	legacy, err := adm.AlterTopicConfigsState(ctx, []kadm.AlterConfig{{Name: "cleanup.policy", Value: kmsg.StringPtr("compact,delete")}}, "adm1") // DeleteRecords below needs "delete"
	if err != nil || legacy[0].Err != nil {
		t.Fatalf("legacy alter: %+v %v", legacy, err)
	}
	brokerCfg, err := adm.DescribeBrokerConfigs(ctx, b.Node().NodeID())
	if err != nil || brokerCfg[0].Err != nil || len(brokerCfg[0].Configs) < 50 {
		t.Fatalf("broker configs: %v %+v", err, brokerCfg)
	}

	if _, err := adm.CreatePartitions(ctx, 2, "adm1"); err != nil {
		t.Fatal(err)
	}
	shrink, _ := adm.UpdatePartitions(ctx, 1, "adm1")
	if !errors.Is(shrink["adm1"].Err, kerr.InvalidPartitions) {
		t.Fatalf("shrink: %+v", shrink["adm1"])
	}
	md, _ := adm.Metadata(ctx, "adm1")
	if n := len(md.Topics["adm1"].Partitions); n != 4 {
		t.Fatalf("partitions after growing by 2: %d", n)
	}

	prod := newKgo(t, b, kgo.DefaultProduceTopic("adm1"), kgo.RecordPartitioner(kgo.ManualPartitioner()))
	for i := range 10 {
		if err := prod.ProduceSync(ctx, &kgo.Record{Partition: 0, Key: []byte("k"), Value: []byte(strconv.Itoa(i))}).FirstErr(); err != nil {
			t.Fatal(err)
		}
	}
	offs := kadm.Offsets{}
	offs.Add(kadm.Offset{Topic: "adm1", Partition: 0, At: 4})
	del, err := adm.DeleteRecords(ctx, offs)
	if err != nil {
		t.Fatal(err)
	}
	if r, _ := del.Lookup("adm1", 0); r.Err != nil || r.LowWatermark != 4 {
		t.Fatalf("delete records: %+v", r)
	}

	dc, err := kmsg.NewPtrDescribeClusterRequest().RequestWith(ctx, cl)
	if err != nil || dc.ErrorCode != 0 || dc.ClusterID != b.Node().ClusterID() || len(dc.Brokers) != 1 || dc.Brokers[0].Port == 0 {
		t.Fatalf("describe cluster: %+v %v", dc, err)
	}
	dirs, err := adm.DescribeAllLogDirs(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	sized := false
	for _, perBroker := range dirs {
		for _, d := range perBroker {
			if p, ok := d.Topics["adm1"][0]; ok && p.Size > 0 && d.Err == nil && d.TotalBytes > 0 {
				sized = true
			}
		}
	}
	if !sized {
		t.Fatalf("log dirs: %+v", dirs)
	}

	dels, err := adm.DeleteTopics(ctx, "adm1", "nosuch")
	if err != nil {
		t.Fatal(err)
	}
	if dels["adm1"].Err != nil || !errors.Is(dels["nosuch"].Err, kerr.UnknownTopicOrPartition) {
		t.Fatalf("delete: %+v", dels)
	}
	if _, ok := b.Node().Topic("adm1"); ok {
		t.Fatal("topic still there after delete")
	}
}

package protocol

// segmentio/kafka-go's admin Client against the admin APIs.

import (
	"context"
	"errors"
	"testing"

	"github.com/segmentio/kafka-go"
)

func TestAdminKafkaGoClient(t *testing.T) {
	b := startTestBroker(t, "", nil)
	cl := &kafka.Client{Addr: kafka.TCP(b.Addr().String())}
	ctx := context.Background()

	cr, err := cl.CreateTopics(ctx, &kafka.CreateTopicsRequest{Topics: []kafka.TopicConfig{
		{Topic: "kg", NumPartitions: 2, ReplicationFactor: 1, ConfigEntries: []kafka.ConfigEntry{{ConfigName: "retention.ms", ConfigValue: "5000"}}},
		{Topic: "kg-rf3", NumPartitions: 1, ReplicationFactor: 3},
		{Topic: "kg bad", NumPartitions: 1, ReplicationFactor: 1},
	}})
	if err != nil {
		t.Fatal(err)
	}
	if cr.Errors["kg"] != nil || !errors.Is(cr.Errors["kg-rf3"], kafka.InvalidReplicationFactor) || !errors.Is(cr.Errors["kg bad"], kafka.InvalidTopic) {
		t.Fatalf("create: %v", cr.Errors)
	}

	dr, err := cl.DescribeConfigs(ctx, &kafka.DescribeConfigsRequest{Resources: []kafka.DescribeConfigRequestResource{
		{ResourceType: kafka.ResourceTypeTopic, ResourceName: "kg", ConfigNames: []string{"retention.ms", "cleanup.policy"}},
	}})
	if err != nil || len(dr.Resources) != 1 || dr.Resources[0].Error != nil || len(dr.Resources[0].ConfigEntries) != 2 {
		t.Fatalf("describe: %v %+v", err, dr)
	}
	for _, e := range dr.Resources[0].ConfigEntries {
		if e.ConfigName == "retention.ms" && (e.ConfigValue != "5000" || e.ConfigSource != 1) {
			t.Errorf("retention.ms: %+v", e)
		}
		if e.ConfigName == "cleanup.policy" && (e.ConfigValue != "delete" || e.ConfigSource != 5) {
			t.Errorf("cleanup.policy: %+v", e)
		}
	}

	ir, err := cl.IncrementalAlterConfigs(ctx, &kafka.IncrementalAlterConfigsRequest{Resources: []kafka.IncrementalAlterConfigsRequestResource{{
		ResourceType: kafka.ResourceTypeTopic, ResourceName: "kg",
		Configs: []kafka.IncrementalAlterConfigsRequestConfig{{Name: "retention.ms", Value: "9000", ConfigOperation: kafka.ConfigOperationSet}},
	}}})
	if err != nil || ir.Resources[0].Error != nil {
		t.Fatalf("incremental alter: %v %+v", err, ir)
	}
	if info, _ := b.Node().Topic("kg"); info.Configs["retention.ms"] != "9000" {
		t.Fatalf("after alter: %v", info.Configs)
	}

	pr, err := cl.CreatePartitions(ctx, &kafka.CreatePartitionsRequest{Topics: []kafka.TopicPartitionsConfig{{Name: "kg", Count: 5}, {Name: "nosuch", Count: 2}}})
	if err != nil || pr.Errors["kg"] != nil || !errors.Is(pr.Errors["nosuch"], kafka.UnknownTopicOrPartition) {
		t.Fatalf("create partitions: %v %v", err, pr)
	}
	if info, _ := b.Node().Topic("kg"); len(info.Partitions) != 5 {
		t.Fatalf("partitions: %d", len(info.Partitions))
	}

	del, err := cl.DeleteTopics(ctx, &kafka.DeleteTopicsRequest{Topics: []string{"kg", "nosuch"}})
	if err != nil || del.Errors["kg"] != nil || !errors.Is(del.Errors["nosuch"], kafka.UnknownTopicOrPartition) {
		t.Fatalf("delete: %v %v", err, del)
	}
	if _, ok := b.Node().Topic("kg"); ok {
		t.Fatal("topic still there")
	}
}

// Command mktopic creates a topic with an explicit replica assignment (or
// deletes one) and waits until the cluster agrees, for bench/replication.sh:
//
//	mktopic -brokers 127.0.0.1:9092 -topic t -assign '1,2,3;1,2,3;1,2,3' -config file.delete.delay.ms=0
//	mktopic -brokers 127.0.0.1:9092 -topic t -delete
//
// -assign lists each partition's replicas, partitions separated by ';', the
// first replica being the preferred leader. After creating, it waits until
// every partition is led by its first replica with all replicas in sync.
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kgo"
	"github.com/twmb/franz-go/pkg/kmsg"
)

func main() {
	brokers := flag.String("brokers", "127.0.0.1:9092", "seed brokers, comma separated")
	topic := flag.String("topic", "", "topic")
	assign := flag.String("assign", "", "replicas per partition: '1,2,3;2,3,1'")
	del := flag.Bool("delete", false, "delete the topic and wait until it is gone")
	timeout := flag.Duration("timeout", 60*time.Second, "give up after this long")
	var configs []string
	flag.Func("config", "topic config key=value (repeatable)", func(s string) error { configs = append(configs, s); return nil })
	flag.Parse()
	if *topic == "" {
		fail("-topic is required")
	}
	ctx, cancel := context.WithTimeout(context.Background(), *timeout)
	defer cancel()
	cl, err := kgo.NewClient(kgo.SeedBrokers(strings.Split(*brokers, ",")...))
	if err != nil {
		fail("client: %v", err)
	}
	defer cl.Close()
	adm := kadm.NewClient(cl)
	if *del {
		if _, err := adm.DeleteTopics(ctx, *topic); err != nil {
			fail("delete: %v", err)
		}
		for ctx.Err() == nil {
			td, err := adm.ListTopics(ctx, *topic)
			if err == nil && !td.Has(*topic) {
				return
			}
			time.Sleep(100 * time.Millisecond)
		}
		fail("topic %s still listed", *topic)
	}

	var parts [][]int32
	for _, p := range strings.Split(*assign, ";") {
		var reps []int32
		for _, r := range strings.Split(p, ",") {
			id, err := strconv.Atoi(strings.TrimSpace(r))
			if err != nil {
				fail("bad -assign %q", *assign)
			}
			reps = append(reps, int32(id))
		}
		parts = append(parts, reps)
	}
	req := kmsg.NewPtrCreateTopicsRequest()
	req.TimeoutMillis = 30000
	rt := kmsg.NewCreateTopicsRequestTopic()
	rt.Topic = *topic
	rt.NumPartitions, rt.ReplicationFactor = -1, -1
	for i, reps := range parts {
		a := kmsg.NewCreateTopicsRequestTopicReplicaAssignment()
		a.Partition, a.Replicas = int32(i), reps
		rt.ReplicaAssignment = append(rt.ReplicaAssignment, a)
	}
	for _, kv := range configs {
		k, v, _ := strings.Cut(kv, "=")
		c := kmsg.NewCreateTopicsRequestTopicConfig()
		c.Name, c.Value = k, kmsg.StringPtr(v)
		rt.Configs = append(rt.Configs, c)
	}
	req.Topics = append(req.Topics, rt)
	resp, err := req.RequestWith(ctx, cl)
	if err != nil {
		fail("create: %v", err)
	}
	for _, t := range resp.Topics {
		if t.ErrorCode != 0 {
			msg := ""
			if t.ErrorMessage != nil {
				msg = *t.ErrorMessage
			}
			fail("create %s: error code %d %s", t.Topic, t.ErrorCode, msg)
		}
	}
	for ctx.Err() == nil {
		if ready(ctx, adm, *topic, parts) {
			return
		}
		time.Sleep(100 * time.Millisecond)
	}
	fail("topic %s: leaders or ISR not as assigned within %v", *topic, *timeout)
}

func ready(ctx context.Context, adm *kadm.Client, topic string, parts [][]int32) bool {
	td, err := adm.ListTopics(ctx, topic)
	if err != nil || !td.Has(topic) {
		return false
	}
	t := td[topic]
	if t.Err != nil || len(t.Partitions) != len(parts) {
		return false
	}
	for i, reps := range parts {
		p, ok := t.Partitions[int32(i)]
		if !ok || p.Err != nil || p.Leader != reps[0] || len(p.ISR) != len(reps) {
			return false
		}
	}
	return true
}

func fail(f string, a ...any) {
	fmt.Fprintf(os.Stderr, "mktopic: "+f+"\n", a...)
	os.Exit(1)
}

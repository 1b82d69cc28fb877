package protocol

// End-to-end tests of the admin APIs through franz-go's kadm (and kgo for
// produce/consume) against an in-process broker. Raw-wire checks of every
// version are in admin_wire_test.go, sarama in admin_sarama_test.go.

import (
	"context"
	"errors"
	"net"
	"strconv"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kgo"
	"github.com/twmb/franz-go/pkg/kmsg"

	"sluice/engine"
)

func newAdmin(t *testing.T, b *testBroker) *kadm.Client {
	t.Helper()
	return kadm.NewClient(newKgo(t, b))
}

// topicConfig returns one described config of a topic.
func topicConfig(t *testing.T, adm *kadm.Client, topic, key string) kadm.Config {
	t.Helper()
	rc, err := adm.DescribeTopicConfigs(context.Background(), topic)
	if err != nil {
		t.Fatal(err)
	}
	cfg, err := rc.On(topic, nil)
	if err != nil || cfg.Err != nil {
		t.Fatalf("describe %s: %v %v", topic, err, cfg.Err)
	}
	for _, c := range cfg.Configs {
		if c.Key == key {
			return c
		}
	}
	t.Fatalf("%s: no config %s among %d", topic, key, len(cfg.Configs))
	return kadm.Config{}
}

func TestAdminCreateTopicsKadm(t *testing.T) {
	b := startTestBroker(t, "", map[string]string{"log.segment.bytes": "1048576"})
	adm := newAdmin(t, b)
	ctx := context.Background()

	res, err := adm.CreateTopics(ctx, 3, 1, map[string]*string{
		"retention.ms": kmsg.StringPtr("3600000"), "cleanup.policy": kmsg.StringPtr("compact,delete"),
	}, "orders")
	if err != nil {
		t.Fatal(err)
	}
	r := res["orders"]
	if r.Err != nil || r.ID == [16]byte{} || r.NumPartitions != 3 || r.ReplicationFactor != 1 {
		t.Fatalf("create: %+v", r)
	}
	if info, _ := b.Node().Topic("orders"); info.ID != r.ID || len(info.Partitions) != 3 {
		t.Fatalf("node has %+v, response id %x", info, r.ID)
	}
	// v5+: every topic config with its source.
	wantSources := map[string]kmsg.ConfigSource{
		"retention.ms":     kmsg.ConfigSourceDynamicTopicConfig,
		"cleanup.policy":   kmsg.ConfigSourceDynamicTopicConfig,
		"segment.bytes":    kmsg.ConfigSourceStaticBrokerConfig, // log.segment.bytes set at start-up
		"compression.type": kmsg.ConfigSourceDefaultConfig,
	}
	for k, src := range wantSources {
		c, ok := r.Configs[k]
		if !ok || c.Source != src {
			t.Errorf("create response config %s: %+v (want source %v)", k, c, src)
		}
	}
	if sb := r.Configs["segment.bytes"]; sb.MaybeValue() != "1048576" {
		t.Errorf("segment.bytes in create response = %+v", sb)
	}

	// Validate-only: the same answer without a topic (and without an id).
	dry, err := adm.ValidateCreateTopics(ctx, 2, 1, map[string]*string{"retention.ms": kmsg.StringPtr("1000")}, "dry")
	if err != nil || dry["dry"].Err != nil {
		t.Fatalf("validate: %+v %v", dry, err)
	}
	dryRet := dry["dry"].Configs["retention.ms"]
	if dry["dry"].ID != [16]byte{} || dry["dry"].NumPartitions != 2 || dryRet.MaybeValue() != "1000" ||
		dry["dry"].Configs["segment.bytes"].Source != kmsg.ConfigSourceStaticBrokerConfig {
		t.Fatalf("validate-only answer: %+v", dry["dry"])
	}
	if _, ok := b.Node().Topic("dry"); ok {
		t.Fatal("validate-only created the topic")
	}

	// Invalid input, each with Kafka's code and message.
	long := make([]byte, 250)
	for i := range long {
		long[i] = 'a'
	}
	cases := []struct {
		topic   string
		parts   int32
		rf      int16
		configs map[string]*string
		err     error
		msg     string
	}{
		{"orders", 1, 1, nil, kerr.TopicAlreadyExists, "Topic 'orders' already exists."},
		{"bad name", 1, 1, nil, kerr.InvalidTopicException, `Topic name "bad name" is illegal, it contains a character other than ASCII alphanumerics, '.', '_' and '-'`},
		{"..", 1, 1, nil, kerr.InvalidTopicException, `Topic name cannot be "." or ".."`},
		{string(long), 1, 1, nil, kerr.InvalidTopicException, ""},
		{"rf3", 1, 3, nil, kerr.InvalidReplicationFactor, "Replication factor: 3 larger than available brokers: 1."},
		{"p0", 0, 1, nil, kerr.InvalidPartitions, "Number of partitions must be larger than 0."},
		{"unknowncfg", 1, 1, map[string]*string{"no.such.config": kmsg.StringPtr("1")}, kerr.InvalidConfig, "Unknown topic config name: no.such.config"},
		{"badvalue", 1, 1, map[string]*string{"retention.ms": kmsg.StringPtr("soon")}, kerr.InvalidConfig, ""},
		{"nullvalue", 1, 1, map[string]*string{"retention.ms": nil}, kerr.InvalidConfig, "Null value not supported for topic configs: retention.ms"},
	}
	for _, tc := range cases {
		got, err := adm.CreateTopics(ctx, tc.parts, tc.rf, tc.configs, tc.topic)
		if err != nil {
			t.Fatal(err)
		}
		g := got[tc.topic]
		if !errors.Is(g.Err, tc.err) || (tc.msg != "" && g.ErrMessage != tc.msg) || g.ErrMessage == "" {
			t.Errorf("create %.20q: got %v %q, want %v %q", tc.topic, g.Err, g.ErrMessage, tc.err, tc.msg)
		}
		if _, ok := b.Node().Topic(tc.topic); ok && tc.topic != "orders" {
			t.Errorf("%q was created", tc.topic)
		}
	}
	if bv, _ := adm.CreateTopics(ctx, 1, 1, map[string]*string{"retention.ms": kmsg.StringPtr("soon")}, "badvalue"); !containsAll(bv["badvalue"].ErrMessage, "retention.ms", "soon") {
		t.Errorf("bad value message does not name key and value: %q", bv["badvalue"].ErrMessage)
	}
	// Names that collide once '.' and '_' are equated.
	createOK(t, adm, "a.b", 1)
	if c, _ := adm.CreateTopics(ctx, 1, 1, nil, "a_b"); !errors.Is(c["a_b"].Err, kerr.InvalidTopicException) {
		t.Errorf("colliding name: %+v", c["a_b"])
	}
	// Broker defaults for -1.
	def, _ := adm.CreateTopics(ctx, -1, -1, nil, "defaults")
	if def["defaults"].Err != nil || def["defaults"].NumPartitions != b.Node().Config().NumPartitions {
		t.Errorf("defaults: %+v", def["defaults"])
	}
}

func containsAll(s string, subs ...string) bool {
	for _, sub := range subs {
		if !contains(s, sub) {
			return false
		}
	}
	return true
}

func contains(s, sub string) bool {
	for i := 0; i+len(sub) <= len(s); i++ {
		if s[i:i+len(sub)] == sub {
			return true
		}
	}
	return false
}

func createOK(t *testing.T, adm *kadm.Client, topic string, partitions int32) kadm.CreateTopicResponse {
	t.Helper()
	res, err := adm.CreateTopics(context.Background(), partitions, 1, nil, topic)
	if err != nil || res[topic].Err != nil {
		t.Fatalf("create %s: %v %+v", topic, err, res[topic])
	}
	return res[topic]
}

func TestAdminConfigsKadmPersist(t *testing.T) {
	dir := t.TempDir()
	b := startTestBroker(t, dir, nil)
	adm := newAdmin(t, b)
	ctx := context.Background()
	createOK(t, adm, "cfg", 1)

	if c := topicConfig(t, adm, "cfg", "retention.ms"); c.Source != kmsg.ConfigSourceDefaultConfig || c.MaybeValue() != "604800000" {
		t.Fatalf("default retention.ms: %+v", c)
	}
	// Incremental SET / APPEND / DELETE on the topic.
	alter := func(ops ...kadm.AlterConfig) {
		t.Helper()
		r, err := adm.AlterTopicConfigs(ctx, ops, "cfg")
		if err != nil || r[0].Err != nil {
			t.Fatalf("alter %+v: %v %+v", ops, err, r)
		}
	}
	alter(kadm.AlterConfig{Name: "retention.ms", Value: kmsg.StringPtr("120000")},
		kadm.AlterConfig{Name: "max.message.bytes", Value: kmsg.StringPtr("2048")})
	alter(kadm.AlterConfig{Op: kadm.AppendConfig, Name: "cleanup.policy", Value: kmsg.StringPtr("compact")})
	// Kafka shows "delete,compact" (list order kept); the engine prints
	// cleanup.policy canonically.
	if c := topicConfig(t, adm, "cfg", "cleanup.policy"); (c.MaybeValue() != "delete,compact" && c.MaybeValue() != "compact,delete") ||
		c.Source != kmsg.ConfigSourceDynamicTopicConfig {
		t.Fatalf("after APPEND: %q %+v", c.MaybeValue(), c)
	}
	alter(kadm.AlterConfig{Op: kadm.SubtractConfig, Name: "cleanup.policy", Value: kmsg.StringPtr("delete")})
	if c := topicConfig(t, adm, "cfg", "cleanup.policy"); c.MaybeValue() != "compact" {
		t.Fatalf("after SUBTRACT: %+v", c)
	}
	alter(kadm.AlterConfig{Op: kadm.DeleteConfig, Name: "max.message.bytes"})
	if c := topicConfig(t, adm, "cfg", "max.message.bytes"); c.Source != kmsg.ConfigSourceDefaultConfig {
		t.Fatalf("after DELETE: %+v", c)
	}
	c := topicConfig(t, adm, "cfg", "retention.ms")
	if c.MaybeValue() != "120000" || c.Source != kmsg.ConfigSourceDynamicTopicConfig || len(c.Synonyms) < 2 ||
		c.Synonyms[0].Source != kmsg.ConfigSourceDynamicTopicConfig || c.Synonyms[len(c.Synonyms)-1].Source != kmsg.ConfigSourceDefaultConfig {
		t.Fatalf("retention.ms override with synonyms: %+v", c)
	}
	// Refusals.
	bad := []struct {
		op  kadm.AlterConfig
		err error
	}{
		{kadm.AlterConfig{Name: "no.such", Value: kmsg.StringPtr("1")}, kerr.InvalidConfig},
		{kadm.AlterConfig{Name: "retention.ms", Value: kmsg.StringPtr("x")}, kerr.InvalidConfig},
		{kadm.AlterConfig{Op: kadm.AppendConfig, Name: "retention.ms", Value: kmsg.StringPtr("1")}, kerr.InvalidRequest},
		{kadm.AlterConfig{Name: "retention.ms"}, kerr.InvalidRequest}, // SET null
	}
	for _, tc := range bad {
		r, err := adm.AlterTopicConfigs(ctx, []kadm.AlterConfig{tc.op}, "cfg")
		if err != nil || !errors.Is(r[0].Err, tc.err) || r[0].ErrMessage == "" {
			t.Errorf("alter %+v: %v %+v, want %v with a message", tc.op, err, r, tc.err)
		}
	}
	if r, _ := adm.AlterTopicConfigs(ctx, []kadm.AlterConfig{{Name: "retention.ms", Value: kmsg.StringPtr("1")}}, "nosuch"); !errors.Is(r[0].Err, kerr.UnknownTopicOrPartition) || r[0].ErrMessage != "The topic 'nosuch' does not exist." {
		t.Errorf("alter unknown topic: %+v", r)
	}
	// Validate-only changes nothing.
	if r, err := adm.ValidateAlterTopicConfigs(ctx, []kadm.AlterConfig{{Name: "retention.ms", Value: kmsg.StringPtr("5")}}, "cfg"); err != nil || r[0].Err != nil {
		t.Fatalf("validate alter: %v %+v", err, r)
	}
	if c := topicConfig(t, adm, "cfg", "retention.ms"); c.MaybeValue() != "120000" {
		t.Fatalf("validate-only alter changed retention.ms to %s", c.MaybeValue())
	}

	// Broker configs: a cluster-wide dynamic default shows up on topics
	// without an override, and on the "" resource.
	br, err := adm.AlterBrokerConfigs(ctx, []kadm.AlterConfig{{Name: "log.retention.ms", Value: kmsg.StringPtr("86400000")}})
	if err != nil || br[0].Err != nil {
		t.Fatalf("alter cluster default: %v %+v", err, br)
	}
	createOK(t, adm, "cfg2", 1)
	if c := topicConfig(t, adm, "cfg2", "retention.ms"); c.MaybeValue() != "86400000" || c.Source != kmsg.ConfigSourceDynamicDefaultBrokerConfig {
		t.Fatalf("retention.ms from the dynamic default: %+v", c)
	}
	if r, _ := adm.AlterBrokerConfigs(ctx, []kadm.AlterConfig{{Name: "log.dirs", Value: kmsg.StringPtr("/x")}}, b.Node().NodeID()); !errors.Is(r[0].Err, kerr.InvalidRequest) {
		t.Errorf("altering read-only log.dirs: %+v", r)
	}

	// Legacy AlterConfigs replaces the whole override set.
	if r, err := adm.AlterTopicConfigsState(ctx, []kadm.AlterConfig{{Name: "segment.ms", Value: kmsg.StringPtr("60000")}}, "cfg"); err != nil || r[0].Err != nil {
		t.Fatalf("legacy alter: %v %+v", err, r)
	}
	if c := topicConfig(t, adm, "cfg", "retention.ms"); c.Source != kmsg.ConfigSourceDynamicDefaultBrokerConfig {
		t.Fatalf("legacy alter kept retention.ms override: %+v", c)
	}

	// Restart: overrides and dynamic broker configs persist.
	closeBroker(t, b)
	b = startTestBroker(t, dir, nil)
	adm = newAdmin(t, b)
	if c := topicConfig(t, adm, "cfg", "segment.ms"); c.MaybeValue() != "60000" || c.Source != kmsg.ConfigSourceDynamicTopicConfig {
		t.Fatalf("after restart segment.ms: %+v", c)
	}
	if c := topicConfig(t, adm, "cfg2", "retention.ms"); c.MaybeValue() != "86400000" {
		t.Fatalf("after restart dynamic default: %+v", c)
	}
	def, err := adm.DescribeBrokerConfigs(ctx) // the cluster-default resource ""
	if err != nil {
		t.Fatal(err)
	}
	if d, _ := def.On("", nil); len(d.Configs) != 1 || d.Configs[0].Key != "log.retention.ms" ||
		d.Configs[0].Source != kmsg.ConfigSourceDynamicDefaultBrokerConfig {
		t.Fatalf("cluster default broker configs: %+v", def)
	}
	self, err := adm.DescribeBrokerConfigs(ctx, b.Node().NodeID())
	if err != nil {
		t.Fatal(err)
	}
	var seen int
	for _, c := range self[0].Configs {
		switch c.Key {
		case "log.retention.ms":
			seen++
			if c.Source != kmsg.ConfigSourceDynamicDefaultBrokerConfig || c.MaybeValue() != "86400000" {
				t.Errorf("broker log.retention.ms: %+v", c)
			}
		case "log.dirs":
			seen++
			if c.Source != kmsg.ConfigSourceStaticBrokerConfig || c.MaybeValue() != dir {
				t.Errorf("broker log.dirs: %+v", c)
			}
		}
	}
	if seen != 2 {
		t.Errorf("broker config lacks log.retention.ms or log.dirs (%d configs)", len(self[0].Configs))
	}
}

func TestAdminPartitionsRecordsDeleteKadm(t *testing.T) {
	b := startTestBroker(t, "", nil)
	cl := newKgo(t, b)
	adm := kadm.NewClient(cl)
	ctx := context.Background()
	first := createOK(t, adm, "life", 1)

	// Grow, refuse shrinking and no-ops with Kafka's messages.
	if r, err := adm.CreatePartitions(ctx, 2, "life"); err != nil || r["life"].Err != nil {
		t.Fatalf("add partitions: %v %+v", err, r)
	}
	if md, _ := adm.Metadata(ctx, "life"); len(md.Topics["life"].Partitions) != 3 {
		t.Fatalf("partitions after adding 2: %d", len(md.Topics["life"].Partitions))
	}
	for set, msg := range map[int]string{
		1: "Topic currently has 3 partitions, which is higher than the requested 1.",
		3: "Topic already has 3 partitions.",
	} {
		r, _ := adm.UpdatePartitions(ctx, set, "life")
		if !errors.Is(r["life"].Err, kerr.InvalidPartitions) || r["life"].ErrMessage != msg {
			t.Errorf("set %d partitions: %+v", set, r["life"])
		}
	}
	if r, _ := adm.ValidateCreatePartitions(ctx, 5, "life"); r["life"].Err != nil || len(mustTopic(t, b, "life").Partitions) != 3 {
		t.Errorf("validate-only add: %+v", r["life"])
	}
	if r, _ := adm.CreatePartitions(ctx, 1, "nosuch"); !errors.Is(r["nosuch"].Err, kerr.UnknownTopicOrPartition) {
		t.Errorf("add to unknown topic: %+v", r["nosuch"])
	}

	// DeleteRecords, then consume from the new log start.
	prod := newKgo(t, b, kgo.DefaultProduceTopic("life"), kgo.RecordPartitioner(kgo.ManualPartitioner()))
	for i := range 10 {
		if err := prod.ProduceSync(ctx, &kgo.Record{Value: []byte(strconv.Itoa(i))}).FirstErr(); err != nil {
			t.Fatal(err)
		}
	}
	del := func(at int64) kadm.DeleteRecordsResponse {
		t.Helper()
		os := kadm.Offsets{}
		os.Add(kadm.Offset{Topic: "life", Partition: 0, At: at})
		r, err := adm.DeleteRecords(ctx, os)
		if err != nil {
			t.Fatal(err)
		}
		got, _ := r.Lookup("life", 0)
		return got
	}
	if r := del(4); r.Err != nil || r.LowWatermark != 4 {
		t.Fatalf("delete records before 4: %+v", r)
	}
	if r := del(2); r.Err != nil || r.LowWatermark != 4 {
		t.Fatalf("delete records before 2 (below log start): %+v", r)
	}
	if r := del(11); !errors.Is(r.Err, kerr.OffsetOutOfRange) || r.LowWatermark != -1 {
		t.Fatalf("delete records beyond the high watermark: %+v", r)
	}
	cons := newKgo(t, b, kgo.ConsumeTopics("life"), kgo.ConsumeResetOffset(kgo.NewOffset().AtStart()))
	recs := consumeN(t, cons, 6)
	if recs[0].Offset != 4 || string(recs[0].Value) != "4" {
		t.Fatalf("first record after DeleteRecords: offset %d value %s", recs[0].Offset, recs[0].Value)
	}
	starts, _ := adm.ListStartOffsets(ctx, "life")
	if o, _ := starts.Lookup("life", 0); o.Offset != 4 {
		t.Fatalf("log start offset %d", o.Offset)
	}
	if r := del(-1); r.Err != nil || r.LowWatermark != 10 {
		t.Fatalf("delete records up to the high watermark (-1): %+v", r)
	}
	// A compacted topic refuses (Kafka: POLICY_VIOLATION).
	createOK(t, adm, "compacted", 1)
	if _, err := adm.AlterTopicConfigs(ctx, []kadm.AlterConfig{{Name: "cleanup.policy", Value: kmsg.StringPtr("compact")}}, "compacted"); err != nil {
		t.Fatal(err)
	}
	os := kadm.Offsets{}
	os.Add(kadm.Offset{Topic: "compacted", Partition: 0, At: 0})
	r, err := adm.DeleteRecords(ctx, os)
	if err != nil {
		t.Fatal(err)
	}
	if c, _ := r.Lookup("compacted", 0); !errors.Is(c.Err, kerr.PolicyViolation) {
		t.Errorf("delete records on a compacted topic: %+v", c)
	}

	// Committed group offsets go with the topic.
	commit := kadm.Offsets{}
	commit.Add(kadm.Offset{Topic: "life", Partition: 0, At: 7, LeaderEpoch: -1})
	if cr, err := adm.CommitOffsets(ctx, "g1", commit); err != nil || cr.Error() != nil {
		t.Fatalf("commit: %v %v", err, cr.Error())
	}
	if fo, err := adm.FetchOffsets(ctx, "g1"); err != nil || fo["life"][0].At != 7 || fo["life"][0].Err != nil {
		t.Fatalf("fetch committed: %v %+v", err, fo)
	}

	// Delete, then re-create: a new topic id, no records, no offsets.
	dr, err := adm.DeleteTopics(ctx, "life", "nosuch")
	if err != nil {
		t.Fatal(err)
	}
	if dr["life"].Err != nil || dr["life"].ID != first.ID || !errors.Is(dr["nosuch"].Err, kerr.UnknownTopicOrPartition) {
		t.Fatalf("delete: %+v", dr)
	}
	deadline := time.Now().Add(10 * time.Second)
	for {
		fo, err := adm.FetchOffsets(ctx, "g1")
		if err != nil {
			t.Fatal(err)
		}
		if _, ok := fo["life"]; !ok {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("offsets of the deleted topic still committed: %+v", fo)
		}
		time.Sleep(20 * time.Millisecond)
	}
	again := createOK(t, adm, "life", 1)
	if again.ID == first.ID {
		t.Fatal("re-created topic kept its topic id")
	}
	ends, _ := adm.ListEndOffsets(ctx, "life")
	if o, _ := ends.Lookup("life", 0); o.Offset != 0 {
		t.Fatalf("re-created topic has end offset %d", o.Offset)
	}
}

func mustTopic(t *testing.T, b *testBroker, name string) struct{ Partitions []int32 } {
	t.Helper()
	info, ok := b.Node().Topic(name)
	if !ok {
		t.Fatalf("no topic %s", name)
	}
	out := struct{ Partitions []int32 }{}
	for _, p := range info.Partitions {
		out.Partitions = append(out.Partitions, p.Partition)
	}
	return out
}

func TestAdminClusterAndLogDirsKadm(t *testing.T) {
	b := startTestBroker(t, "", nil)
	cl := newKgo(t, b)
	adm := kadm.NewClient(cl)
	ctx := context.Background()

	req := kmsg.NewPtrDescribeClusterRequest()
	dc, err := req.RequestWith(ctx, cl)
	if err != nil || dc.ErrorCode != 0 || dc.ClusterID != b.Node().ClusterID() || dc.ControllerID != b.Node().NodeID() ||
		len(dc.Brokers) != 1 || dc.Brokers[0].NodeID != b.Node().NodeID() || dc.ClusterAuthorizedOperations != -2147483648 {
		t.Fatalf("describe cluster: %+v %v", dc, err)
	}
	if host, port, _ := splitHostPort(b.Addr().String()); dc.Brokers[0].Host != host || dc.Brokers[0].Port != port {
		t.Fatalf("broker endpoint %s:%d, listening on %s", dc.Brokers[0].Host, dc.Brokers[0].Port, b.Addr())
	}
	req.IncludeClusterAuthorizedOperations = true
	if dc, err = req.RequestWith(ctx, cl); err != nil || dc.ClusterAuthorizedOperations != 8096 {
		t.Fatalf("cluster authorized operations: %+v %v", dc, err)
	}
	ops := kadm.DecodeACLOperations(dc.ClusterAuthorizedOperations)
	if len(ops) != 7 {
		t.Fatalf("cluster operations %v", ops)
	}

	createOK(t, adm, "dirs", 2)
	prod := newKgo(t, b, kgo.DefaultProduceTopic("dirs"), kgo.RecordPartitioner(kgo.ManualPartitioner()),
		kgo.ProducerBatchCompression(kgo.NoCompression()))
	for i := range 5 {
		if err := prod.ProduceSync(ctx, &kgo.Record{Partition: 1, Value: make([]byte, 1000+i)}).FirstErr(); err != nil {
			t.Fatal(err)
		}
	}
	all, err := adm.DescribeAllLogDirs(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	l1, _ := b.Engine().Log(adminTP("dirs", 1))
	found := false
	all.Each(func(d kadm.DescribedLogDir) {
		if d.Err != nil || d.TotalBytes <= 0 || d.UsableBytes <= 0 || d.UsableBytes > d.TotalBytes {
			t.Errorf("dir %s: %+v", d.Dir, d)
		}
		if p, ok := d.Topics["dirs"][1]; ok {
			found = true
			if p.Size != l1.Size() || p.Size < 5000 || p.OffsetLag != 0 || p.IsFuture {
				t.Errorf("partition 1: %+v (engine size %d)", p, l1.Size())
			}
			if p0 := d.Topics["dirs"][0]; p0.Size != 0 {
				t.Errorf("empty partition 0 size %d", p0.Size)
			}
		}
	})
	if !found {
		t.Fatalf("dirs/1 not described: %+v", all)
	}
	one, err := adm.DescribeAllLogDirs(ctx, kadm.TopicsSet{"dirs": {0: {}}})
	if err != nil {
		t.Fatal(err)
	}
	one.Each(func(d kadm.DescribedLogDir) {
		if _, ok := d.Topics["dirs"][1]; ok {
			t.Errorf("partition 1 described though only 0 was asked: %+v", d.Topics)
		}
	})
}

func adminTP(topic string, p int32) engine.TopicPartition {
	return engine.TopicPartition{Topic: topic, Partition: p}
}

func splitHostPort(addr string) (string, int32, error) {
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		return "", 0, err
	}
	p, err := strconv.Atoi(port)
	return host, int32(p), err
}

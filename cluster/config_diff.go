package cluster

// Difference records one deliberate departure from Kafka 3.9's broker
// defaults or behaviour. docs/config.md is generated from this table (and
// BrokerConfigDefs); TestConfigDocUpToDate keeps them in step.
type Difference struct {
	Name   string // the property
	Kafka  string // Kafka 3.9's default (or behaviour)
	Sluice string // Sluice's default (or behaviour)
	// EmbeddedOnly: the Sluice default applies only without
	// zookeeper.connect (a single node); with ZooKeeper
	// Kafka's default applies. The table row then holds Kafka's default.
	EmbeddedOnly bool
	// Default: Sluice is a different default value (the table row holds
	// it, or Kafka's when EmbeddedOnly); otherwise a difference in
	// behaviour that the docs only describe.
	Default bool
	Why     string
}

// KafkaDifferences lists every deliberate difference from Kafka's defaults.
var KafkaDifferences = []Difference{
	{Name: "broker.id", Kafka: "-1", Sluice: "0", Default: true,
		Why: "a single broker must start with no configuration; Kafka generates an id from ZooKeeper (or needs node.id in KRaft)"},
	{Name: "listeners", Kafka: "PLAINTEXT://:9092", Sluice: "PLAINTEXT://127.0.0.1:9092", Default: true,
		Why: "out of the box the broker listens on loopback only; set listeners to serve other hosts"},
	{Name: "log.dir", Kafka: "/tmp/kafka-logs", Sluice: "./data", Default: true,
		Why: "data survives reboots that clear /tmp; `sluice broker` keeps its data next to where it runs"},
	{Name: "offsets.topic.replication.factor", Kafka: "3", Sluice: "1", EmbeddedOnly: true, Default: true,
		Why: "a single broker cannot hold 3 replicas; Kafka would refuse to create __consumer_offsets until 3 brokers exist"},
	{Name: "transaction.state.log.replication.factor", Kafka: "3", Sluice: "1", EmbeddedOnly: true, Default: true,
		Why: "as offsets.topic.replication.factor, for __transaction_state"},
	{Name: "transaction.state.log.min.isr", Kafka: "2", Sluice: "1", EmbeddedOnly: true, Default: true,
		Why: "with one replica an ISR of 2 can never be met"},
	{Name: "zookeeper.connect", Kafka: "required (or KRaft process.roles)", Sluice: "optional",
		Why: "empty means a single node: a one-broker cluster whose metadata store is __sluice_metadata.json in the first log dir (the znodes ZooKeeper would hold)"},
	{Name: "process.roles", Kafka: "KRaft roles of the process", Sluice: "accepted; ignored",
		Why: "KRaft server.properties files work unchanged: without zookeeper.connect the single node is its own controller"},
	{Name: "listeners", Kafka: "dynamically updatable per broker", Sluice: "read-only",
		Why: "listeners are bound once at start-up; change them with a restart"},
	{Name: "num.network.threads", Kafka: "dynamically updatable cluster-wide", Sluice: "read-only",
		Why: "the number of event loops is fixed at start-up"},
	{Name: "num.io.threads", Kafka: "dynamically updatable cluster-wide", Sluice: "read-only",
		Why: "the worker pool is sized at start-up"},
	{Name: "log.cleaner.threads", Kafka: "dynamically updatable cluster-wide", Sluice: "read-only",
		Why: "the cleaner is sized at start-up"},
	{Name: "queued.max.request.bytes", Kafka: "-1", Sluice: "134217728", Default: true,
		Why: "clients that pipeline requests faster than they are served must not be able to fill the broker's memory (128 MiB; " +
			"raised to socket.request.max.bytes when that is larger and this is not set); Sluice serves one listener, so in a " +
			"cluster inter-broker and controller requests share it and its budget (a separate control-plane listener, KIP-291, is not served yet)"},
	{Name: "listeners", Kafka: "host.name and port: removed in 3.0 (ignored)", Sluice: "host.name and port (and advertised.*) mapped to listeners when listeners is not set",
		Why: "older server.properties files (the operator guides') set host.name/port; Kafka 3.x would ignore them and put every broker on :9092"},
	{Name: "max.connections", Kafka: "2147483647 (no bound)", Sluice: "at most the open-files limit minus a reserve for log files",
		Why: "a broker out of file descriptors can neither accept nor open segments; past the bound new connections wait in " +
			"the listen backlog (as with Kafka's max.connections) instead of failing accept(2)"},
	{Name: "sluice.batch.decompressed.max.bytes", Kafka: "no limit", Sluice: "64 MiB per batch",
		Why: "a few KB of zstd can announce gigabytes; decoding stops at the limit and the batch answers INVALID_RECORD, so a bomb costs bounded CPU and memory"},
	{Name: "sluice.request.decompressed.max.bytes", Kafka: "no limit", Sluice: "256 MiB per Produce request",
		Why: "bounds the CPU of one request carrying many small bombs; its compressed batches past the limit answer INVALID_RECORD"},
	{Name: "listener.security.protocol.map", Kafka: "PLAINTEXT, SSL, SASL_PLAINTEXT, SASL_SSL", Sluice: "PLAINTEXT only",
		Why: "TLS and SASL are not implemented; a listener mapped to another protocol stops start-up"},
}

// effectiveDefault is the default Sluice applies to name. The table holds
// Kafka's default for EmbeddedOnly rows; without ZooKeeper (zk false) the
// Sluice value of such a difference applies instead.
func effectiveDefault(name string, zk bool) string {
	if !zk {
		for _, d := range KafkaDifferences {
			if d.Name == name && d.EmbeddedOnly && d.Default {
				return d.Sluice
			}
		}
	}
	if d, ok := brokerDefByName[name]; ok {
		return d.Default
	}
	return ""
}

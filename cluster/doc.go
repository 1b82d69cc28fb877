// Package cluster is the broker's view of the cluster: the broker
// configuration (one table, BrokerConfigDefs, from which parsing,
// DescribeConfigs, AlterConfigs and docs/config.md derive), topic metadata
// (names, topic ids, partitions, replica assignment, leaders, leader epochs,
// ISR, config overrides), dynamic broker configs, producer-id allocation and
// the local replicas' logs (Kafka's ReplicaManager role: Append, Log).
//
// # Roles
//
// A Node plays the replica manager for one broker (the local logs, as
// leader or follower) and stands for controller. The protocol layer
// calls it for everything that is not a pure log read: topic admin
// (CreateTopic, DeleteTopic, CreatePartitions), configs
// (AlterTopicConfig, AlterBrokerConfig, Describe*Config), Metadata
// (Topics, Brokers), produce (Append), InitProducerId
// (AllocateProducerID), the group coordinator's internal topic
// (EnsureInternalTopic, AppendCoordinator) and the inter-broker requests.
// Errors wrap the sentinels in errors.go; Message returns the Kafka-style
// text for error_message fields.
//
// # One code path: a single node is a one-broker cluster
//
// Every broker runs Kafka 3.x's ZooKeeper mode over a metadata store
// (internal/znode's Tree): a ZooKeeper ensemble with zookeeper.connect,
// else the single node's file, __sluice_metadata.json in the first log
// dir, which holds the same znodes (replaced atomically and fsynced
// before a write returns; format in internal/znode's package doc; a
// version-1 file from before is converted on open). The broker reads or
// creates /cluster/id (recorded in meta.properties; log dirs of another
// cluster are refused), registers /brokers/ids/<id> (its epoch is the
// znode's czxid) once its listener is bound (Join), and stands for
// controller (controller_run.go over zkstore.go, the state machine in
// internal/controller). The controller's UpdateMetadata fills the
// metadata cache (metacache.go) that Topics, Brokers and ControllerID
// read; its LeaderAndIsr and StopReplica drive the replica manager
// (replicas.go, replica.go, fetcher.go), which replicates with Kafka's
// Fetch as a replica and sends ISR changes as AlterPartition
// (ctrlclient.go). Requests to itself go in-process. Admin changes are
// written to the store as Kafka's AdminZkClient writes them
// (/brokers/topics, /config/topics, /config/brokers with a
// /config/changes notification, /admin/delete_topics) and carried out by
// the controller; CreateTopics, CreatePartitions and DeleteTopics answer
// once the metadata (and this broker's replicas) show the change. Close
// asks the controller for a controlled shutdown first. The znode layout
// is drawn in internal/zkdata's package doc.
//
// What differs for a single node (no zookeeper.connect):
//
//   - Join returns once the node, as controller, has told itself the
//     metadata and leads its partitions, so it serves at once;
//   - on the first start (no metadata file) the logs already in the dirs
//     are adopted as topics (import.go), so a data dir is never wiped;
//   - it has no peers: controller and broker requests arriving over the
//     network are refused (peerless), its own go in-process;
//   - the defaults that let one broker hold the internal topics
//     (offsets.topic.replication.factor 1, ...; docs/config.md).
//
// A single node that joins an empty ZooKeeper brings its file's znodes
// along (import.go), so a `make run` broker grows into a cluster.
//
// Producer ids come from blocks of 1000 claimed in
// /latest_producer_id_block before their first id is used, so a restart
// never reuses an id.
//
// docs/config.md is generated from BrokerConfigDefs and KafkaDifferences:
//
//go:generate go test . -run TestConfigDocUpToDate -update
package cluster

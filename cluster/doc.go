// Package cluster is the broker's view of the cluster: the broker
// configuration (one table, BrokerConfigDefs, from which parsing,
// DescribeConfigs, AlterConfigs and docs/config.md derive), topic metadata
// (names, topic ids, partitions, replica assignment, leaders, leader epochs,
// ISR, config overrides), dynamic broker configs, producer-id allocation and
// the local replicas' logs (Kafka's ReplicaManager role: Append, Log).
//
// # Roles
//
// A Node plays the controller and the replica manager for one broker. The
// protocol layer calls it for everything that is not a pure log read: topic
// admin (CreateTopic, DeleteTopic, CreatePartitions), configs
// (AlterTopicConfig, AlterBrokerConfig, Describe*Config), Metadata (Topics,
// Brokers), produce (Append), InitProducerId (AllocateProducerID), and the
// group coordinator's internal topic (EnsureInternalTopic,
// AppendCoordinator). Errors wrap the sentinels in errors.go; Message
// returns the Kafka-style text for error_message fields.
//
// # Embedded single-node metadata
//
// Without zookeeper.connect the node is the whole cluster: its metadata
// lives in memory and in one file, __sluice_metadata.json, in the first log
// dir, replaced atomically (write temporary file, fsync, rename, fsync the
// directory) on every change and before the change is acknowledged:
//
//	{
//	  "version": 1,                               // format version (must stay 1 for this layout)
//	  "cluster_id": "q1Sh-9_ISia_zwGINzRvyQ",     // generated once; also in meta.properties
//	  "node_id": 0,                               // must match node.id/broker.id on start
//	  "producer_id_block_end": 2000,              // ids < this may have been handed out
//	  "topics": [{
//	    "name": "orders", "id": "base64url uuid", // a re-created topic gets a new id
//	    "partitions": [{"partition": 0, "replicas": [0], "leader": 0, "leader_epoch": 0, "isr": [0]}],
//	    "configs": {"retention.ms": "86400000"}   // overrides only
//	  }],
//	  "broker_configs": {"": {...}, "0": {...}}   // dynamic: cluster default / per broker
//	}
//
// Ordering rules keep the file and the engine consistent across crashes:
// a topic is recorded before its logs are created, and removed before its
// logs are deleted; Open then reconciles (creates logs the metadata knows
// and the engine lacks; deletes logs of unknown topics or of an older
// incarnation, told apart by topic id). On the first start, when there is
// no metadata file, existing logs are adopted rather than deleted.
//
// Every Open is a new leadership term for the partitions this node leads:
// their leader epoch goes up by one (and above any epoch already in the
// log), as Kafka's controller does when the broker comes back, so that
// clients holding the old epoch are fenced (KIP-320).
//
// Producer ids are handed out from blocks of 1000; the end of the block is
// persisted before its first id is used, so a restart never reuses an id.
//
// # ZooKeeper mode
//
// With zookeeper.connect the same Node API is backed by Kafka 3.x's
// ZooKeeper mode (zk.go, node_zk.go): the broker reads or creates
// /cluster/id (recorded in meta.properties; log dirs of another cluster
// are refused), registers /brokers/ids/<id> (its epoch is the znode's
// czxid) once its listener is bound (Join), and stands for controller
// (controller_run.go over zkstore.go, the state machine in
// internal/controller). The controller's UpdateMetadata fills the
// metadata cache (metacache.go) that Topics, Brokers and ControllerID read;
// its LeaderAndIsr and StopReplica drive the replica manager
// (replicas.go, replica.go, fetcher.go), which replicates with Kafka's
// Fetch as a replica and sends ISR changes as AlterPartition
// (ctrlclient.go). Admin changes are written to ZooKeeper as Kafka's
// AdminZkClient writes them (/brokers/topics, /config/topics,
// /config/brokers with a /config/changes notification,
// /admin/delete_topics) and carried out by the controller. Close asks the
// controller for a controlled shutdown first. A single-node data dir that
// joins an empty ZooKeeper brings its topics along (import.go). The znode
// layout is drawn in internal/zkdata's package doc.
//
// docs/config.md is generated from BrokerConfigDefs and KafkaDifferences:
//
//go:generate go test . -run TestConfigDocUpToDate -update
package cluster

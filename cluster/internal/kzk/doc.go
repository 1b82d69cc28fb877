// Package kzk is Sluice's cluster metadata store: Kafka's metadata in a
// znode tree (package znode: a ZooKeeper ensemble, or the single-node
// metadata file), laid out and encoded exactly as Kafka 3.9 does (package
// zkdata). It plays the part of Kafka's KafkaZkClient and AdminZkClient:
// typed reads, writes and watches of brokers, the controller, topics,
// partition states, configs, producer id blocks and notifications.
//
// # Compare-and-set and fencing
//
// Writes that are part of the controller's state are compare-and-set on
// the znode's version (a partition state's version is its partition
// epoch) and, when the controller makes them, fenced: each multi starts
// with a check of /controller_epoch's version, the Fence the controller
// got when elected (KAFKA-6082). After another controller is elected the
// check fails and the write is refused whole with ErrControllerMoved.
// Large controller writes (a topic of 10,000 partitions) are split into
// several fenced multis under ZooKeeper's 1 MiB request limit
// (WriteFenced); per-operation results say what applied.
//
// # Connection trouble
//
// Reads wait for the connection (until their ctx ends). A write lost in
// flight is sent again, as Kafka's retryRequestsUntilConnected does; a
// retried create may then find the znode it created (ErrNodeExists) and
// a retried conditional write the version it made (ErrBadVersion), which
// callers handle as they handle a concurrent writer. Broker registration
// and controller election resolve that ambiguity themselves by looking
// at who owns the ephemeral (KAFKA-7165). After a session expiry the
// owner calls RegisterBroker (and, if it was the controller, runs for
// election) again: the tree reports the expiry (znode.SessionExpired).
//
// Decoding errors (znode JSON written by hand) are *zkdata.DecodeError
// naming the znode; bulk reads return what is readable and report the
// rest.
//
// # What writes what
//
// The znodes and their JSON are drawn in package zkdata's documentation
// (go doc sluice/cluster/internal/zkdata). "fenced" = a controller write.
//
//	/cluster/id                            CreateOrGetClusterID
//	/brokers/ids/<id>              (E)     RegisterBroker
//	/brokers/seqid                         GenerateBrokerSequenceID
//	/brokers/topics/<t>                    CreateTopic, SetTopicAssignment (fenced or not)
//	/brokers/topics/<t>/partitions/<p>/state
//	                                       CreatePartitionStates, UpdatePartitionStates (fenced, CAS)
//	/controller                    (E)     TryElectController; Resign (fenced)
//	/controller_epoch                      TryElectController (CAS)
//	/admin/delete_topics/<t>               MarkTopicForDeletion; ClearDeletionMarks (fenced)
//	/admin/reassign_partitions             DeletePartitionReassignment (fenced)
//	/admin/preferred_replica_election      DeletePreferredReplicaElection (fenced)
//	/config/topics/<t>                     CreateTopic, SetTopicConfig
//	/config/brokers/<id|<default>>         SetBrokerConfig
//	/config/changes/config_change_<seq>    SetTopicConfig, SetBrokerConfig, SetEntityConfig
//	/isr_change_notification/...           CreateIsrChangeNotification; DeleteIsrChangeNotifications (fenced)
//	/log_dir_event_notification/...        CreateLogDirEvent; DeleteLogDirEvents (fenced)
//	/latest_producer_id_block              ClaimProducerIDBlock (CAS)
//	/feature                               SetupFeatureZNode
//	the topic's znodes, config, mark       CompleteTopicDeletion (fenced)
//	PersistentPaths                        CreateTopLevelPaths
package kzk

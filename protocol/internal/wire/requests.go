package wire

// requestFields is the schema of every request the broker may decode, in
// wire order, as Kafka's message definitions give it (field names are
// kmsg's). The walk follows it at the request's version; the tests check it
// against kmsg at every version kmsg knows: every encoding kmsg writes is
// walked exactly, and the walk accepts a body exactly when kmsg decodes it.
var requestFields = map[int16][]fs{
	0: { // Produce
		f("TransactionID").from(3), f("Acks"), f("TimeoutMillis"),
		f("Topics").of(
			f("Topic").upTo(12), f("TopicID").from(13),
			f("Partitions").of(f("Partition"), f("Records").nullBytes())),
	},
	1: { // Fetch
		f("ClusterID").tagged(0),
		f("ReplicaID").upTo(14),
		f("ReplicaState").tagged(1).of(f("ID"), f("Epoch")),
		f("MaxWaitMillis"), f("MinBytes"), f("MaxBytes").from(3), f("IsolationLevel").from(4),
		f("SessionID").from(7), f("SessionEpoch").from(7),
		f("Topics").of(
			f("Topic").upTo(12), f("TopicID").from(13),
			f("Partitions").of(
				f("Partition"), f("CurrentLeaderEpoch").from(9), f("FetchOffset"),
				f("LastFetchedEpoch").from(12), f("LogStartOffset").from(5), f("PartitionMaxBytes"),
				f("ReplicaDirectoryID").tagged(0), f("HighWatermark").tagged(1))),
		f("ForgottenTopics").from(7).of(f("Topic").upTo(12), f("TopicID").from(13), f("Partitions")),
		f("Rack").from(11),
	},
	2: { // ListOffsets
		f("ReplicaID"), f("IsolationLevel").from(2),
		f("Topics").of(
			f("Topic"),
			f("Partitions").of(f("Partition"), f("CurrentLeaderEpoch").from(4), f("Timestamp"), f("MaxNumOffsets").upTo(0))),
		f("TimeoutMillis").from(10),
	},
	3: { // Metadata
		f("Topics").of(f("TopicID").from(10), f("Topic").nullAt(10)),
		f("AllowAutoTopicCreation").from(4),
		f("IncludeClusterAuthorizedOperations").from(8).upTo(10),
		f("IncludeTopicAuthorizedOperations").from(8),
	},
	4: { // LeaderAndIsr
		f("ControllerID"), f("IsKRaftController").from(7), f("ControllerEpoch"), f("BrokerEpoch").from(2), f("Type").from(5),
		f("PartitionStates").upTo(1).of(leaderAndIsrPartition...),
		f("TopicStates").from(2).of(f("Topic"), f("TopicID").from(5), f("PartitionStates").of(leaderAndIsrPartition...)),
		f("LiveLeaders").of(f("BrokerID"), f("Host"), f("Port")),
	},
	5: { // StopReplica
		f("ControllerID"), f("ControllerEpoch"), f("IsKRaftController").from(4), f("BrokerEpoch").from(1),
		f("DeletePartitions").upTo(2),
		f("Topics").of(
			f("Topic"), f("Partition").upTo(0), f("Partitions").from(1).upTo(2),
			f("PartitionStates").from(3).of(f("Partition"), f("LeaderEpoch"), f("Delete"))),
	},
	6: { // UpdateMetadata
		f("ControllerID"), f("IsKRaftController").from(8), f("ControllerEpoch"), f("BrokerEpoch").from(5),
		f("PartitionStates").upTo(4).of(updateMetadataPartition...),
		f("TopicStates").from(5).of(f("Topic"), f("TopicID").from(7), f("PartitionStates").of(updateMetadataPartition...)),
		f("LiveBrokers").of(
			f("ID"), f("Host").upTo(0), f("Port").upTo(0),
			f("Endpoints").from(1).of(f("Port"), f("Host"), f("ListenerName").from(3), f("SecurityProtocol")),
			f("Rack").from(2)),
	},
	7: { // ControlledShutdown
		f("BrokerID"), f("BrokerEpoch").from(2),
	},
	8: { // OffsetCommit
		f("Group"), f("Generation").from(1), f("MemberID").from(1), f("InstanceID").from(7),
		f("RetentionTimeMillis").from(2).upTo(4),
		f("Topics").of(
			f("Topic").upTo(9), f("TopicID").from(10),
			f("Partitions").of(
				f("Partition"), f("Offset"), f("Timestamp").from(1).upTo(1), f("LeaderEpoch").from(6), f("Metadata"))),
	},
	9: { // OffsetFetch
		f("Group").upTo(7),
		f("Topics").upTo(7).of(f("Topic"), f("Partitions")),
		f("Groups").from(8).of(
			f("Group"), f("MemberID").from(9), f("MemberEpoch").from(9),
			f("Topics").of(f("Topic").upTo(9), f("TopicID").from(10), f("Partitions"))),
		f("RequireStable").from(7),
	},
	10: { // FindCoordinator
		f("CoordinatorKey").upTo(3), f("CoordinatorType").from(1), f("CoordinatorKeys").from(4),
	},
	11: { // JoinGroup
		f("Group"), f("SessionTimeoutMillis"), f("RebalanceTimeoutMillis").from(1), f("MemberID"),
		f("InstanceID").from(5), f("ProtocolType"),
		f("Protocols").of(f("Name"), f("Metadata")),
		f("Reason").from(8),
	},
	12: { // Heartbeat
		f("Group"), f("Generation"), f("MemberID"), f("InstanceID").from(3),
	},
	13: { // LeaveGroup
		f("Group"), f("MemberID").upTo(2),
		f("Members").from(3).of(f("MemberID"), f("InstanceID"), f("Reason").from(5)),
	},
	14: { // SyncGroup
		f("Group"), f("Generation"), f("MemberID"), f("InstanceID").from(3),
		f("ProtocolType").from(5), f("Protocol").from(5),
		f("GroupAssignment").of(f("MemberID"), f("MemberAssignment")),
	},
	15: { // DescribeGroups
		f("Groups"), f("IncludeAuthorizedOperations").from(3),
	},
	16: { // ListGroups
		f("StatesFilter").from(4), f("TypesFilter").from(5),
	},
	18: { // ApiVersions
		f("ClientSoftwareName").from(3), f("ClientSoftwareVersion").from(3),
		f("ClusterID").from(5), f("NodeID").from(5),
	},
	19: { // CreateTopics
		f("Topics").of(
			f("Topic"), f("NumPartitions"), f("ReplicationFactor"),
			f("ReplicaAssignment").of(f("Partition"), f("Replicas")),
			f("Configs").of(f("Name"), f("Value"))),
		f("TimeoutMillis"), f("ValidateOnly").from(1),
	},
	20: { // DeleteTopics
		f("TopicNames").upTo(5),
		f("Topics").from(6).of(f("Topic"), f("TopicID")),
		f("TimeoutMillis"),
	},
	21: { // DeleteRecords
		f("Topics").of(f("Topic"), f("Partitions").of(f("Partition"), f("Offset"))),
		f("TimeoutMillis"),
	},
	22: { // InitProducerID
		f("TransactionalID"), f("TransactionTimeoutMillis"), f("ProducerID").from(3), f("ProducerEpoch").from(3),
	},
	23: { // OffsetForLeaderEpoch
		f("ReplicaID").from(3),
		f("Topics").of(f("Topic"), f("Partitions").of(f("Partition"), f("CurrentLeaderEpoch").from(2), f("LeaderEpoch"))),
	},
	32: { // DescribeConfigs
		f("Resources").of(f("ResourceType"), f("ResourceName"), f("ConfigNames")),
		f("IncludeSynonyms").from(1), f("IncludeDocumentation").from(3),
	},
	33: { // AlterConfigs
		f("Resources").of(f("ResourceType"), f("ResourceName"), f("Configs").of(f("Name"), f("Value"))),
		f("ValidateOnly"),
	},
	34: { // AlterReplicaLogDirs
		f("Dirs").of(f("Dir"), f("Topics").of(f("Topic"), f("Partitions"))),
	},
	35: { // DescribeLogDirs
		f("Topics").of(f("Topic"), f("Partitions")),
	},
	37: { // CreatePartitions
		f("Topics").of(f("Topic"), f("Count"), f("Assignment").of(f("Replicas"))),
		f("TimeoutMillis"), f("ValidateOnly"),
	},
	42: { // DeleteGroups
		f("Groups"),
	},
	43: { // ElectLeaders
		f("ElectionType").from(1), f("Topics").of(f("Topic"), f("Partitions")), f("TimeoutMillis"),
	},
	44: { // IncrementalAlterConfigs
		f("Resources").of(f("ResourceType"), f("ResourceName"), f("Configs").of(f("Name"), f("Op"), f("Value"))),
		f("ValidateOnly"),
	},
	45: { // AlterPartitionReassignments
		f("TimeoutMillis"), f("AllowReplicationFactorChange").from(1),
		f("Topics").of(f("Topic"), f("Partitions").of(f("Partition"), f("Replicas"))),
	},
	46: { // ListPartitionReassignments
		f("TimeoutMillis"), f("Topics").of(f("Topic"), f("Partitions")),
	},
	47: { // OffsetDelete
		f("Group"), f("Topics").of(f("Topic"), f("Partitions").of(f("Partition"))),
	},
	60: { // DescribeCluster
		f("IncludeClusterAuthorizedOperations"), f("EndpointType").from(1), f("IncludeFencedBrokers").from(2),
	},
	61: { // DescribeProducers
		f("Topics").of(f("Topic"), f("Partitions")),
	},
	56: { // AlterPartition
		f("BrokerID"), f("BrokerEpoch"),
		f("Topics").of(
			f("Topic").upTo(1), f("TopicID").from(2),
			f("Partitions").of(
				f("Partition"), f("LeaderEpoch"), f("NewISR").upTo(2),
				f("NewEpochISR").from(3).of(f("BrokerID"), f("BrokerEpoch")),
				f("LeaderRecoveryState").from(1), f("PartitionEpoch"))),
	},
	68: { // ConsumerGroupHeartbeat
		f("Group"), f("MemberID"), f("MemberEpoch"), f("InstanceID"), f("RackID"), f("RebalanceTimeoutMillis"),
		f("SubscribedTopicNames"), f("SubscribedTopicRegex").from(1), f("ServerAssignor"),
		f("Topics").of(f("TopicID"), f("Partitions")),
	},
	69: { // ConsumerGroupDescribe
		f("Groups"), f("IncludeAuthorizedOperations"),
	},
}

// The partition state of LeaderAndIsr, at the top level (v0-1) and per
// topic (v2+).
var leaderAndIsrPartition = []fs{
	f("Topic").upTo(1), f("Partition"), f("ControllerEpoch"), f("Leader"), f("LeaderEpoch"),
	f("ISR"), f("ZKVersion"), f("Replicas"), f("AddingReplicas").from(3), f("RemovingReplicas").from(3),
	f("IsNew").from(1), f("LeaderRecoveryState").from(6),
}

// The partition state of UpdateMetadata, at the top level (v0-4) and per
// topic (v5+).
var updateMetadataPartition = []fs{
	f("Topic").upTo(4), f("Partition"), f("ControllerEpoch"), f("Leader"), f("LeaderEpoch"),
	f("ISR"), f("ZKVersion"), f("Replicas"), f("OfflineReplicas").from(4),
}

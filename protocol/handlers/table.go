package handlers

// Table returns the served APIs in key order. To serve a new API add its
// file and one line here; ApiVersions advertises exactly these ranges.
// Group APIs are served only when Env.Groups is set (see Env.Served).
func Table() []API {
	return []API{
		{Key: 0, Name: "Produce", MinVersion: 3, MaxVersion: 11, Handle: handleProduce},
		{Key: 1, Name: "Fetch", MinVersion: 4, MaxVersion: 16, Handle: handleFetch},
		{Key: 2, Name: "ListOffsets", MinVersion: 1, MaxVersion: 8, Handle: handleListOffsets},
		{Key: 3, Name: "Metadata", MinVersion: 0, MaxVersion: 12, Handle: handleMetadata},
		{Key: 4, Name: "LeaderAndIsr", MinVersion: 5, MaxVersion: 7, Handle: handleLeaderAndIsr},
		{Key: 5, Name: "StopReplica", MinVersion: 3, MaxVersion: 4, Handle: handleStopReplica},
		{Key: 6, Name: "UpdateMetadata", MinVersion: 5, MaxVersion: 8, Handle: handleUpdateMetadata},
		{Key: 7, Name: "ControlledShutdown", MinVersion: 2, MaxVersion: 3, Handle: handleControlledShutdown},
		{Key: 8, Name: "OffsetCommit", MinVersion: 0, MaxVersion: 9, Handle: handleOffsetCommit, Group: true},
		{Key: 9, Name: "OffsetFetch", MinVersion: 0, MaxVersion: 9, Handle: handleOffsetFetch, Group: true},
		{Key: 10, Name: "FindCoordinator", MinVersion: 0, MaxVersion: 5, Handle: handleFindCoordinator, Group: true},
		{Key: 11, Name: "JoinGroup", MinVersion: 0, MaxVersion: 9, Handle: handleJoinGroup, Group: true},
		{Key: 12, Name: "Heartbeat", MinVersion: 0, MaxVersion: 4, Handle: handleHeartbeat, Group: true},
		{Key: 13, Name: "LeaveGroup", MinVersion: 0, MaxVersion: 5, Handle: handleLeaveGroup, Group: true},
		{Key: 14, Name: "SyncGroup", MinVersion: 0, MaxVersion: 5, Handle: handleSyncGroup, Group: true},
		{Key: 15, Name: "DescribeGroups", MinVersion: 0, MaxVersion: 5, Handle: handleDescribeGroups, Group: true},
		{Key: 16, Name: "ListGroups", MinVersion: 0, MaxVersion: 5, Handle: handleListGroups, Group: true},
		{Key: 18, Name: "ApiVersions", MinVersion: 0, MaxVersion: 4, Handle: handleApiVersions},
		{Key: 19, Name: "CreateTopics", MinVersion: 0, MaxVersion: 7, Handle: handleCreateTopics},
		{Key: 20, Name: "DeleteTopics", MinVersion: 0, MaxVersion: 6, Handle: handleDeleteTopics},
		{Key: 21, Name: "DeleteRecords", MinVersion: 0, MaxVersion: 2, Handle: handleDeleteRecords},
		{Key: 22, Name: "InitProducerId", MinVersion: 0, MaxVersion: 4, Handle: handleInitProducerID},
		{Key: 23, Name: "OffsetForLeaderEpoch", MinVersion: 2, MaxVersion: 4, Handle: handleOffsetForLeaderEpoch},
		{Key: 32, Name: "DescribeConfigs", MinVersion: 0, MaxVersion: 4, Handle: handleDescribeConfigs},
		{Key: 33, Name: "AlterConfigs", MinVersion: 0, MaxVersion: 2, Handle: handleAlterConfigs},
		{Key: 34, Name: "AlterReplicaLogDirs", MinVersion: 1, MaxVersion: 2, Handle: handleAlterReplicaLogDirs},
		{Key: 35, Name: "DescribeLogDirs", MinVersion: 0, MaxVersion: 4, Handle: handleDescribeLogDirs},
		{Key: 37, Name: "CreatePartitions", MinVersion: 0, MaxVersion: 3, Handle: handleCreatePartitions},
		{Key: 42, Name: "DeleteGroups", MinVersion: 0, MaxVersion: 2, Handle: handleDeleteGroups, Group: true},
		{Key: 43, Name: "ElectLeaders", MinVersion: 0, MaxVersion: 2, Handle: handleElectLeaders},
		{Key: 44, Name: "IncrementalAlterConfigs", MinVersion: 0, MaxVersion: 1, Handle: handleIncrementalAlterConfigs},
		{Key: 45, Name: "AlterPartitionReassignments", MinVersion: 0, MaxVersion: 0, Handle: handleAlterPartitionReassignments},
		{Key: 46, Name: "ListPartitionReassignments", MinVersion: 0, MaxVersion: 0, Handle: handleListPartitionReassignments},
		{Key: 47, Name: "OffsetDelete", MinVersion: 0, MaxVersion: 0, Handle: handleOffsetDelete, Group: true},
		{Key: 56, Name: "AlterPartition", MinVersion: 2, MaxVersion: 3, Handle: handleAlterPartition},
		{Key: 60, Name: "DescribeCluster", MinVersion: 0, MaxVersion: 1, Handle: handleDescribeCluster},
		{Key: 61, Name: "DescribeProducers", MinVersion: 0, MaxVersion: 0, Handle: handleDescribeProducers},
		{Key: 68, Name: "ConsumerGroupHeartbeat", MinVersion: 0, MaxVersion: 1, Handle: handleConsumerGroupHeartbeat, Group: true},
		{Key: 69, Name: "ConsumerGroupDescribe", MinVersion: 0, MaxVersion: 1, Handle: handleConsumerGroupDescribe, Group: true},
	}
}

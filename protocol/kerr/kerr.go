// Package kerr is the table of Kafka protocol error codes: one typed value
// per code with its name (as in Kafka's Errors enum), whether a client may
// retry, and Kafka's default message. Handlers answer with these values,
// never with bare integers; FromError maps Sluice's sentinel errors (engine,
// record, cluster) to them.
//
// The codes are part of the wire protocol and must never change.
package kerr

// Error is one Kafka error code.
type Error struct {
	Code      int16
	Name      string
	Retriable bool
	Message   string
}

// Error implements error: "NAME: message".
func (e *Error) Error() string { return e.Name + ": " + e.Message }

func def(code int16, name string, retriable bool, msg string) *Error {
	e := &Error{Code: code, Name: name, Retriable: retriable, Message: msg}
	byCode[code] = e
	return e
}

var byCode = map[int16]*Error{}

// ForCode returns the error for a code, or nil for 0 and unknown codes.
func ForCode(code int16) *Error { return byCode[code] }

// The table, in code order. Messages are Kafka's defaults (Errors.java).
var (
	UnknownServerError               = def(-1, "UNKNOWN_SERVER_ERROR", false, "The server experienced an unexpected error when processing the request.")
	OffsetOutOfRange                 = def(1, "OFFSET_OUT_OF_RANGE", false, "The requested offset is not within the range of offsets maintained by the server.")
	CorruptMessage                   = def(2, "CORRUPT_MESSAGE", true, "This message has failed its CRC checksum, exceeds the valid size, has a null key for a compacted topic, or is otherwise corrupt.")
	UnknownTopicOrPartition          = def(3, "UNKNOWN_TOPIC_OR_PARTITION", true, "This server does not host this topic-partition.")
	InvalidFetchSize                 = def(4, "INVALID_FETCH_SIZE", false, "The requested fetch size is invalid.")
	LeaderNotAvailable               = def(5, "LEADER_NOT_AVAILABLE", true, "There is no leader for this topic-partition as we are in the middle of a leadership election.")
	NotLeaderOrFollower              = def(6, "NOT_LEADER_OR_FOLLOWER", true, "For requests intended only for the leader, this error indicates that the broker is not the current leader. For requests intended for any replica, this error indicates that the broker is not a replica of the topic partition.")
	RequestTimedOut                  = def(7, "REQUEST_TIMED_OUT", true, "The request timed out.")
	BrokerNotAvailable               = def(8, "BROKER_NOT_AVAILABLE", false, "The broker is not available.")
	ReplicaNotAvailable              = def(9, "REPLICA_NOT_AVAILABLE", true, "The replica is not available for the requested topic-partition.")
	MessageTooLarge                  = def(10, "MESSAGE_TOO_LARGE", true, "The request included a message larger than the max message size the server will accept.")
	StaleControllerEpoch             = def(11, "STALE_CONTROLLER_EPOCH", false, "The controller moved to another broker.")
	OffsetMetadataTooLarge           = def(12, "OFFSET_METADATA_TOO_LARGE", false, "The metadata field of the offset request was too large.")
	NetworkException                 = def(13, "NETWORK_EXCEPTION", true, "The server disconnected before a response was received.")
	CoordinatorLoadInProgress        = def(14, "COORDINATOR_LOAD_IN_PROGRESS", true, "The coordinator is loading and hence can't process requests.")
	CoordinatorNotAvailable          = def(15, "COORDINATOR_NOT_AVAILABLE", true, "The coordinator is not available.")
	NotCoordinator                   = def(16, "NOT_COORDINATOR", true, "This is not the correct coordinator.")
	InvalidTopicException            = def(17, "INVALID_TOPIC_EXCEPTION", false, "The request attempted to perform an operation on an invalid topic.")
	RecordListTooLarge               = def(18, "RECORD_LIST_TOO_LARGE", false, "The request included message batch larger than the configured segment size on the server.")
	NotEnoughReplicas                = def(19, "NOT_ENOUGH_REPLICAS", true, "Messages are rejected since there are fewer in-sync replicas than required.")
	NotEnoughReplicasAfterAppend     = def(20, "NOT_ENOUGH_REPLICAS_AFTER_APPEND", true, "Messages are written to the log, but to fewer in-sync replicas than required.")
	InvalidRequiredAcks              = def(21, "INVALID_REQUIRED_ACKS", false, "Produce request specified an invalid value for required acks.")
	IllegalGeneration                = def(22, "ILLEGAL_GENERATION", false, "Specified group generation id is not valid.")
	InconsistentGroupProtocol        = def(23, "INCONSISTENT_GROUP_PROTOCOL", false, "The group member's supported protocols are incompatible with those of existing members or first group member tried to join with empty protocol type or empty protocol list.")
	InvalidGroupID                   = def(24, "INVALID_GROUP_ID", false, "The configured groupId is invalid.")
	UnknownMemberID                  = def(25, "UNKNOWN_MEMBER_ID", false, "The coordinator is not aware of this member.")
	InvalidSessionTimeout            = def(26, "INVALID_SESSION_TIMEOUT", false, "The session timeout is not within the range allowed by the broker (as configured by group.min.session.timeout.ms and group.max.session.timeout.ms).")
	RebalanceInProgress              = def(27, "REBALANCE_IN_PROGRESS", false, "The group is rebalancing, so a rejoin is needed.")
	InvalidCommitOffsetSize          = def(28, "INVALID_COMMIT_OFFSET_SIZE", false, "The committing offset data size is not valid.")
	TopicAuthorizationFailed         = def(29, "TOPIC_AUTHORIZATION_FAILED", false, "Topic authorization failed.")
	GroupAuthorizationFailed         = def(30, "GROUP_AUTHORIZATION_FAILED", false, "Group authorization failed.")
	ClusterAuthorizationFailed       = def(31, "CLUSTER_AUTHORIZATION_FAILED", false, "Cluster authorization failed.")
	InvalidTimestamp                 = def(32, "INVALID_TIMESTAMP", false, "The timestamp of the message is out of acceptable range.")
	UnsupportedSaslMechanism         = def(33, "UNSUPPORTED_SASL_MECHANISM", false, "The broker does not support the requested SASL mechanism.")
	IllegalSaslState                 = def(34, "ILLEGAL_SASL_STATE", false, "Request is not valid given the current SASL state.")
	UnsupportedVersion               = def(35, "UNSUPPORTED_VERSION", false, "The version of API is not supported.")
	TopicAlreadyExists               = def(36, "TOPIC_ALREADY_EXISTS", false, "Topic with this name already exists.")
	InvalidPartitions                = def(37, "INVALID_PARTITIONS", false, "Number of partitions is below 1.")
	InvalidReplicationFactor         = def(38, "INVALID_REPLICATION_FACTOR", false, "Replication factor is below 1 or larger than the number of available brokers.")
	InvalidReplicaAssignment         = def(39, "INVALID_REPLICA_ASSIGNMENT", false, "Replica assignment is invalid.")
	InvalidConfig                    = def(40, "INVALID_CONFIG", false, "Configuration is invalid.")
	NotController                    = def(41, "NOT_CONTROLLER", true, "This is not the correct controller for this cluster.")
	InvalidRequest                   = def(42, "INVALID_REQUEST", false, "This most likely occurs because of a request being malformed by the client library or the message was sent to an incompatible broker. See the broker logs for more details.")
	UnsupportedForMessageFormat      = def(43, "UNSUPPORTED_FOR_MESSAGE_FORMAT", false, "The message format version on the broker does not support the request.")
	PolicyViolation                  = def(44, "POLICY_VIOLATION", false, "Request parameters do not satisfy the configured policy.")
	OutOfOrderSequenceNumber         = def(45, "OUT_OF_ORDER_SEQUENCE_NUMBER", false, "The broker received an out of order sequence number.")
	DuplicateSequenceNumber          = def(46, "DUPLICATE_SEQUENCE_NUMBER", false, "The broker received a duplicate sequence number.")
	InvalidProducerEpoch             = def(47, "INVALID_PRODUCER_EPOCH", false, "Producer attempted to produce with an old epoch.")
	InvalidTxnState                  = def(48, "INVALID_TXN_STATE", false, "The producer attempted a transactional operation in an invalid state.")
	InvalidProducerIDMapping         = def(49, "INVALID_PRODUCER_ID_MAPPING", false, "The producer attempted to use a producer id which is not currently assigned to its transactional id.")
	InvalidTransactionTimeout        = def(50, "INVALID_TRANSACTION_TIMEOUT", false, "The transaction timeout is larger than the maximum value allowed by the broker (as configured by transaction.max.timeout.ms).")
	ConcurrentTransactions           = def(51, "CONCURRENT_TRANSACTIONS", true, "The producer attempted to update a transaction while another concurrent operation on the same transaction was ongoing.")
	TransactionCoordinatorFenced     = def(52, "TRANSACTION_COORDINATOR_FENCED", false, "Indicates that the transaction coordinator sending a WriteTxnMarker is no longer the current coordinator for a given producer.")
	TransactionalIDAuthFailed        = def(53, "TRANSACTIONAL_ID_AUTHORIZATION_FAILED", false, "Transactional Id authorization failed.")
	SecurityDisabled                 = def(54, "SECURITY_DISABLED", false, "Security features are disabled.")
	OperationNotAttempted            = def(55, "OPERATION_NOT_ATTEMPTED", false, "The broker did not attempt to execute this operation. This may happen for batched RPCs where some operations in the batch failed, causing the broker to respond without trying the rest.")
	KafkaStorageError                = def(56, "KAFKA_STORAGE_ERROR", true, "Disk error when trying to access log file on the disk.")
	LogDirNotFound                   = def(57, "LOG_DIR_NOT_FOUND", false, "The user-specified log directory is not found in the broker config.")
	SaslAuthenticationFailed         = def(58, "SASL_AUTHENTICATION_FAILED", false, "SASL Authentication failed.")
	UnknownProducerID                = def(59, "UNKNOWN_PRODUCER_ID", false, "This exception is raised by the broker if it could not locate the producer metadata associated with the producerId in question.")
	ReassignmentInProgress           = def(60, "REASSIGNMENT_IN_PROGRESS", false, "A partition reassignment is in progress.")
	DelegationTokenAuthDisabled      = def(61, "DELEGATION_TOKEN_AUTH_DISABLED", false, "Delegation Token feature is not enabled.")
	DelegationTokenNotFound          = def(62, "DELEGATION_TOKEN_NOT_FOUND", false, "Delegation Token is not found on server.")
	DelegationTokenOwnerMismatch     = def(63, "DELEGATION_TOKEN_OWNER_MISMATCH", false, "Specified Principal is not valid Owner/Renewer.")
	DelegationTokenRequestNotAllowed = def(64, "DELEGATION_TOKEN_REQUEST_NOT_ALLOWED", false, "Delegation Token requests are not allowed on PLAINTEXT/1-way SSL channels and on delegation token authenticated channels.")
	DelegationTokenAuthFailed        = def(65, "DELEGATION_TOKEN_AUTHORIZATION_FAILED", false, "Delegation Token authorization failed.")
	DelegationTokenExpired           = def(66, "DELEGATION_TOKEN_EXPIRED", false, "Delegation Token is expired.")
	InvalidPrincipalType             = def(67, "INVALID_PRINCIPAL_TYPE", false, "Supplied principalType is not supported.")
	NonEmptyGroup                    = def(68, "NON_EMPTY_GROUP", false, "The group is not empty.")
	GroupIDNotFound                  = def(69, "GROUP_ID_NOT_FOUND", false, "The group id does not exist.")
	FetchSessionIDNotFound           = def(70, "FETCH_SESSION_ID_NOT_FOUND", true, "The fetch session ID was not found.")
	InvalidFetchSessionEpoch         = def(71, "INVALID_FETCH_SESSION_EPOCH", true, "The fetch session epoch is invalid.")
	ListenerNotFound                 = def(72, "LISTENER_NOT_FOUND", true, "There is no listener on the leader broker that matches the listener on which metadata request was processed.")
	TopicDeletionDisabled            = def(73, "TOPIC_DELETION_DISABLED", false, "Topic deletion is disabled.")
	FencedLeaderEpoch                = def(74, "FENCED_LEADER_EPOCH", true, "The leader epoch in the request is older than the epoch on the broker.")
	UnknownLeaderEpoch               = def(75, "UNKNOWN_LEADER_EPOCH", true, "The leader epoch in the request is newer than the epoch on the broker.")
	UnsupportedCompressionType       = def(76, "UNSUPPORTED_COMPRESSION_TYPE", false, "The requesting client does not support the compression type of given partition.")
	StaleBrokerEpoch                 = def(77, "STALE_BROKER_EPOCH", false, "Broker epoch has changed.")
	OffsetNotAvailable               = def(78, "OFFSET_NOT_AVAILABLE", true, "The leader high watermark has not caught up from a recent leader election so the offsets cannot be guaranteed to be monotonically increasing.")
	MemberIDRequired                 = def(79, "MEMBER_ID_REQUIRED", false, "The group member needs to have a valid member id before actually entering a consumer group.")
	PreferredLeaderNotAvailable      = def(80, "PREFERRED_LEADER_NOT_AVAILABLE", true, "The preferred leader was not available.")
	GroupMaxSizeReached              = def(81, "GROUP_MAX_SIZE_REACHED", false, "The consumer group has reached its max size.")
	FencedInstanceID                 = def(82, "FENCED_INSTANCE_ID", false, "The broker rejected this static consumer since another consumer with the same group.instance.id has registered with a different member.id.")
	EligibleLeadersNotAvailable      = def(83, "ELIGIBLE_LEADERS_NOT_AVAILABLE", true, "Eligible topic partition leaders are not available.")
	ElectionNotNeeded                = def(84, "ELECTION_NOT_NEEDED", true, "Leader election not needed for topic partition.")
	NoReassignmentInProgress         = def(85, "NO_REASSIGNMENT_IN_PROGRESS", false, "No partition reassignment is in progress.")
	GroupSubscribedToTopic           = def(86, "GROUP_SUBSCRIBED_TO_TOPIC", false, "Deleting offsets of a topic is forbidden while the consumer group is actively subscribed to it.")
	InvalidRecord                    = def(87, "INVALID_RECORD", false, "This record has failed the validation on broker and hence will be rejected.")
	UnstableOffsetCommit             = def(88, "UNSTABLE_OFFSET_COMMIT", true, "There are unstable offsets that need to be cleared.")
	ThrottlingQuotaExceeded          = def(89, "THROTTLING_QUOTA_EXCEEDED", true, "The throttling quota has been exceeded.")
	ProducerFenced                   = def(90, "PRODUCER_FENCED", false, "There is a newer producer with the same transactionalId which fences the current one.")
	ResourceNotFound                 = def(91, "RESOURCE_NOT_FOUND", false, "A request illegally referred to a resource that does not exist.")
	DuplicateResource                = def(92, "DUPLICATE_RESOURCE", false, "A request illegally referred to the same resource twice.")
	UnacceptableCredential           = def(93, "UNACCEPTABLE_CREDENTIAL", false, "Requested credential would not meet criteria for acceptability.")
	InconsistentVoterSet             = def(94, "INCONSISTENT_VOTER_SET", false, "Indicates that the either the sender or recipient of a voter-only request is not one of the expected voters.")
	InvalidUpdateVersion             = def(95, "INVALID_UPDATE_VERSION", false, "The given update version was invalid.")
	FeatureUpdateFailed              = def(96, "FEATURE_UPDATE_FAILED", false, "Unable to update finalized features due to an unexpected server error.")
	PrincipalDeserializationFailure  = def(97, "PRINCIPAL_DESERIALIZATION_FAILURE", false, "Request principal deserialization failed during forwarding. This indicates an internal error on the broker cluster security setup.")
	SnapshotNotFound                 = def(98, "SNAPSHOT_NOT_FOUND", false, "Requested snapshot was not found.")
	PositionOutOfRange               = def(99, "POSITION_OUT_OF_RANGE", false, "Requested position is not greater than or equal to zero, and less than the size of the snapshot.")
	UnknownTopicID                   = def(100, "UNKNOWN_TOPIC_ID", true, "This server does not host this topic ID.")
	DuplicateBrokerRegistration      = def(101, "DUPLICATE_BROKER_REGISTRATION", false, "This broker ID is already in use.")
	BrokerIDNotRegistered            = def(102, "BROKER_ID_NOT_REGISTERED", false, "The given broker ID was not registered.")
	InconsistentTopicID              = def(103, "INCONSISTENT_TOPIC_ID", true, "The log's topic ID did not match the topic ID in the request.")
	InconsistentClusterID            = def(104, "INCONSISTENT_CLUSTER_ID", false, "The clusterId in the request does not match that found on the server.")
	TransactionalIDNotFound          = def(105, "TRANSACTIONAL_ID_NOT_FOUND", false, "The transactionalId could not be found.")
	FetchSessionTopicIDError         = def(106, "FETCH_SESSION_TOPIC_ID_ERROR", true, "The fetch session encountered inconsistent topic ID usage.")
	IneligibleReplica                = def(107, "INELIGIBLE_REPLICA", false, "The new ISR contains at least one ineligible replica.")
	NewLeaderElected                 = def(108, "NEW_LEADER_ELECTED", false, "The AlterPartition request successfully updated the partition state but the leader has changed.")
	OffsetMovedToTieredStorage       = def(109, "OFFSET_MOVED_TO_TIERED_STORAGE", false, "The requested offset is moved to tiered storage.")
	FencedMemberEpoch                = def(110, "FENCED_MEMBER_EPOCH", false, "The member epoch is fenced by the group coordinator. The member must abandon all its partitions and rejoin.")
	UnreleasedInstanceID             = def(111, "UNRELEASED_INSTANCE_ID", false, "The instance ID is still used by another member in the consumer group. That member must leave first.")
	UnsupportedAssignor              = def(112, "UNSUPPORTED_ASSIGNOR", false, "The assignor or its version range is not supported by the consumer group.")
	StaleMemberEpoch                 = def(113, "STALE_MEMBER_EPOCH", false, "The member epoch is stale. The member must retry after receiving its updated member epoch via the ConsumerGroupHeartbeat API.")
	MismatchedEndpointType           = def(114, "MISMATCHED_ENDPOINT_TYPE", false, "The request was sent to an endpoint of the wrong type.")
	UnsupportedEndpointType          = def(115, "UNSUPPORTED_ENDPOINT_TYPE", false, "This endpoint type is not supported yet.")
	UnknownControllerID              = def(116, "UNKNOWN_CONTROLLER_ID", false, "This controller ID is not known.")
	UnknownSubscriptionID            = def(117, "UNKNOWN_SUBSCRIPTION_ID", false, "Client sent a push telemetry request with an invalid or outdated subscription ID.")
	TelemetryTooLarge                = def(118, "TELEMETRY_TOO_LARGE", false, "Client sent a push telemetry request larger than the maximum size the broker will accept.")
	InvalidRegistration              = def(119, "INVALID_REGISTRATION", false, "The controller has considered the broker registration to be invalid.")
	TransactionAbortable             = def(120, "TRANSACTION_ABORTABLE", false, "The server encountered an error with the transaction. The client can abort the transaction to continue using this transactional ID.")
	// Kafka 4.0 (KIP-848 regex subscriptions, served by ConsumerGroupHeartbeat v1).
	InvalidRegularExpression = def(128, "INVALID_REGULAR_EXPRESSION", false, "The regular expression is not valid.")
)

// CodeOf returns e's code, 0 for nil.
func CodeOf(e *Error) int16 {
	if e == nil {
		return 0
	}
	return e.Code
}

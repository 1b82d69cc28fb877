// Package group is the consumer group coordinator: Kafka's classic group
// protocol (JoinGroup v0-9, SyncGroup v0-5, Heartbeat v0-4, LeaveGroup
// v0-5), the KIP-848 consumer protocol (ConsumerGroupHeartbeat v0-1,
// ConsumerGroupDescribe v0-1, server-side "uniform" and "range" assignors),
// committed offsets (OffsetCommit v0-9, OffsetFetch v0-9, OffsetDelete v0)
// and the admin APIs (ListGroups v0-5, DescribeGroups v0-5, DeleteGroups
// v0-2), with groups and offsets stored in __consumer_offsets records in
// Kafka 3.9's own format.
//
// # A pure state machine
//
// A Coordinator does no I/O, starts no goroutines and reads no clock. The
// adapter (protocol layer) feeds it events with the current time and carries
// out the actions it returns:
//
//	acts := c.Handle(now, ev)
//
//	events                               actions
//	Request{ID, ClientID, Host, Msg}     Respond{To: ID, Msg}   exactly one per Request,
//	                                                            maybe in a later Handle
//	Tick{}                               SetTimer{At}           call Handle(Tick) at At
//	LoadBegin / LoadRecords /            Append{Partition,      append Records as ONE batch
//	  LoadComplete / Unload{Partition}     Token, Records}      to __consumer_offsets, then
//	AppendDone{Partition, Token, Code}                          feed AppendDone
//	TopicsDeleted{Topics}                                       (tombstones, no response)
//	TopicsChanged{Topics}                                       (KIP-848 assignors' metadata)
//	RegexesResolved{Group, Seq,          ResolveRegexes{Group,  match Regexes against
//	  Topics}                              Seq, Regexes,        Topics off the coordinator's
//	                                       Topics}              goroutine, feed back
//	                                                            RegexesResolved
//
// Requests about a group whose __consumer_offsets partition this broker does
// not lead get NOT_COORDINATOR; while the partition loads,
// COORDINATOR_LOAD_IN_PROGRESS. Responses that depend on a write (SyncGroup
// of the leader, OffsetCommit, OffsetDelete, DeleteGroups, a static member's
// rejoin, a ConsumerGroupHeartbeat that changed the group) are sent after
// the AppendDone of that write. Committed offsets
// become visible only then (OffsetFetch with require_stable answers
// UNSTABLE_OFFSET_COMMIT meanwhile).
//
// The adapter owns the Coordinator from one goroutine (Runner does that part:
// event queue, wall clock, timer, callbacks for Respond and Append),
// routes only the group APIs to it, checks topic existence and ACLs itself,
// and answers FindCoordinator with the leader of partition PartitionFor(id).
//
// # Classic group states (Kafka's GroupMetadata)
//
//	              first JoinGroup
//	+-------+ ---------------------> +--------------------+
//	| Empty |                        | PreparingRebalance | <-----------+
//	+-------+ <--------------------- +--------------------+             |
//	  |  ^      join phase ends            | join phase ends            |
//	  |  |      with no member             | (all rejoined or           | join, leave,
//	  |  |                                 |  rebalance timeout)        | session or
//	  |  |                                 v                            | sync timeout,
//	  |  |                       +---------------------+ ---------------+ protocol change
//	  |  |                       | CompletingRebalance |                |
//	  |  |                       +---------------------+                |
//	  |  |                                 | leader's SyncGroup         |
//	  |  |                                 v  durable                   |
//	  |  |                             +--------+ ----------------------+
//	  |  |                             | Stable |
//	  |  |                             +--------+
//	  v
//	+------+  DeleteGroups, or offsets all expired while Empty
//	| Dead |
//	+------+
//
// The join phase lasts until every member has rejoined, bounded by the
// largest rebalance.timeout.ms of the members; for an Empty group it is
// first held for group.initial.rebalance.delay.ms (extended by the same
// delay, within the rebalance timeout, while new members keep arriving).
// Dynamic members that did not rejoin are removed; static ones
// (group.instance.id) stay. The generation id increments at the end of
// every join phase. Members that do not send SyncGroup within the rebalance
// timeout are removed. A member whose session.timeout.ms passes without a
// heartbeat (JoinGroup, SyncGroup, Heartbeat and OffsetCommit all count) is
// removed, except while it waits in a join or sync phase.
//
// # __consumer_offsets records (on disk: never change)
//
// The partition of a group is (javaStringHashCode(groupId) & 0x7fffffff) %
// offsets.topic.num.partitions. Integers are big-endian; string =
// int16 length + UTF-8 (nullable: length -1 = null); bytes = int32 length +
// bytes; array = int32 count + elements. Versions 4 of the values are
// "flexible" (compact lengths as unsigned varint n+1, tagged fields); they
// are read, not written.
//
//	OffsetCommitKey (key version 0 or 1; written: 1)
//	| version int16 = 1 | group string | topic string | partition int32 |
//
//	GroupMetadataKey (key version 2)
//	| version int16 = 2 | group string |
//
//	OffsetCommitValue v3 (written without expire timestamp)
//	| version int16 = 3 | offset int64 | leaderEpoch int32 | metadata string | commitTimestamp int64 |
//	OffsetCommitValue v1 (written when OffsetCommit v2-v4 set a retention time)
//	| version int16 = 1 | offset int64 | metadata string | commitTimestamp int64 | expireTimestamp int64 |
//	(v0: offset, metadata, commitTimestamp; v2: as v0; v4: as v3, flexible)
//
//	GroupMetadataValue v3
//	| version int16 = 3 | protocolType string | generation int32 | protocol nullable string |
//	| leader nullable string | currentStateTimestamp int64 | members array of:
//	|   memberId string | groupInstanceId nullable string | clientId string | clientHost string |
//	|   rebalanceTimeout int32 | sessionTimeout int32 | subscription bytes | assignment bytes |
//	(v0: no currentStateTimestamp, rebalanceTimeout, groupInstanceId; v1 adds
//	rebalanceTimeout; v2 adds currentStateTimestamp; v4 = v3 flexible)
//
// A null value is a tombstone: the offset, or the whole group, is deleted.
// Loading a partition replays its records in order; the last record of a
// key wins. A group record with members loads as Stable (members must
// heartbeat within their session timeout), without members as Empty.
//
// Key versions 3-8 are KIP-848 consumer groups (below); others (share
// groups, streams groups) are skipped.
//
// # KIP-848 consumer groups
//
// See consumer.go for the reconciliation diagram. Their state is written
// as Kafka 3.9 writes it (records_consumer.go), appended before the
// heartbeat is answered. Keys are classic encodings; values are version 0,
// flexible (compact strings/arrays as uvarint length+1 with 0 = null,
// 16-byte uuids, a tagged-field byte closing every struct):
//
//	key 3 ConsumerGroupMetadataKey(group)                -> | epoch int32 |
//	key 4 ConsumerGroupPartitionMetadataKey(group)       -> | topics [ topicId uuid | name | numPartitions int32 | partitionMetadata [] ] |
//	key 5 ConsumerGroupMemberMetadataKey(group, member)  -> | instanceId? | rackId? | clientId | clientHost | subscribedTopicNames [] |
//	                                                        | subscribedTopicRegex? | rebalanceTimeoutMs int32 | serverAssignor? |
//	key 6 ConsumerGroupTargetAssignmentMetadataKey(group)       -> | assignmentEpoch int32 |
//	key 7 ConsumerGroupTargetAssignmentMemberKey(group, member) -> | topicPartitions [ topicId uuid | partitions []int32 ] |
//	key 8 ConsumerGroupCurrentMemberAssignmentKey(group, member) -> | memberEpoch int32 | previousMemberEpoch int32 |
//	                                                        | state int8 (0 stable, 1 unrevoked, 2 unreleased) |
//	                                                        | assignedPartitions [...] | partitionsPendingRevocation [...] |
//
// A member leaving writes tombstones for keys 8, 7, 5; a deleted group for
// keys 6, 4, 3. A static member (instance id) leaving with epoch -2 keeps
// its assignment until its session times out; its next incarnation (a new
// member id, same instance id) takes it over without a new group epoch;
// while it is still active, UNRELEASED_INSTANCE_ID. Differences from Kafka: a heartbeat with an epoch > 0 for
// a group this coordinator does not know gets UNKNOWN_MEMBER_ID (the member
// rejoins) rather than GROUP_ID_NOT_FOUND; when an append fails the
// in-memory state is not rolled back (the member retries, and the next
// leader of the partition reloads from the log); subscribed topic regexes
// are served as in Kafka 4 (regex.go: RE2 syntax, whole-name matches,
// internal topics included, resolved again when topics come or go) but
// their resolutions are not recorded, so a loaded group resolves them anew
// and starts a new epoch; classic members cannot
// join a non-empty consumer group (INCONSISTENT_GROUP_PROTOCOL: no online
// migration between protocols); an OffsetCommit at the member's previous
// epoch is accepted for partitions it still holds (as KIP-1251 later
// allows; Kafka 3.9 answers STALE_MEMBER_EPOCH). The adapter sends
// TopicsChanged before the first LoadBegin and after every topic change.
package group

// Package replica is the replication state machine of one partition on
// one broker, as Kafka 3.9 runs it in ZooKeeper mode (Partition,
// Replica, DelayedProduce and the replica fetcher's decisions): leader
// epochs, the ISR, the high watermark (HW), acks=all completion, follower
// fetch answers, and follower truncation. It does no I/O, starts no
// goroutines and reads no clock; it imports none of our packages.
//
// # The model
//
// The adapter (the broker's replica manager) owns one Partition per local
// replica, from one goroutine or under the partition's lock, and feeds it
// events; the machine returns actions, which the adapter carries out in
// order before the next event:
//
//	acts := p.Step(ev)
//
//	events                                  actions
//	LeaderAndIsr{Leader, epochs, ISR}       AssignEpoch{Epoch, StartOffset}   leader-epoch cache
//	Stop{}                                  SetHighWatermark{Offset}          log HW (clamped)
//	ConfigChanged{Config}                   Truncate{Offset}                  follower log
//	Appended{}              (leader)        TruncateFully{Offset}             follower log
//	WaitAcks{ID, RequiredOffset, Deadline}  AppendRecords{Records}            follower log
//	FollowerFetch{ReplicaID, ...}           SetLogStart{Offset}               follower log
//	Tick{}                                  AlterPartition{Seq, ISR, ...}     to the controller
//	AlterPartitionResponse{Seq, ...}        CompleteAck{ID, Err}              produce response
//	FetchResponse{Request, ...} (follower)  FetchAnswer{ReplicaID, ...}       one per FollowerFetch
//	LeaderOffsets{...}          (follower)  ListLeaderOffsets{Leader, Epoch}  ListOffsets to the leader
//	                                        Backoff{}                         replica.fetch.backoff.ms
//	                                        LogLine{Level, Msg, Attrs}        state-change.log
//
// Time comes in the events (Now, Deadline). The machine reads facts about
// the local log through the read-only Log interface (log end, log start,
// HW, latest epoch, end offset of an epoch), which *engine.Log satisfies;
// it never assumes an action was applied, so it re-reads them on every
// event. Queries that change nothing are methods: NextFetch (the fetch a
// follower sends next), CanAppend, CheckLeaderEpoch, OffsetForLeaderEpoch,
// HighWatermark, ISR, MaximalISR, Role, NextDeadline, Waiting and the
// metric flags (UnderReplicated, UnderMinISR, AtMinISR, Stats).
//
// The leader's own appends are not actions: the adapter appends a
// produce's batch itself (after CanAppend) and then steps Appended, and
// WaitAcks for acks=all.
//
// # Leader (Kafka's Partition.makeLeader, updateFollowerFetchState,
// maybeExpandIsr, maybeShrinkIsr, maybeIncrementLeaderHW)
//
//   - Becoming leader for a new leader epoch records that the epoch starts
//     at the log end (AssignEpoch), so that followers holding records of
//     epochs this log never saw still find where the logs agree (KIP-101,
//     KIP-279). Followers' states are reset: ISR members count as caught
//     up now, others not at all; a broker that was not leader before
//     forgets their positions (Replica.resetReplicaState).
//   - A follower fetch is checked in Kafka's order: the current leader
//     epoch (lower: FENCED_LEADER_EPOCH, higher: UNKNOWN_LEADER_EPOCH),
//     leadership (NOT_LEADER_OR_FOLLOWER), membership (UNKNOWN_LEADER_EPOCH),
//     then the last fetched epoch against this log's epoch cache: unknown
//     is OFFSET_OUT_OF_RANGE, a fetch offset below the log start too, and
//     an epoch or offset the leader's history does not reach is a
//     DivergingEpoch answer, which does not record the follower's position
//     (KAFKA-13141: it may hold records the leader never had). A fetch
//     offset past the log end or below the log start is
//     OFFSET_OUT_OF_RANGE. Otherwise the follower's position is recorded
//     (Replica.updateFetchState: caught up as of now if it fetched from the
//     log end, as of its previous fetch if it fetched at least the log end
//     the leader had then).
//   - ISR expansion, on a recorded fetch: the follower's log end reaches
//     the HW and the start offset of the current leader epoch (KAFKA-7128:
//     a new leader's HW can lag records its predecessor committed), and no
//     other change is in flight. ISR shrink, on Tick: the ISR members that
//     have not caught up within replica.lag.time.max.ms (a member whose log
//     end equals the leader's is always caught up). Both are proposed to
//     the controller with AlterPartition; one change is in flight at a time
//     and the committed ISR stays in force until the answer (Kafka's
//     PendingExpandIsr/PendingShrinkIsr). OPERATION_NOT_ATTEMPTED and
//     INELIGIBLE_REPLICA drop the change; FENCED_LEADER_EPOCH,
//     INVALID_UPDATE_VERSION, UNKNOWN_TOPIC_*, INVALID_REQUEST and
//     NEW_LEADER_ELECTED keep it pending until a LeaderAndIsr; other errors
//     resend it.
//   - HW = the smallest log end among the maximal ISR (committed ISR plus a
//     pending addition, KIP-497) and the caught-up followers that may join
//     it, never moving backwards, and not moving at all while the committed
//     ISR is smaller than the effective min ISR = min(min.insync.replicas,
//     replication factor) (KAFKA-15583, Kafka 3.7+). It is recomputed on
//     appends, recorded fetches, ISR commits, config changes and ticks.
//   - acks=all: CanAppend refuses with NOT_ENOUGH_REPLICAS while the
//     committed ISR is smaller than the effective min ISR, before anything
//     is written. A WaitAcks completes when the HW reaches its offset: None,
//     or NOT_ENOUGH_REPLICAS_AFTER_APPEND if the maximal ISR is by then
//     smaller than the effective min ISR (checkEnoughReplicasReachOffset);
//     REQUEST_TIMED_OUT at its deadline; NOT_LEADER_OR_FOLLOWER when
//     leadership goes. Under min ISR the HW is frozen, so a wait not yet
//     covered times out (as Kafka 3.7+).
//
// # Follower (Kafka's makeFollower and AbstractFetcherThread with
// truncation on fetch, IBP 2.7+)
//
//   - A follower fetches from its log end with its latest epoch as the last
//     fetched epoch. It never truncates when it starts following (before
//     KIP-101 it truncated to its HW, which may lag what was committed: an
//     acknowledged record lost on the next election); the leader's
//     DivergingEpoch tells it where the logs part.
//   - DivergingEpoch (e, end): truncate to min(end, own end of e, log end)
//     when it knows e; when it does not (its largest epoch at or below e is
//     smaller), to the end of that epoch, and its next fetch asks again with
//     that epoch as the last fetched one (KIP-279); below the HW it is a
//     WARN (committed records go: only after an unclean election). Nothing
//     else of that response is used, the HW above all (KAFKA-14704: min(the
//     leader's HW, own log end) would expose records the leader does not
//     have).
//   - Otherwise: append the records (the leader's offsets and epochs), move
//     the log start up to the leader's, then set the HW to the leader's
//     (clamped to the log end). Moving the log start first is a deviation
//     from Kafka's order: records below the leader's log start cannot be
//     checked against its epochs (it deleted them), so they must go before
//     the HW can cover them.
//   - OFFSET_OUT_OF_RANGE: ask the leader for its log start and end
//     (ListLeaderOffsets); a log ahead of the leader's end truncates to it
//     (after an unclean election), one behind its start restarts empty at
//     it (TruncateFully), else fetching resumes.
//   - FENCED_LEADER_EPOCH: the leader is ahead; wait for the LeaderAndIsr
//     (NextFetch returns false). UNKNOWN_LEADER_EPOCH and other errors: the
//     leader is behind or busy; back off and fetch again.
//   - An answer that does not match the current state (leader epoch, log
//     end or last epoch changed since the request) is ignored.
//
// The older truncation protocol, OffsetForLeaderEpoch, is served by the
// leader (OffsetForLeaderEpoch); this follower does not use it.
//
// # LeaderAndIsr
//
// As in ZooKeeper mode, a LeaderAndIsr is applied only with a leader epoch
// above the current one and a partition epoch not below it; the adapter
// answers the request. A follower checks its log against the leader's on
// every fetch (its last fetched epoch), so a leader change it missed
// cannot leave it diverged (KAFKA-7164).
//
// # Tests
//
// testdata/*.txt are data-driven scenarios (script_test.go): each KIP-101
// and KIP-279 divergence case, KAFKA-7128, KAFKA-14704, KAFKA-13141, ISR
// transitions, acks, fencing, out-of-range offsets, with the pre-fix
// behaviour shown next to each fix. sim_test.go runs seeded random
// histories of three replicas with a simulated controller and network
// (crashes, restarts with lagging HW checkpoints, zombie leaders, pauses,
// lost messages) and checks that nothing acknowledged or exposed is lost
// or changed; TestRandomizedFindsInjectedBugs switches each safety rule off
// in turn and requires the histories to find the loss.
package replica

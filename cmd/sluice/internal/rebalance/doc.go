// Package rebalance plans partition reassignments: given where every
// replica is, the live brokers and their racks, it proposes new replica
// lists that spread replicas and preferred leaders evenly over the brokers
// while moving as few replicas as it can. It does no I/O; `sluice cluster
// rebalance` feeds it from Metadata and applies its plan with
// AlterPartitionReassignments.
//
// # The plan
//
// A plan is Kafka's reassignment JSON, the file kafka-reassign-partitions.sh
// reads and writes, so either tool can apply a plan the other made:
//
//	{"version":1,"partitions":[
//	  {"topic":"orders","partition":0,"replicas":[3,1,2],"log_dirs":["any","any","any"]},
//	  ...]}
//
// version must be 1; replicas are broker ids, the first is the preferred
// leader; log_dirs, if present, has one entry per replica and only "any"
// (let the broker choose) is supported.
//
// # What a generated plan guarantees
//
//   - Decommissioned brokers hold no replica of the planned topics.
//   - Every partition has its topic's replication factor (the current one,
//     or the one asked for), on distinct brokers.
//   - Racks (broker.rack): no rack holds two replicas of a partition while
//     another rack holds none, as Kafka's rack-aware placement.
//   - Replica counts per broker differ by at most one, within each rack
//     always and across racks wherever the rack rule allows it.
//   - Preferred-leader counts (first replica) per broker differ by at most
//     one wherever the replica lists allow it (an optimal semi-matching of
//     partitions to their replicas).
//   - Few moves: replicas stay where they are unless they must go (a
//     decommissioned broker, a rack violation, a smaller replication factor)
//     or their broker holds two or more above another's count; each balancing
//     move takes one replica from the fullest broker to an emptier one, so
//     adding a broker to a balanced cluster of R replicas moves about R/n of
//     them to it, and a balanced layout gives an empty plan. Leadership is
//     balanced by reordering replica lists, which copies no data.
//
// Balance is counted over the planned topics only (all topics unless
// Options.Topics names some).
package rebalance

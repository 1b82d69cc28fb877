package obs

import (
	"strconv"
	"sync"

	"github.com/prometheus/client_golang/prometheus"
)

// State is the broker's state as the metrics see it, filled at scrape time
// by the function given to Metrics.SetStateFunc. Reading it at scrape time
// means a deleted partition or group simply stops being reported.
type State struct {
	Partitions        int // partitions this broker hosts (PartitionCount)
	LeaderPartitions  int // of which it leads (LeaderCount)
	UnderReplicated   int // led partitions with ISR smaller than replicas
	OfflinePartitions int // partitions whose log dir is offline
	// PurgatorySize is the number of parked operations by kind, "Produce"
	// (acks=all waiting for replicas) and "Fetch" (long polls).
	PurgatorySize map[string]int
	LogSizes      []PartitionSize
	Groups        int // consumer groups known to the coordinator (NumGroups)
	GroupLags     []GroupLag
	// CoordinatorPartitions counts the __consumer_offsets partitions the
	// group coordinator leads by state: "loading", "active", "failed".
	CoordinatorPartitions map[string]int
	// LogDirs are the log dirs' states.
	LogDirs []LogDirState
	// CorruptReads is the number of reads that stopped at a corrupt batch
	// since the start.
	CorruptReads int64
	// Replication: led partitions under / at their effective min ISR,
	// ISR changes and failed ISR updates since the start.
	UnderMinISR, AtMinISR                    int
	IsrExpands, IsrShrinks, FailedIsrUpdates int64
	// Replication throttle (KIP-73): bytes of throttled partitions sent to
	// followers and fetched from leaders since the start.
	LeaderReplicationBytes, FollowerReplicationBytes int64
	// Controller (ZooKeeper mode): 1 on the active controller; the rest
	// as the active controller counts them (0 elsewhere).
	ActiveController          int
	GlobalPartitions          int
	OfflinePartitionsCount    int
	PreferredReplicaImbalance int
	ReassigningPartitions     int
	ControllerEventQueue      int64
	LeaderElections           uint64
	UncleanLeaderElections    uint64
}

// LogDirState is one log dir as the metrics see it.
type LogDirState struct {
	Path    string
	Offline bool // a disk error took it offline
	Full    bool // out of space: appends refused, reads and deletes served
	// ReservedBytes is what its active segments hold reserved ahead.
	ReservedBytes int64
}

// PartitionSize is one partition's size on disk.
type PartitionSize struct {
	Topic     string
	Partition int32
	Bytes     int64
}

// GroupLag is a group's lag on one partition: high watermark minus
// committed offset.
type GroupLag struct {
	Group     string
	Topic     string
	Partition int32
	Lag       int64
}

var (
	descPartitions = prometheus.NewDesc("kafka_server_replicamanager_partitioncount",
		"Partitions hosted by this broker (ReplicaManager PartitionCount).", nil, nil)
	descLeaders = prometheus.NewDesc("kafka_server_replicamanager_leadercount",
		"Partitions led by this broker (ReplicaManager LeaderCount).", nil, nil)
	descUnderReplicated = prometheus.NewDesc("kafka_server_replicamanager_underreplicatedpartitions",
		"Led partitions whose ISR is smaller than the replica set (UnderReplicatedPartitions).", nil, nil)
	descOffline = prometheus.NewDesc("kafka_server_replicamanager_offlinepartitions",
		"Partitions whose log directory is offline.", nil, nil)
	descPurgatory = prometheus.NewDesc("kafka_server_delayedoperationpurgatory_purgatorysize",
		"Operations waiting in a purgatory (DelayedOperationPurgatory PurgatorySize).", []string{"delayedoperation"}, nil)
	descLogSize = prometheus.NewDesc("kafka_log_log_size",
		"Bytes of a partition's log segments (kafka.log:type=Log,name=Size).", []string{"topic", "partition"}, nil)
	descCoordinatorPartitions = prometheus.NewDesc("kafka_server_group_coordinator_metrics_num_partitions",
		"__consumer_offsets partitions of the group coordinator by state: loading, active, failed (a failed load, retried).", []string{"state"}, nil)
	descGroups = prometheus.NewDesc("kafka_coordinator_group_groupmetadatamanager_numgroups",
		"Consumer groups known to the group coordinator (NumGroups).", nil, nil)
	descLag = prometheus.NewDesc("kafka_consumergroup_lag",
		"A group's lag on a partition: high watermark minus committed offset.", []string{"group", "topic", "partition"}, nil)
	descOfflineDirs = prometheus.NewDesc("kafka_log_logmanager_offlinelogdirectorycount",
		"Log dirs offline after a disk error (LogManager OfflineLogDirectoryCount).", nil, nil)
	descDirFull = prometheus.NewDesc("sluice_log_dir_full",
		"1 while a log dir's volume is out of space: appends refused, reads and deletes served.", []string{"dir"}, nil)
	descDirReserved = prometheus.NewDesc("sluice_log_dir_reserved_bytes",
		"Disk blocks a log dir's active segments hold reserved ahead of their data.", []string{"dir"}, nil)
	descCorruptReads = prometheus.NewDesc("sluice_log_corrupt_reads_total",
		"Reads that stopped at a corrupt batch header (answered CORRUPT_MESSAGE).", nil, nil)

	descUnderMinISR = prometheus.NewDesc("kafka_server_replicamanager_underminisrpartitioncount",
		"Led partitions whose ISR is smaller than their effective min.insync.replicas (UnderMinIsrPartitionCount).", nil, nil)
	descAtMinISR = prometheus.NewDesc("kafka_server_replicamanager_atminisrpartitioncount",
		"Led partitions whose ISR equals their effective min.insync.replicas (AtMinIsrPartitionCount).", nil, nil)
	descIsrExpands = prometheus.NewDesc("kafka_server_replicamanager_isrexpands_total",
		"ISR expansions committed by this broker's leaders (IsrExpandsPerSec).", nil, nil)
	descIsrShrinks = prometheus.NewDesc("kafka_server_replicamanager_isrshrinks_total",
		"ISR shrinks committed by this broker's leaders (IsrShrinksPerSec).", nil, nil)
	descFailedIsr = prometheus.NewDesc("kafka_server_replicamanager_failedisrupdates_total",
		"ISR changes the controller refused (FailedIsrUpdatesPerSec).", nil, nil)
	descLeaderReplication = prometheus.NewDesc("kafka_server_leaderreplication_bytes_total",
		"Bytes of partitions under a leader replication throttle sent to followers (LeaderReplication byte-rate, as a counter).", nil, nil)
	descFollowerReplication = prometheus.NewDesc("kafka_server_followerreplication_bytes_total",
		"Bytes of partitions under a follower replication throttle fetched from leaders (FollowerReplication byte-rate, as a counter).", nil, nil)
	descActiveController = prometheus.NewDesc("kafka_controller_kafkacontroller_activecontrollercount",
		"1 on the active controller (ActiveControllerCount).", nil, nil)
	descGlobalPartitions = prometheus.NewDesc("kafka_controller_kafkacontroller_globalpartitioncount",
		"Partitions in the cluster, as the active controller counts them (GlobalPartitionCount).", nil, nil)
	descOfflinePartitionsCount = prometheus.NewDesc("kafka_controller_kafkacontroller_offlinepartitionscount",
		"Partitions without a live leader, as the active controller counts them (OfflinePartitionsCount).", nil, nil)
	descImbalance = prometheus.NewDesc("kafka_controller_kafkacontroller_preferredreplicaimbalancecount",
		"Partitions not led by their preferred replica (PreferredReplicaImbalanceCount).", nil, nil)
	descReassigning = prometheus.NewDesc("kafka_server_replicamanager_reassigningpartitions",
		"Partitions with a reassignment in progress, as the active controller counts them (ReassigningPartitions).", nil, nil)
	descEventQueue = prometheus.NewDesc("kafka_controller_controllereventmanager_eventqueuesize",
		"Events waiting for the controller (EventQueueSize).", nil, nil)
	descElections = prometheus.NewDesc("kafka_controller_controllerstats_leaderelections_total",
		"Leaders elected by this broker as controller (LeaderElectionRateAndTimeMs count).", nil, nil)
	descUnclean = prometheus.NewDesc("kafka_controller_controllerstats_uncleanleaderelections_total",
		"Unclean leader elections by this broker as controller (UncleanLeaderElectionsPerSec).", nil, nil)
)

// stateCollector emits the State metrics.
type stateCollector struct {
	mu struct {
		sync.Mutex
		f func(*State)
	}
}

func newStateCollector() *stateCollector { return &stateCollector{} }

func (c *stateCollector) set(f func(*State)) {
	c.mu.Lock()
	c.mu.f = f
	c.mu.Unlock()
}

func (c *stateCollector) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range []*prometheus.Desc{descPartitions, descLeaders, descUnderReplicated, descOffline, descPurgatory, descLogSize, descGroups, descLag,
		descCoordinatorPartitions, descOfflineDirs, descDirFull, descDirReserved, descCorruptReads,
		descUnderMinISR, descAtMinISR, descIsrExpands, descIsrShrinks, descFailedIsr, descLeaderReplication, descFollowerReplication, descActiveController, descGlobalPartitions,
		descOfflinePartitionsCount, descImbalance, descReassigning, descEventQueue, descElections, descUnclean} {
		ch <- d
	}
}

func (c *stateCollector) Collect(ch chan<- prometheus.Metric) {
	c.mu.Lock()
	f := c.mu.f
	c.mu.Unlock()
	var s State
	if f != nil {
		f(&s)
	}
	gauge := func(d *prometheus.Desc, v float64, labels ...string) {
		ch <- prometheus.MustNewConstMetric(d, prometheus.GaugeValue, v, labels...)
	}
	gauge(descPartitions, float64(s.Partitions))
	gauge(descLeaders, float64(s.LeaderPartitions))
	gauge(descUnderReplicated, float64(s.UnderReplicated))
	gauge(descOffline, float64(s.OfflinePartitions))
	for _, kind := range []string{"Produce", "Fetch"} {
		gauge(descPurgatory, float64(s.PurgatorySize[kind]), kind)
	}
	for _, p := range s.LogSizes {
		gauge(descLogSize, float64(p.Bytes), p.Topic, strconv.Itoa(int(p.Partition)))
	}
	gauge(descGroups, float64(s.Groups))
	for _, st := range []string{"loading", "active", "failed"} {
		gauge(descCoordinatorPartitions, float64(s.CoordinatorPartitions[st]), st)
	}
	for _, l := range s.GroupLags {
		gauge(descLag, float64(l.Lag), l.Group, l.Topic, strconv.Itoa(int(l.Partition)))
	}
	offline := 0
	for _, d := range s.LogDirs {
		if d.Offline {
			offline++
		}
		full := 0.0
		if d.Full {
			full = 1
		}
		gauge(descDirFull, full, d.Path)
		gauge(descDirReserved, float64(d.ReservedBytes), d.Path)
	}
	gauge(descOfflineDirs, float64(offline))
	ch <- prometheus.MustNewConstMetric(descCorruptReads, prometheus.CounterValue, float64(s.CorruptReads))
	gauge(descUnderMinISR, float64(s.UnderMinISR))
	gauge(descAtMinISR, float64(s.AtMinISR))
	counter := func(d *prometheus.Desc, v float64) {
		ch <- prometheus.MustNewConstMetric(d, prometheus.CounterValue, v)
	}
	counter(descIsrExpands, float64(s.IsrExpands))
	counter(descIsrShrinks, float64(s.IsrShrinks))
	counter(descFailedIsr, float64(s.FailedIsrUpdates))
	counter(descLeaderReplication, float64(s.LeaderReplicationBytes))
	counter(descFollowerReplication, float64(s.FollowerReplicationBytes))
	gauge(descActiveController, float64(s.ActiveController))
	gauge(descGlobalPartitions, float64(s.GlobalPartitions))
	gauge(descOfflinePartitionsCount, float64(s.OfflinePartitionsCount))
	gauge(descImbalance, float64(s.PreferredReplicaImbalance))
	gauge(descReassigning, float64(s.ReassigningPartitions))
	gauge(descEventQueue, float64(s.ControllerEventQueue))
	counter(descElections, float64(s.LeaderElections))
	counter(descUnclean, float64(s.UncleanLeaderElections))
}

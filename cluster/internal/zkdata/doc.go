// Package zkdata is Kafka 3.9's ZooKeeper layout: the path of every znode
// a ZooKeeper-mode cluster uses and the codecs of their data, byte for
// byte what Kafka's ZkData.scala writes (fields, types, versions and even
// the order of an object's fields, which follows the iteration order of
// the Scala and Java maps Kafka encodes; see order.go). It does no I/O.
//
// Decoding is strict where Kafka's decoders are (a field they read must be
// present and of the right JSON type: an integer is a JSON integer, a
// string a JSON string) and lenient where they are (unknown fields are
// ignored; optional fields may be absent or null). Bad data gives a
// *DecodeError naming the znode and what is wrong, wrapping ErrMalformed;
// nothing panics on any input (the decoders are fuzzed).
//
// The layout ("E" = ephemeral, "S" = sequential; a znode shown without
// data has none). A broker creates the znodes of PersistentPaths at start.
//
//	/
//	├── cluster
//	│   └── id                     {"version":"1","id":"q1Sh-9_ISia_zwGINzRvyQ"}
//	│                              (the version is a string)
//	├── controller            E    {"version":2,"brokerid":1,"timestamp":"1700000000000","kraftControllerEpoch":-1}
//	├── controller_epoch           1
//	│                              (a bare decimal; its znode version is the controller's fencing token)
//	├── brokers
//	│   ├── ids
//	│   │   └── <id>          E    {"features":{},"listener_security_protocol_map":{"PLAINTEXT":"PLAINTEXT"},
//	│   │                           "endpoints":["PLAINTEXT://localhost:9092"],"jmx_port":-1,"port":9092,
//	│   │                           "host":"localhost","version":5,"timestamp":"1700000000000"}
//	│   │                          (one line; "rack":"r1" when broker.rack is set; host and port are the
//	│   │                          first PLAINTEXT endpoint's, null and -1 without one; czxid = broker epoch)
//	│   ├── seqid                  (no data; its version generates broker ids)
//	│   └── topics
//	│       └── <topic>            {"partitions":{"0":[1,2,3],"1":[2,3,1]},"topic_id":"ikAub9q6QcW9qUakngNwfQ",
//	│           │                   "adding_replicas":{},"removing_replicas":{},"version":3}
//	│           │                  (one line; replica lists in preference order, the first is the
//	│           │                  preferred leader; adding/removing list partitions being reassigned)
//	│           └── partitions
//	│               └── <p>
//	│                   └── state  {"controller_epoch":1,"leader":1,"version":1,"leader_epoch":0,"isr":[1,2,3]}
//	│                              (leader -1 = none; "leader_recovery_state":1 after an unclean
//	│                              election; the znode version is the partition epoch)
//	├── admin
//	│   ├── delete_topics
//	│   │   └── <topic>            (no data: the topic is marked for deletion)
//	│   ├── reassign_partitions    {"version":1,"partitions":[{"topic":"foo","partition":0,"replicas":[1,2]}]}
//	│   └── preferred_replica_election
//	│                              {"version":1,"partitions":[{"topic":"foo","partition":0}]}
//	├── config
//	│   ├── topics
//	│   │   └── <topic>            {"version":1,"config":{"cleanup.policy":"compact","retention.ms":"1000"}}
//	│   ├── brokers
//	│   │   ├── <default>          {"version":1,"config":{...}}   (cluster-wide dynamic broker config)
//	│   │   └── <id>               {"version":1,"config":{...}}   (one broker's dynamic config)
//	│   ├── clients, users, ips    (quotas; created empty)
//	│   └── changes
//	│       └── config_change_<seq>  S  {"version":2,"entity_path":"topics/foo"}
//	├── isr_change_notification
//	│   └── isr_change_<seq>   S   {"version":1,"partitions":[{"topic":"foo","partition":0}]}
//	├── log_dir_event_notification
//	│   └── log_dir_event_<seq> S  {"version":1,"broker":1,"event":1}
//	├── latest_producer_id_block   {"version":1,"broker":1,"block_start":"0","block_end":"999"}
//	│                              (no data before the first claim; blocks of 1000, bounds are strings)
//	├── feature                    {"features":{},"version":2,"status":1}
//	│                              (written by a Kafka 3.9 controller: enabled, no finalized features)
//	└── consumers                  (no data; old consumers)
//
// Sequence numbers are ten digits, zero padded (config_change_0000000012).
// Configs hold overrides only; keys and values are strings. A
// configuration change is a config znode write followed by a
// config_change_<seq> notification naming it; brokers apply it on seeing
// the notification.
package zkdata

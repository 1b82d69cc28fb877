#!/usr/bin/env bash
# The clients not written in Go against a three-broker cluster on a real
# ZooKeeper, across the loss of a partition leader: for each of kcat,
# confluent-kafka-python, kafka-python and kafkajs, a topic with 3 partitions,
# replication factor 3 and min.insync.replicas=2; N records produced with
# acks=all bootstrapped with all three brokers; the leader of partition 0
# SIGKILLed (scripts/cluster.sh leader/kill); N more records produced by the
# same producer (kcat: a new one); then the topic read from the start to the
# high watermarks, by a group member where the client has one (kcat reads
# the partitions directly). Every acknowledged record must be read back:
# exactly once from the idempotent producers (librdkafka, kafkajs), at least
# once from kafka-python 2.0.2, which has no idempotent producer. The killed
# broker is restarted between clients and the next client waits until every
# partition is fully replicated again.
#
# ZooKeeper and the brokers (scripts/cluster.sh) run on free ports with a
# temporary data dir and are SIGKILLed on exit, also on failure. One line per
# check; exit status 1 if any failed. COMPAT_CLUSTER_RECORDS sets N (200).
set -uo pipefail
cd "$(dirname "$0")/.."
BIN=${SLUICE_BIN:-bin/sluice}
PY=/usr/bin/python3
N=${COMPAT_CLUSTER_RECORDS:-200}
case $N in '' | *[!0-9]*) echo "compat-cluster: COMPAT_CLUSTER_RECORDS=$N is not a number"; exit 1 ;; esac
[ -x "$BIN" ] || { echo "compat-cluster: $BIN not built (run make build)"; exit 1; }
[ -f /usr/share/java/zookeeper.jar ] || { echo "compat-cluster: ZooKeeper not installed (scripts/install-test-deps.sh)"; exit 1; }
export SLUICE_BIN=$BIN

# Free ports for ZooKeeper and the brokers' listeners and metrics.
. scripts/lib-tmp-cluster.sh
tmp_cluster_ports
CLUSTER_DATA=$(mktemp -d)
# A SIGKILLed broker's ZooKeeper session ends after this; Kafka's 18 s would
# make each failover take that long.
BROKER_OVERRIDES="zookeeper.session.timeout.ms=6000"
export ZK_PORT BROKER_PORT_BASE METRICS_PORT_BASE CLUSTER_DATA BROKER_OVERRIDES
seeds=127.0.0.1:$((BROKER_PORT_BASE + 1)),127.0.0.1:$((BROKER_PORT_BASE + 2)),127.0.0.1:$((BROKER_PORT_BASE + 3))

fails=0
passes=0
cleanup() {
	local f pid
	# Brokers first, then ZooKeeper: every process cluster.sh started left
	# its pid in CLUSTER_DATA.
	for f in "$CLUSTER_DATA"/broker-*.pid "$CLUSTER_DATA"/zookeeper.pid; do
		[ -f "$f" ] || continue
		pid=$(cat "$f")
		kill -KILL "$pid" 2>/dev/null
		for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
	done
	if [ "$fails" -gt 0 ]; then
		for f in "$CLUSTER_DATA"/broker-*.log; do
			[ -f "$f" ] || continue
			echo "$(basename "$f") (last 10 lines):"
			tail -10 "$f"
		done
	fi
	rm -rf "$CLUSTER_DATA"
}
trap cleanup EXIT
trap 'exit 1' INT TERM

check() { # check NAME COMMAND...: one line per check
	local name=$1 out start=$SECONDS
	shift
	if out=$("$@" 2>&1); then
		echo "ok    $name (${out:+$(echo "$out" | tail -1); }$((SECONDS - start))s)"
		passes=$((passes + 1))
	else
		echo "FAIL  $name: $(echo "$out" | tail -3 | tr '\n' ' ')($((SECONDS - start))s)"
		fails=$((fails + 1))
		return 1
	fi
}

# full_cluster: three live brokers and no under-replicated or offline
# partition (waits up to 60 s).
full_cluster() {
	local info
	for _ in $(seq 120); do
		info=$("$BIN" cluster info --brokers "$seeds" --timeout 5s --json 2>/dev/null) &&
			echo "$info" | $PY -c 'import json, sys
c = json.load(sys.stdin)
sys.exit(not (sum(b["live"] for b in c["brokers"]) == 3 and c["under_replicated_partitions"] == 0
              and c["offline_partitions"] == 0))' && return 0
		sleep 0.5
	done
	echo "cluster not fully replicated after 60s: $info"
	return 1
}

# new_topic NAME: 3 partitions, RF 3, min.insync.replicas=2, each partition
# led and with all three replicas in sync.
new_topic() {
	"$BIN" topic create --brokers "$seeds" --timeout 15s "$1" -p 3 -r 3 -c min.insync.replicas=2 >/dev/null || return 1
	for _ in $(seq 60); do
		"$BIN" topic describe --brokers "$seeds" --timeout 5s --json "$1" 2>/dev/null | $PY -c 'import json, sys
t = json.load(sys.stdin)
sys.exit(not (len(t["partitions"]) == 3 and all(p["leader"] > 0 and len(p["isr"]) == 3 for p in t["partitions"])))' &&
			return 0
		sleep 0.5
	done
	echo "topic $1 not led and fully in sync after 30s"
	return 1
}

# The bash command each client runs between its two halves: SIGKILL the
# leader of TOPIC's partition 0.
kill_hook() {
	echo "id=\$(scripts/cluster.sh leader $1 0) && [ \"\$id\" -gt 0 ] && scripts/cluster.sh kill \"\$id\" >/dev/null && echo \"SIGKILLed broker \$id (leader of $1-0)\""
}

kcat_failover() { # topic
	local topic=$1 want got killed dups lost
	kcat_produce() { # phase
		local out
		out=$(for i in $(seq "$N"); do echo "k$1-$i:kcat-$1-$i"; done |
			timeout 90 kcat -P -b "$seeds" -t "$topic" -K : -X acks=all -X enable.idempotence=true \
				-X message.timeout.ms=60000 2>&1) || { echo "phase $1: kcat -P failed: $out"; return 1; }
		# kcat exits 1 when a delivery fails; say so also when it does not.
		if echo "$out" | grep -q "Delivery failed"; then echo "phase $1: $out"; return 1; fi
	}
	kcat_produce 1 || return 1
	killed=$(bash -c "$(kill_hook "$topic")") || { echo "kill hook failed: $killed"; return 1; }
	kcat_produce 2 || return 1
	want=$( (seq -f "kcat-1-%g" 1 "$N"; seq -f "kcat-2-%g" 1 "$N") | sort)
	got=$(timeout 60 kcat -C -b "$seeds" -t "$topic" -o beginning -e -q -f '%s\n') || { echo "kcat -C failed or timed out"; return 1; }
	got=$(echo "$got" | grep . | sort)
	lost=$(comm -23 <(echo "$want") <(echo "$got") | wc -l)
	dups=$(echo "$got" | uniq -d | wc -l)
	[ "$lost" -eq 0 ] || { echo "$lost of $((2 * N)) acknowledged records not read back"; return 1; }
	[ "$dups" -eq 0 ] || { echo "$dups records read more than once (want exactly once)"; return 1; }
	echo "$killed; $((2 * N)) acknowledged, all read back exactly once ($(echo "$got" | wc -l) records read from the partitions, 0 duplicates)"
}

run_client() { # name topic command...: a fresh topic on a full cluster, the check, then the killed broker back
	local name=$1 topic=$2
	shift 2
	check "$name: full cluster, new topic $topic" new_topic "$topic" || return
	check "$name: leader killed mid-produce" "$@"
	./scripts/cluster.sh start 3 >/dev/null 2>&1
	check "$name: killed broker restarted, all partitions in sync" full_cluster
}

started=$SECONDS
if ! out=$(./scripts/cluster.sh start 3 2>&1); then
	echo "FAIL  cluster start: $(echo "$out" | tail -3 | tr '\n' ' ')"
	fails=1
	exit 1
fi
check "zookeeper and 3 brokers on 127.0.0.1:$((BROKER_PORT_BASE + 1))-$((BROKER_PORT_BASE + 3))" full_cluster
# __consumer_offsets (offsets.topic.replication.factor=3, as in Kafka) is
# created at the first FindCoordinator, and only while three brokers are
# alive: ask for a coordinator now, not first after a kill.
consumer_offsets() {
	"$BIN" group describe --brokers "$seeds" --timeout 5s compat-cluster-warmup >/dev/null 2>&1
	for _ in $(seq 60); do
		"$BIN" topic describe --brokers "$seeds" --timeout 5s --json __consumer_offsets 2>/dev/null | $PY -c 'import json, sys
t = json.load(sys.stdin)
sys.exit(not (t["partitions"] and all(p["leader"] > 0 and len(p["isr"]) == 3 for p in t["partitions"])))' &&
			{ echo "$("$BIN" topic describe --brokers "$seeds" --json __consumer_offsets | $PY -c 'import json,sys; print(len(json.load(sys.stdin)["partitions"]))') partitions"; return 0; }
		"$BIN" group describe --brokers "$seeds" --timeout 5s compat-cluster-warmup >/dev/null 2>&1
		sleep 0.5
	done
	echo "__consumer_offsets not created and in sync after 30s"
	return 1
}
check "__consumer_offsets created with replication factor 3" consumer_offsets

if [ ! -d compat/node_modules/kafkajs ]; then
	(cd compat && npm ci --no-audit --no-fund --silent >/dev/null 2>&1) || true
fi

run_client kcat compat-cluster-kcat kcat_failover compat-cluster-kcat
run_client confluent-kafka-python compat-cluster-confluent \
	$PY compat/confluent_failover.py "$seeds" compat-cluster-confluent "$N" "$(kill_hook compat-cluster-confluent)"
run_client kafka-python compat-cluster-kafka-python \
	$PY compat/kafka_python_failover.py "$seeds" compat-cluster-kafka-python "$N" "$(kill_hook compat-cluster-kafka-python)"
if [ -d compat/node_modules/kafkajs ]; then
	run_client kafkajs compat-cluster-kafkajs \
		node compat/kafkajs_failover.js "$seeds" compat-cluster-kafkajs "$N" "$(kill_hook compat-cluster-kafkajs)"
else
	echo "FAIL  kafkajs: npm ci failed (compat/node_modules/kafkajs missing)"
	fails=$((fails + 1))
fi

echo "compat-cluster: $passes passed, $fails failed ($((SECONDS - started))s)"
[ "$fails" -eq 0 ]

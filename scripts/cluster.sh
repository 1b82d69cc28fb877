#!/usr/bin/env bash
# A local cluster for trying Sluice out: one ZooKeeper and three brokers on
# loopback, everything under ./cluster-data.
#
#   scripts/cluster.sh start [N]   ZooKeeper on 127.0.0.1:2181 and N brokers (default 3):
#                                  broker i listens on 127.0.0.1:(9091+i), metrics on 127.0.0.1:(9643+i)
#   scripts/cluster.sh stop        brokers stop by SIGTERM (controlled shutdown), then ZooKeeper
#   scripts/cluster.sh status      what runs, and `sluice cluster info`
#   scripts/cluster.sh kill ID     SIGKILL broker ID;  scripts/cluster.sh restart ID  starts it again
#   scripts/cluster.sh stop ID     SIGTERM broker ID (controlled shutdown) and wait for it to exit
#   scripts/cluster.sh leader TOPIC [PARTITION]   print the id of the partition's (default 0) leader
#                                  (-1 while it has none), as `sluice topic describe --json` shows it
#
# ZK_PORT, BROKER_PORT_BASE (9091) and METRICS_PORT_BASE (9643) move the ports
# when the defaults are busy: broker i listens on BROKER_PORT_BASE+i.
# ZK_CONNECT (e.g. "h1:2181,h2:2181,h3:2181/sluice") points the brokers at a
# ZooKeeper ensemble you run yourself; the script then starts and stops no ZooKeeper.
# CLUSTER_DATA (relative to the repository, or absolute) moves cluster-data.
# BROKER_OVERRIDES ("key=value key=value") adds broker configs (after the
# script's own, so they win), e.g. "zookeeper.session.timeout.ms=6000".
#
# Logs: cluster-data/zookeeper.log, cluster-data/broker-ID.log (and the
# per-component logs under cluster-data/broker-ID/logs).
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=${SLUICE_BIN:-bin/sluice}
DATA=${CLUSTER_DATA:-cluster-data}
ZK_PORT=${ZK_PORT:-2181}
BROKER_PORT_BASE=${BROKER_PORT_BASE:-9091}
METRICS_PORT_BASE=${METRICS_PORT_BASE:-9643}
ZK_CONNECT=${ZK_CONNECT:-}
BROKER_OVERRIDES=${BROKER_OVERRIDES:-}
case $DATA in /*) ;; *) DATA=$PWD/$DATA ;; esac

die() { echo "cluster: $*" >&2; exit 1; }

running() { [ -f "$1" ] && kill -0 "$(cat "$1")" 2>/dev/null; }

start_zk() {
	[ -z "$ZK_CONNECT" ] || return 0
	running "$DATA/zookeeper.pid" && return 0
	[ -f /usr/share/java/zookeeper.jar ] || die "ZooKeeper is not installed (scripts/install-test-deps.sh installs Debian's zookeeperd)"
	mkdir -p "$DATA/zk"
	cat >"$DATA/zoo.cfg" <<EOF
tickTime=2000
initLimit=10
syncLimit=5
dataDir=$DATA/zk
clientPort=$ZK_PORT
clientPortAddress=127.0.0.1
admin.enableServer=false
4lw.commands.whitelist=ruok,srvr
EOF
	java -Xmx256m -Dzookeeper.log.dir="$DATA" -cp /etc/zookeeper/conf:/usr/share/java/zookeeper.jar \
		org.apache.zookeeper.server.quorum.QuorumPeerMain "$DATA/zoo.cfg" >"$DATA/zookeeper.log" 2>&1 &
	echo $! >"$DATA/zookeeper.pid"
	for _ in $(seq 100); do
		if (exec 3<>"/dev/tcp/127.0.0.1/$ZK_PORT") 2>/dev/null; then
			echo "zookeeper: 127.0.0.1:$ZK_PORT (pid $(cat "$DATA/zookeeper.pid"))"
			return 0
		fi
		sleep 0.2
	done
	die "ZooKeeper did not start; see $DATA/zookeeper.log"
}

start_broker() {
	local id=$1 port=$((BROKER_PORT_BASE + $1)) metrics=$((METRICS_PORT_BASE + $1)) kv extra=()
	running "$DATA/broker-$id.pid" && return 0
	mkdir -p "$DATA/broker-$id"
	for kv in $BROKER_OVERRIDES; do extra+=(--override "$kv"); done
	"$BIN" broker \
		--override "broker.id=$id" \
		--override "listeners=PLAINTEXT://127.0.0.1:$port" \
		--override "log.dirs=$DATA/broker-$id" \
		--override "zookeeper.connect=${ZK_CONNECT:-127.0.0.1:$ZK_PORT/sluice}" \
		--override "sluice.metrics.listener=127.0.0.1:$metrics" \
		--override "sluice.log.files.dir=$DATA/broker-$id/logs" \
		--override "default.replication.factor=3" \
		--override "min.insync.replicas=2" \
		"${extra[@]}" \
		>>"$DATA/broker-$id.log" 2>&1 &
	echo $! >"$DATA/broker-$id.pid"
	for _ in $(seq 100); do
		if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
			echo "broker $id: 127.0.0.1:$port, metrics 127.0.0.1:$metrics (pid $(cat "$DATA/broker-$id.pid"))"
			return 0
		fi
		running "$DATA/broker-$id.pid" || die "broker $id exited: $(tail -3 "$DATA/broker-$id.log")"
		sleep 0.1
	done
	die "broker $id did not start; see $DATA/broker-$id.log"
}

stop_pid() { # file signal
	running "$1" || { rm -f "$1"; return 0; }
	local pid
	pid=$(cat "$1")
	kill "-$2" "$pid"
	for _ in $(seq 300); do
		kill -0 "$pid" 2>/dev/null || { rm -f "$1"; return 0; }
		sleep 0.1
	done
	kill -KILL "$pid" 2>/dev/null || true
	rm -f "$1"
}

brokers() { ls "$DATA"/broker-*.pid 2>/dev/null | sed 's/.*broker-\([0-9]*\)\.pid/\1/' | sort -n; }

case "${1:-}" in
start)
	n=${2:-3}
	[ -x "$BIN" ] || die "$BIN not built (make build)"
	mkdir -p "$DATA"
	start_zk
	seeds=""
	for id in $(seq 1 "$n"); do
		start_broker "$id"
		seeds="$seeds${seeds:+,}127.0.0.1:$((BROKER_PORT_BASE + id))"
	done
	echo "seeds: $seeds  (try: $BIN cluster info --brokers $seeds)"
	;;
stop)
	if [ -n "${2:-}" ]; then
		stop_pid "$DATA/broker-$2.pid" TERM && echo "broker $2 stopped"
		exit 0
	fi
	for id in $(brokers); do stop_pid "$DATA/broker-$id.pid" TERM && echo "broker $id stopped"; done
	[ -n "$ZK_CONNECT" ] || { stop_pid "$DATA/zookeeper.pid" TERM && echo "zookeeper stopped"; }
	;;
kill)
	[ -n "${2:-}" ] || die "usage: $0 kill ID"
	stop_pid "$DATA/broker-$2.pid" KILL && echo "broker $2 killed"
	;;
restart)
	[ -n "${2:-}" ] || die "usage: $0 restart ID"
	start_broker "$2"
	;;
leader)
	[ -n "${2:-}" ] || die "usage: $0 leader TOPIC [PARTITION]"
	seeds=""
	for id in $(brokers); do seeds="$seeds${seeds:+,}127.0.0.1:$((BROKER_PORT_BASE + id))"; done
	[ -n "$seeds" ] || die "no broker is running"
	"$BIN" topic describe --brokers "$seeds" --timeout 10s --json "$2" |
		/usr/bin/python3 -c 'import json, sys
for p in json.load(sys.stdin)["partitions"]:
    if p["partition"] == int(sys.argv[1]):
        print(p["leader"]); sys.exit(0)
sys.exit("cluster: no partition %s" % sys.argv[1])' "${3:-0}"
	;;
status)
	if [ -n "$ZK_CONNECT" ]; then echo "zookeeper: $ZK_CONNECT (not managed here)"
	elif running "$DATA/zookeeper.pid"; then echo "zookeeper: running"
	else echo "zookeeper: stopped"; fi
	for id in $(brokers); do
		running "$DATA/broker-$id.pid" && echo "broker $id: running" || echo "broker $id: stopped"
	done
	seeds=""
	for id in $(brokers); do seeds="$seeds${seeds:+,}127.0.0.1:$((BROKER_PORT_BASE + id))"; done
	[ -z "$seeds" ] || "$BIN" cluster info --brokers "$seeds" || true
	;;
*)
	echo "usage: $0 start [N] | stop [ID] | status | kill ID | restart ID | leader TOPIC [PARTITION]" >&2
	exit 2
	;;
esac

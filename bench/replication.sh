#!/usr/bin/env bash
# Replication cost benchmark (the replication issue's benchmark requirement).
#
#   bench/replication.sh            # or: make bench-replication
#
# Starts, on loopback, one ZooKeeper and two Sluice clusters side by side:
#   - "rf1": ONE broker in ZooKeeper mode (zookeeper.connect set, its own
#     chroot /sluice-single on the same ZooKeeper), topics RF 1, acks=1;
#   - "rf3": THREE brokers (scripts/cluster.sh), topics RF 3, acks=all,
#     min.insync.replicas=2.
# Then ROUNDS rounds (default 3), each running, in an order rotated per round:
#   rf1        1 KiB x RECORDS, topic of 3 partitions all on broker 1, acks=1
#   rf3        same on RF 3, leaders spread (1,2,3 / 2,3,1 / 3,1,2), acks=all
#   rf3-lead1  same on RF 3, every partition led by broker 1 (followers 2, 3)
#   lat        loadgen -mode e2e at -rate RATE (default 19380 records/s of
#              1032 bytes = 20 MB/s) on RF 3 (spread), acks=all: produce to
#              consume latency, LAT_RECORDS records (default 400000, ~20 s)
#   lat-rf1    the same e2e load on the rf1 broker (RF 1, acks=1): a reference
#              for what the machine itself does to the latency
# The client settings are loadgen's defaults for all (1 producer client,
# 1 MiB batches, no linger, no compression, round-robin partitioner, no
# idempotence); only -acks differs. Each run uses a fresh topic created with
# an explicit assignment (bench/mktopic, file.delete.delay.ms=0), deleted
# afterwards; between runs the script syncs and, as root, drops the page
# cache (as ../shared/perf's compare does). Each broker's utime+stime is
# read from /proc/PID/stat before and after the loadgen run.
#
# Prints one JSON line per run, then a table of medians and ratios:
#   (1) throughput rf3 / rf1 (acknowledged MB/s)
#   (2) summed broker CPU seconds per acknowledged GB, rf3 / rf1
#   (3) e2e p99 at 20 MB/s on RF 3 acks=all
#   (4) in rf3-lead1: a follower's CPU per replicated GB over the leader's
#       CPU per produced GB
#
# Environment: ROUNDS, RECORDS (1000000), LAT_RECORDS, RATE, PERFKIT
# (/tmp/perfkit: loadgen, built from ../shared/perf when missing), ZK_PORT
# (22181), PORT_BASE (19090: the rf3 brokers on +1..+3, the rf1 broker on
# +101, metrics on +550 of each), REPL_DATA (a fresh dir under /tmp, removed
# at the end), PROFILE="rf3-lead1 lat" (CPU profiles of brokers 1 and 2,
# PROFILE_SECONDS long (10), from the start of those setups' first runs,
# written to $PROFILE_DIR (/tmp) as replication-SETUP-brokerN.pprof).
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
ROUNDS=${ROUNDS:-3}
RECORDS=${RECORDS:-1000000}
LAT_RECORDS=${LAT_RECORDS:-400000}
RATE=${RATE:-19380}
PERFKIT=${PERFKIT:-/tmp/perfkit}
ZK_PORT=${ZK_PORT:-22181}
PORT_BASE=${PORT_BASE:-19090}
PROFILE=${PROFILE:-}
PROFILE_SECONDS=${PROFILE_SECONDS:-10}
PROFILE_DIR=${PROFILE_DIR:-/tmp}
DATA=${REPL_DATA:-$(mktemp -d /tmp/sluice-repl.XXXXXX)}
PARTS=3
RF3_BASE=$PORT_BASE RF1_BASE=$((PORT_BASE + 100))
RF3_SEEDS=127.0.0.1:$((RF3_BASE + 1)),127.0.0.1:$((RF3_BASE + 2)),127.0.0.1:$((RF3_BASE + 3))
RF1_SEEDS=127.0.0.1:$((RF1_BASE + 1))
HZ=$(getconf CLK_TCK)

log() { echo "replication: $*" >&2; }

make -s build
go build -o "$DATA/mktopic" ./bench/mktopic
if [ ! -x "$PERFKIT/loadgen" ]; then
	(cd "$ROOT/../shared/perf" 2>/dev/null || cd /work/shared/perf; go build -o "$PERFKIT/" ./cmd/...)
fi

rf3() { CLUSTER_DATA=$DATA/rf3 ZK_PORT=$ZK_PORT BROKER_PORT_BASE=$RF3_BASE METRICS_PORT_BASE=$((RF3_BASE + 550)) \
	BROKER_OVERRIDES="log.retention.check.interval.ms=5000" scripts/cluster.sh "$@"; }
rf1() { CLUSTER_DATA=$DATA/rf1 ZK_CONNECT=127.0.0.1:$ZK_PORT/sluice-single BROKER_PORT_BASE=$RF1_BASE METRICS_PORT_BASE=$((RF1_BASE + 550)) \
	BROKER_OVERRIDES="default.replication.factor=1 min.insync.replicas=1 offsets.topic.replication.factor=1 log.retention.check.interval.ms=5000" \
	scripts/cluster.sh "$@"; }

cleanup() {
	rf1 stop >/dev/null 2>&1 || true
	rf3 stop >/dev/null 2>&1 || true
	[ -n "${REPL_DATA:-}" ] || rm -rf "$DATA"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

rf3 start 3 >&2
rf1 start 1 >&2

pids() { # setup -> broker pids
	case $1 in
	rf1 | lat-rf1) cat "$DATA/rf1/broker-1.pid" ;;
	*) cat "$DATA/rf3/broker-1.pid" "$DATA/rf3/broker-2.pid" "$DATA/rf3/broker-3.pid" ;;
	esac
}
ticks() { for p in "$@"; do sed 's/.*) //' "/proc/$p/stat" | awk '{print $12 + $13}'; done | paste -sd, ; }

settle() {
	sync
	if [ "$(id -u)" = 0 ]; then echo 1 >/proc/sys/vm/drop_caches; fi
	sleep 2
}

run() { # setup round
	local setup=$1 round=$2 topic="repl-$1-$2" seeds assign acks mode=produce extra=() before after out
	case $setup in
	rf1 | lat-rf1) seeds=$RF1_SEEDS assign="1;1;1" acks=1 ;;
	rf3 | lat) seeds=$RF3_SEEDS assign="1,2,3;2,3,1;3,1,2" acks=all ;;
	rf3-lead1) seeds=$RF3_SEEDS assign="1,2,3;1,3,2;1,2,3" acks=all ;;
	esac
	if [ "$setup" = lat ] || [ "$setup" = lat-rf1 ]; then
		mode=e2e extra=(-rate "$RATE" -records "$LAT_RECORDS")
	else
		extra=(-records "$RECORDS")
	fi
	"$DATA/mktopic" -brokers "$seeds" -topic "$topic" -assign "$assign" -config file.delete.delay.ms=0
	settle
	local -a ps
	mapfile -t ps < <(pids "$setup")
	if [[ " $PROFILE " == *" $setup "* ]] && [ "$round" = 1 ] && [ "$setup" != rf1 ]; then
		for b in 1 2; do
			curl -s -o "$PROFILE_DIR/replication-$setup-broker$b.pprof" \
				"http://127.0.0.1:$((RF3_BASE + 550 + b))/debug/pprof/profile?seconds=$PROFILE_SECONDS" &
		done
	fi
	before=$(ticks "${ps[@]}")
	out=$("$PERFKIT/loadgen" -brokers "$seeds" -topic "$topic" -create=false -mode "$mode" -size 1024 -acks "$acks" "${extra[@]}")
	after=$(ticks "${ps[@]}")
	wait
	"$DATA/mktopic" -brokers "$seeds" -topic "$topic" -delete
	echo "{\"setup\":\"$setup\",\"round\":$round,\"hz\":$HZ,\"ticks_before\":[$before],\"ticks_after\":[$after],\"load\":\"$(cut -d' ' -f1-3 /proc/loadavg)\",\"loadgen\":$out}"
}

RES=$DATA/results.jsonl
: >"$RES"
log "$(date -u '+%F %T') UTC, $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'), tree $(git rev-parse --short HEAD)$(git diff --quiet || echo +dirty), load $(cut -d' ' -f1-3 /proc/loadavg)"
setups=(rf1 rf3 rf3-lead1 lat lat-rf1)
for round in $(seq 1 "$ROUNDS"); do
	for i in 0 1 2 3 4; do
		s=${setups[$(((i + round - 1) % 5))]}
		log "round $round: $s"
		run "$s" "$round" | tee -a "$RES"
	done
done
log "$(date -u '+%F %T') UTC, load $(cut -d' ' -f1-3 /proc/loadavg)"

/usr/bin/python3 - "$RES" <<'PY'
import json, statistics as st, sys
runs = [json.loads(l) for l in open(sys.argv[1])]
med = st.median
def cpu(r):  # per broker CPU seconds during the run
    return [(a - b) / r["hz"] for a, b in zip(r["ticks_after"], r["ticks_before"])]
def gb(r): return r["loadgen"]["bytes"] / 1e9
by = {}
for r in runs:
    lg = r["loadgen"]
    if lg.get("errors") or lg.get("lost") or lg.get("duplicated"):
        print("WARNING: %s round %d: errors %s lost %s duplicated %s %s" % (r["setup"], r["round"], lg.get("errors"), lg.get("lost"), lg.get("duplicated"), lg.get("first_error", "")))
    by.setdefault(r["setup"], []).append(r)
rows = []
def row(name, vals, fmt="%.2f"):
    rows.append((name, " ".join(fmt % v for v in vals), fmt % med(vals)))
    return med(vals)
t1 = row("rf1 (1 broker, RF 1, acks=1) MB/s", [r["loadgen"]["mb_per_s"] for r in by["rf1"]], "%.1f")
t3 = row("rf3 (3 brokers, RF 3, acks=all, leaders spread) MB/s", [r["loadgen"]["mb_per_s"] for r in by["rf3"]], "%.1f")
tl = row("rf3-lead1 (all leaders on broker 1) MB/s", [r["loadgen"]["mb_per_s"] for r in by["rf3-lead1"]], "%.1f")
c1 = row("rf1 broker CPU s / acked GB", [sum(cpu(r)) / gb(r) for r in by["rf1"]])
c3 = row("rf3 summed broker CPU s / acked GB", [sum(cpu(r)) / gb(r) for r in by["rf3"]])
cl = row("rf3-lead1 summed broker CPU s / acked GB", [sum(cpu(r)) / gb(r) for r in by["rf3-lead1"]])
lead = row("rf3-lead1 leader (broker 1) CPU s / produced GB", [cpu(r)[0] / gb(r) for r in by["rf3-lead1"]])
foll = row("rf3-lead1 follower CPU s / replicated GB (mean of brokers 2, 3)", [(cpu(r)[1] + cpu(r)[2]) / 2 / gb(r) for r in by["rf3-lead1"]])
row("rf3-lead1 follower/leader CPU per GB, per round", [(cpu(r)[1] + cpu(r)[2]) / 2 / cpu(r)[0] for r in by["rf3-lead1"]])
p99 = row("lat: e2e p99 ms at %.1f MB/s (RF 3, acks=all)" % med([r["loadgen"]["mb_per_s"] for r in by["lat"]]), [r["loadgen"]["p99_ms"] for r in by["lat"]])
row("lat: e2e p50 ms", [r["loadgen"]["p50_ms"] for r in by["lat"]])
row("lat: e2e p999 ms", [r["loadgen"]["p999_ms"] for r in by["lat"]])
row("lat: summed broker CPU s / GB", [sum(cpu(r)) / gb(r) for r in by["lat"]])
p1 = row("lat-rf1 (reference: 1 broker, RF 1, acks=1): e2e p99 ms", [r["loadgen"]["p99_ms"] for r in by["lat-rf1"]])
row("lat-rf1: e2e p50 ms", [r["loadgen"]["p50_ms"] for r in by["lat-rf1"]])
row("lat-rf1: broker CPU s / GB", [sum(cpu(r)) / gb(r) for r in by["lat-rf1"]])
w = max(len(n) for n, _, _ in rows)
print()
print("| %-*s | %s | %s |" % (w, "measure", "rounds", "median"))
print("|%s|---|---|" % ("-" * (w + 2)))
for n, v, m in rows:
    print("| %-*s | %s | %s |" % (w, n, v, m))
print()
def verdict(ok): return "met" if ok else "NOT met"
print("(1) throughput rf3 / rf1 = %.2fx (target >= 0.4x: %s); rf3-lead1 / rf1 = %.2fx" % (t3 / t1, verdict(t3 / t1 >= 0.4), tl / t1))
print("(2) CPU per acked GB rf3 / rf1 = %.2fx (target <= 2.5x: %s); rf3-lead1 / rf1 = %.2fx" % (c3 / c1, verdict(c3 / c1 <= 2.5), cl / c1))
print("(3) e2e p99 at 20 MB/s, RF 3 acks=all = %.2f ms (target < 10 ms: %s); 1 broker RF 1 acks=1 at the same rate: %.2f ms" % (p99, verdict(p99 < 10), p1))
print("(4) follower CPU per replicated GB / leader CPU per produced GB = %.2fx (medians %.2f / %.2f s/GB)" % (foll / lead, foll, lead))
PY

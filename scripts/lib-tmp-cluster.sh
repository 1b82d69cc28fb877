# Sourced by scripts that run a throwaway three-broker cluster
# (scripts/cluster.sh) on free ports with a temporary data dir:
#
#   tmp_cluster_start NAME   picks the ports, starts ZooKeeper and brokers
#                            1-3, waits until each broker lists all three and
#                            a controller, and sets SEEDS (comma-separated)
#                            and CLUSTER_DATA; the EXIT trap SIGKILLs them
#                            and removes the data dir
#   tmp_cluster_logs         the brokers' log tails (for failures)
#   tmp_cluster_ports        only picks the ports (ZK_PORT, BROKER_PORT_BASE,
#                            METRICS_PORT_BASE)
#
# Needs BIN (the sluice binary) and /usr/bin/python3.

tmp_cluster_pids() {
	local f
	for f in "$CLUSTER_DATA"/broker-*.pid "$CLUSTER_DATA"/zookeeper.pid; do
		[ -f "$f" ] && cat "$f"
	done
}

tmp_cluster_cleanup() {
	local pid
	[ -n "${CLUSTER_DATA:-}" ] && [ -d "$CLUSTER_DATA" ] || return 0
	for pid in $(tmp_cluster_pids); do
		kill -KILL "$pid" 2>/dev/null
		for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
	done
	rm -rf "$CLUSTER_DATA"
}

tmp_cluster_logs() {
	local f
	for f in "$CLUSTER_DATA"/broker-*.log "$CLUSTER_DATA"/broker-*/logs/server.log; do
		[ -s "$f" ] || continue
		echo "--- ${f#"$CLUSTER_DATA"/} (last 20 lines)"
		tail -20 "$f"
	done
}

# tmp_cluster_ports sets ZK_PORT (free) and BROKER_PORT_BASE and
# METRICS_PORT_BASE, each with base+1..base+3 free (scripts/cluster.sh puts
# broker i on base+i).
tmp_cluster_ports() {
	read -r ZK_PORT BROKER_PORT_BASE METRICS_PORT_BASE < <(/usr/bin/python3 - <<'EOF'
import random, socket
def free(p):
    s = socket.socket()
    try:
        s.bind(("127.0.0.1", p)); return True
    except OSError:
        return False
    finally:
        s.close()
picked = set()
def base():
    while True:
        b = random.randrange(20000, 60000)
        ports = {b + 1, b + 2, b + 3}
        if not ports & picked and all(free(p) for p in ports):
            picked.update(ports)
            return b
s = socket.socket(); s.bind(("127.0.0.1", 0)); zk = s.getsockname()[1]; s.close()
picked.add(zk)
print(zk, base(), base())
EOF
)
}

tmp_cluster_start() {
	local name=$1 out
	[ -x "$BIN" ] || { echo "$name: $BIN not built (run make build)"; return 1; }
	[ -f /usr/share/java/zookeeper.jar ] || { echo "$name: ZooKeeper not installed (scripts/install-test-deps.sh)"; return 1; }
	tmp_cluster_ports
	CLUSTER_DATA=$(mktemp -d)
	BROKER_OVERRIDES="zookeeper.session.timeout.ms=6000 ${BROKER_OVERRIDES:-}"
	SLUICE_BIN=$BIN
	export ZK_PORT BROKER_PORT_BASE METRICS_PORT_BASE CLUSTER_DATA BROKER_OVERRIDES SLUICE_BIN
	trap tmp_cluster_cleanup EXIT
	trap 'exit 130' INT TERM
	SEEDS=127.0.0.1:$((BROKER_PORT_BASE + 1)),127.0.0.1:$((BROKER_PORT_BASE + 2)),127.0.0.1:$((BROKER_PORT_BASE + 3))
	if ! out=$(./scripts/cluster.sh start 3 2>&1); then
		echo "$name: cluster start failed: $out"
		return 1
	fi
	for _ in $(seq 120); do
		"$BIN" cluster info --brokers "$SEEDS" --timeout 5s --json 2>/dev/null | /usr/bin/python3 -c 'import json, sys
c = json.load(sys.stdin)
sys.exit(not (sum(b["live"] for b in c["brokers"]) == 3 and c.get("controller", -1) not in (None, -1)))' && return 0
		sleep 0.5
	done
	echo "$name: the three brokers did not all come up within 60s"
	tmp_cluster_logs
	return 1
}

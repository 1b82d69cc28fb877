#!/usr/bin/env bash
# Runs the clients not written in Go against a built bin/sluice (make build):
# kcat and confluent-kafka-python (librdkafka), kafka-python 2.0.2 and
# kafkajs (npm, installed into compat/node_modules from the committed
# package-lock.json), including group members of kafka-python and
# confluent-kafka-python that commit, leave and are resumed by a new member
# (compat/*_group_check.py). One line per check; exit status 1 if any failed. The
# broker runs on a free port with a temporary data dir and is killed on exit.
set -uo pipefail
cd "$(dirname "$0")/.."
BIN=${SLUICE_BIN:-bin/sluice}
PY=/usr/bin/python3
N=${COMPAT_RECORDS:-100}
[ -x "$BIN" ] || { echo "compat: $BIN not built (run make build)"; exit 1; }

data=$(mktemp -d)
port=$($PY -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
boot=127.0.0.1:$port
"$BIN" broker --override "listeners=PLAINTEXT://$boot" --override "log.dirs=$data" \
	--override auto.create.topics.enable=true --override sluice.metrics.listener= >"$data.log" 2>&1 &
broker=$!
cleanup() {
	kill "$broker" 2>/dev/null
	wait "$broker" 2>/dev/null
	rm -rf "$data" "$data.log"
}
trap cleanup EXIT INT TERM

for _ in $(seq 100); do
	(exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null && break
	kill -0 "$broker" 2>/dev/null || { echo "FAIL broker exited:"; cat "$data.log"; exit 1; }
	sleep 0.1
done

fails=0
passes=0
check() { # check NAME COMMAND...: one line per check
	local name=$1 out
	shift
	if out=$("$@" 2>&1); then
		echo "ok    $name${out:+ ($(echo "$out" | tail -1))}"
		passes=$((passes + 1))
	else
		echo "FAIL  $name: $(echo "$out" | tail -3 | tr '\n' ' ')"
		fails=$((fails + 1))
	fi
}

kcat_roundtrip() { # codec
	local topic=compat-kcat-$1 want got
	want=$(seq -f "kcat-$1-%g" 1 "$N")
	echo "$want" | kcat -b "$boot" -P -t "$topic" -p 0 -z "$1" -X request.required.acks=all || return 1
	got=$(kcat -b "$boot" -C -t "$topic" -p 0 -o beginning -c "$N" -e -q -f '%s\n' -m 20) || return 1
	[ "$got" = "$want" ] || { echo "consumed $(echo "$got" | wc -l) lines, not the $N produced"; return 1; }
}

groups=0
if keys=$($PY compat/api_keys.py "$boot"); then
	echo "$keys" | grep -qx 11 && groups=1
fi

for codec in none gzip snappy lz4 zstd; do
	check "kcat $codec" kcat_roundtrip "$codec"
done
for codec in none gzip snappy lz4 zstd; do
	check "confluent-kafka-python $codec" $PY compat/confluent_check.py "$boot" "compat-confluent-$codec" "$codec" "$N"
done
for codec in none gzip snappy lz4 zstd; do
	mod=$(case $codec in snappy) echo snappy ;; lz4) echo lz4.frame ;; zstd) echo zstandard ;; *) echo zlib ;; esac)
	if ! $PY -c "import $mod" 2>/dev/null; then
		echo "FAIL  kafka-python $codec: python module $mod missing (scripts/install-test-deps.sh installs python3-${mod%%.*})"
		fails=$((fails + 1))
		continue
	fi
	check "kafka-python $codec" $PY compat/kafka_python_check.py "$boot" "compat-kafka-python-$codec" "$codec" "$N"
done
# Group members (subscribe, join/sync, commit, leave) and a new member that
# resumes exactly after the committed offsets.
if [ "$groups" = 1 ]; then
	check "kafka-python group resume" $PY compat/kafka_python_group_check.py "$boot" compat-group-kafka-python 50
	check "confluent-kafka-python group resume" $PY compat/confluent_group_check.py "$boot" compat-group-confluent 50
else
	echo "FAIL  group resume checks: the broker does not advertise JoinGroup"
	fails=$((fails + 1))
fi
if [ ! -d compat/node_modules/kafkajs ]; then
	(cd compat && npm ci --no-audit --no-fund --silent >/dev/null 2>&1) || echo "FAIL  kafkajs: npm ci failed"
fi
if [ ! -d compat/node_modules/kafkajs ]; then
	fails=$((fails + 1))
else
	for codec in none gzip snappy lz4; do
		check "kafkajs $codec" env SLUICE_GROUPS=$groups node compat/kafkajs_check.js "$boot" "compat-kafkajs-$codec" "$codec" "$N"
	done
	echo "skip  kafkajs zstd (needs the native @kafkajs/zstd package)"
fi

if [ "$fails" -gt 0 ]; then
	echo "broker log (last 20 lines):"
	tail -20 "$data.log"
fi
echo "compat: $passes passed, $fails failed"
[ "$fails" -eq 0 ]

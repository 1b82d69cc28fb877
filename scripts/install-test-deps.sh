#!/usr/bin/env bash
# Installs the system packages the tests need: ZooKeeper for cluster tests,
# and the non-Go Kafka clients for `make compat`. Idempotent and quiet when
# everything is already there.
set -euo pipefail
need=()
[ -f /usr/share/java/zookeeper.jar ] || need+=(zookeeperd)
command -v kcat >/dev/null 2>&1 || need+=(kcat)
/usr/bin/python3 -c 'import kafka' 2>/dev/null || need+=(python3-kafka)
/usr/bin/python3 -c 'import confluent_kafka' 2>/dev/null || need+=(python3-confluent-kafka)
for m in snappy:python3-snappy lz4:python3-lz4 zstandard:python3-zstandard; do
	/usr/bin/python3 -c "import ${m%%:*}" 2>/dev/null || need+=("${m#*:}")
done
if [ ${#need[@]} -gt 0 ]; then
	if [ "$(id -u)" != 0 ]; then
		echo "install-test-deps: need root to install: ${need[*]}" >&2
		exit 1
	fi
	echo "install-test-deps: installing ${need[*]}"
	apt-get update -qq
	DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
fi

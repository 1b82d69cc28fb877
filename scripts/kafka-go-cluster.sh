#!/usr/bin/env bash
# kafka-go's own admin tests (github.com/segmentio/kafka-go of the version
# go.mod requires) against a three-broker cluster (scripts/cluster.sh, on
# free ports, temporary data, SIGKILLed on exit): TestClientElectLeaders,
# TestClientAlterPartitionReassignments(MultiTopics) and
# TestClientListPartitionReassignments.
#
# The module cache is read-only, so the module is copied to a temp dir.
# kafka-go's tests hard-code the broker as localhost:9092 (and
# TCP("localhost"), port 9092 implied); the copy's test files are patched to
# the cluster's first broker instead, so port 9092 need not be free.
# KAFKA_VERSION=3.9.0 is set: without it ktesting.KafkaIsAtLeast("2.4.0") is
# false and these tests return at once, passing without sending anything.
#
# Every test must run (not skip) and pass: exit 1 otherwise.
#   KAFKA_GO_RUN   go test -run filter (default: the four tests above)
set -uo pipefail
cd "$(dirname "$0")/.."
BIN=${SLUICE_BIN:-bin/sluice}
RUN=${KAFKA_GO_RUN:-'^(TestClientElectLeaders|TestClient.*PartitionReassignments.*)$'}
. scripts/lib-tmp-cluster.sh

dir=$(go list -m -f '{{.Dir}}' github.com/segmentio/kafka-go) || { echo "kafka-go-cluster: kafka-go not in the module cache (go mod download)"; exit 1; }
version=$(go list -m -f '{{.Version}}' github.com/segmentio/kafka-go)
tmp_cluster_start kafka-go-cluster || exit 1
first=127.0.0.1:$((BROKER_PORT_BASE + 1))
work=$CLUSTER_DATA/kafka-go
cp -r "$dir" "$work" && chmod -R u+w "$work" || exit 1
sed -i "s/\"localhost:9092\"/\"$first\"/g; s/TCP(\"localhost\")/TCP(\"$first\")/g" "$work"/*_test.go

echo "kafka-go-cluster: kafka-go $version tests $RUN against $SEEDS (first broker $first, KAFKA_VERSION=3.9.0)"
start=$SECONDS
(cd "$work" && KAFKA_VERSION=3.9.0 GOFLAGS=-mod=mod go test -count=1 -timeout 5m -v -run "$RUN" .) >"$CLUSTER_DATA/go-test.log" 2>&1
rc=$?
grep -E "^(=== RUN|--- (PASS|FAIL|SKIP)|    [a-z_]+_test\.go:[0-9]+:|ok|FAIL|panic)" "$CLUSTER_DATA/go-test.log" | grep -v "retrying after\|with 0 partitions"
ran=$(grep -c '^--- PASS' "$CLUSTER_DATA/go-test.log")
if [ "$rc" != 0 ] || [ "$ran" = 0 ] || grep -q '^--- \(FAIL\|SKIP\)' "$CLUSTER_DATA/go-test.log"; then
	tail -30 "$CLUSTER_DATA/go-test.log"
	tmp_cluster_logs
	echo "kafka-go-cluster: FAILED ($((SECONDS - start))s)"
	exit 1
fi
echo "kafka-go-cluster: $ran tests passed in $((SECONDS - start))s"

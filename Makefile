# Sluice: a Kafka-compatible broker. `make run` starts one broker on
# 127.0.0.1:9092 with data in ./data; `make test` installs what the tests
# need and runs them all.
GO        ?= go
BIN       := bin/sluice
PKGS      := ./...
FUZZTIME  ?= 10s

.PHONY: build run test unit compat compat-cluster kgo kgo-full kgo-cluster kafka-go-cluster bench bench-replication lint fuzz deps clean cluster cluster-stop faults

build:
	$(GO) build -o $(BIN) ./cmd/sluice

run: build
	./$(BIN) broker

# A local ZooKeeper and three brokers (127.0.0.1:9092-9094), data in
# ./cluster-data; `make cluster-stop` stops them. scripts/cluster.sh has more.
cluster: build deps
	./scripts/cluster.sh start

cluster-stop:
	./scripts/cluster.sh stop

deps:
	./scripts/install-test-deps.sh

# The unit and end-to-end tests (race detector on), then the clients that are
# not written in Go (against one broker, and against a three-broker cluster
# losing a leader) and franz-go's own integration suite against a built
# broker.
test: deps build unit compat compat-cluster kgo

unit:
	$(GO) vet $(PKGS)
	$(GO) test -race -count=1 -timeout 15m $(PKGS)

compat: build
	./scripts/compat.sh

# The same clients against three brokers on a local ZooKeeper, each across a
# SIGKILLed partition leader (about a minute and a half).
compat-cluster: build
	./scripts/compat-cluster.sh

# franz-go's pkg/kgo integration suite (from the Go module cache) against a
# built broker, with 50000 records per producing test (a few minutes);
# kgo-full uses franz-go's own default of 500000.
kgo: build
	./scripts/kgo-suite.sh

kgo-full: build
	KGO_TEST_RECORDS=500000 KGO_SUITE_TIMEOUT=40m ./scripts/kgo-suite.sh

# The same suite against three brokers on a local ZooKeeper (replication
# factor 3), and kafka-go's own admin tests (ElectLeaders, the partition
# reassignment APIs) against three brokers.
kgo-cluster: build
	KGO_SUITE_CLUSTER=3 ./scripts/kgo-suite.sh

kafka-go-cluster: build
	./scripts/kafka-go-cluster.sh

# The nemesis tests (cluster/clustertest/nemesis_test.go) with 20 rounds of
# each repeated fault instead of `make test`'s 3 (several minutes).
faults: deps
	SLUICE_FAULT_ROUNDS=20 $(GO) test -count=1 -timeout 30m -v -run Nemesis ./cluster/clustertest

bench:
	$(GO) test -run '^$$' -bench . -benchtime 2s ./bench

# Replication cost: 1 broker RF 1 acks=1 against 3 brokers RF 3 acks=all on
# a local ZooKeeper, with ../shared/perf's loadgen (a few minutes; see
# bench/README.md).
bench-replication: build
	./bench/replication.sh

lint:
	@test -z "$$(gofmt -l $$(git ls-files '*.go'))" || (gofmt -l $$(git ls-files '*.go'); exit 1)
	$(GO) vet $(PKGS)
	$(GO) run honnef.co/go/tools/cmd/staticcheck@latest $(PKGS)

# Each fuzz target briefly; FUZZTIME=1m make fuzz for longer.
fuzz:
	./scripts/fuzz.sh $(FUZZTIME)

clean:
	rm -rf bin

#!/usr/bin/env bash
# Runs every Fuzz* target in the module for a short time each.
# -fuzzminimizetime is cut from its 60 s default: a worker minimizing a new
# input reports no executions until it is done, so targets with file I/O
# per execution (engine/internal/segment FuzzScan) spent a short run
# minimizing and looked stalled.
set -euo pipefail
t=${1:-10s}
for pkg in $(go list ./...); do
	dir=$(go list -f '{{.Dir}}' "$pkg")
	for f in $(grep -ho '^func Fuzz[A-Za-z0-9_]*' "$dir"/*_test.go 2>/dev/null | awk '{print $2}' | sort -u); do
		echo "fuzz $pkg $f ($t)"
		go test -run '^$' -fuzz "^$f\$" -fuzztime "$t" -fuzzminimizetime 1s "$pkg"
	done
done

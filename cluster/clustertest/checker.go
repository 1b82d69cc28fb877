// Package clustertest holds what the multi-broker end-to-end tests share:
// a safety workload and its checker, modelled on Jepsen's Kafka tests
// (jepsen-io/jepsen tests/kafka.clj): a producer whose every acknowledged
// record is recorded, a reader that reads everything back, and a checker
// that counts lost, duplicated, reordered and inconsistent records. It is
// test support: only tests import it.
package clustertest

import (
	"fmt"
	"slices"
	"sort"
	"strings"
)

// Ack is a record the broker acknowledged: its value (a sequence number
// unique across the run) and where the broker said it landed.
type Ack struct {
	Value     int64
	Partition int32
	Offset    int64
}

// Read is a record read back.
type Read struct {
	Value     int64
	Partition int32
	Offset    int64
}

// History is what a workload did.
type History struct {
	// Acked are the acknowledged records, in acknowledgement order.
	Acked []Ack
	// Failed are values whose produce ended in an error: they may or may
	// not be in the log (an acks=all timeout can still commit).
	Failed []int64
	// Sent is how many values were handed to the producer.
	Sent int64
}

// Report is the checker's verdict.
type Report struct {
	Acked, Read int
	// Lost: acknowledged, never read.
	Lost []int64
	// Duplicated: read at more than one offset.
	Duplicated []int64
	// Reordered: within a partition, a value read at a higher offset than
	// a later-sent value (one idempotent producer's records must keep
	// their send order).
	Reordered []int64
	// Moved: acknowledged at one offset, read at another (Jepsen's
	// inconsistent offsets).
	Moved []int64
	// Unexpected: read but never sent.
	Unexpected []int64
}

// OK reports whether nothing was lost, duplicated, reordered, moved or
// invented.
func (r Report) OK() bool {
	return len(r.Lost)+len(r.Duplicated)+len(r.Reordered)+len(r.Moved)+len(r.Unexpected) == 0
}

func (r Report) String() string {
	var b strings.Builder
	fmt.Fprintf(&b, "acked %d, read %d: lost %d, duplicated %d, reordered %d, moved %d, unexpected %d",
		r.Acked, r.Read, len(r.Lost), len(r.Duplicated), len(r.Reordered), len(r.Moved), len(r.Unexpected))
	for _, l := range []struct {
		name string
		v    []int64
	}{{"lost", r.Lost}, {"duplicated", r.Duplicated}, {"reordered", r.Reordered}, {"moved", r.Moved}, {"unexpected", r.Unexpected}} {
		if len(l.v) > 0 {
			fmt.Fprintf(&b, "\n  %s: %s", l.name, sample(l.v))
		}
	}
	return b.String()
}

func sample(v []int64) string {
	const n = 20
	s := fmt.Sprint(v[:min(len(v), n)])
	if len(v) > n {
		s += fmt.Sprintf(" ... (%d)", len(v))
	}
	return s
}

// Check compares what was acknowledged with what was read back. reads must
// cover every partition from its log start to its end at read time.
func Check(h History, reads []Read) Report {
	r := Report{Acked: len(h.Acked), Read: len(reads)}
	where := map[int64][]Read{}
	for _, rd := range reads {
		where[rd.Value] = append(where[rd.Value], rd)
	}
	for v, at := range where {
		if len(at) > 1 {
			r.Duplicated = append(r.Duplicated, v)
		}
		if v < 0 || v >= h.Sent {
			r.Unexpected = append(r.Unexpected, v)
		}
	}
	for _, a := range h.Acked {
		at, ok := where[a.Value]
		if !ok {
			r.Lost = append(r.Lost, a.Value)
			continue
		}
		if !slices.ContainsFunc(at, func(rd Read) bool { return rd.Partition == a.Partition && rd.Offset == a.Offset }) {
			r.Moved = append(r.Moved, a.Value)
		}
	}
	byPart := map[int32][]Read{}
	for _, rd := range reads {
		byPart[rd.Partition] = append(byPart[rd.Partition], rd)
	}
	for _, rs := range byPart {
		sort.Slice(rs, func(i, j int) bool { return rs[i].Offset < rs[j].Offset })
		var hi int64 = -1
		for _, rd := range rs {
			if rd.Value < hi {
				r.Reordered = append(r.Reordered, rd.Value)
			}
			hi = max(hi, rd.Value)
		}
	}
	for _, l := range [][]int64{r.Lost, r.Duplicated, r.Reordered, r.Moved, r.Unexpected} {
		slices.Sort(l)
	}
	return r
}

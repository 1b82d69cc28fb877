// Package producer keeps the idempotent-producer state of one partition:
// per producer id the current epoch and the metadata of its last five
// batches, which is what Kafka needs to detect duplicates and sequence gaps
// (ProducerStateManager / ProducerAppendInfo). It does no I/O except through
// Encode/Decode of snapshot files (snapshot.go).
package producer

import (
	"errors"
	"fmt"
	"math"
)

// MaxBatches is how many batches per producer are remembered (Kafka's
// ProducerStateEntry.NUM_BATCHES_TO_RETAIN).
const MaxBatches = 5

// Errors returned by Check.
var (
	ErrOutOfOrderSequence = errors.New("producer: out of order sequence number")
	ErrInvalidEpoch       = errors.New("producer: invalid producer epoch")
)

// Batch describes one appended batch of a producer.
type Batch struct {
	FirstSeq, LastSeq       int32
	FirstOffset, LastOffset int64
	Timestamp               int64
}

// Entry is the state of one producer id.
type Entry struct {
	Epoch   int16
	Batches []Batch // oldest first, at most MaxBatches
}

// LastTimestamp is the max timestamp of the producer's last batch (Kafka's
// ProducerStateEntry.lastTimestamp), -1 when it has none.
func (e *Entry) LastTimestamp() int64 {
	if len(e.Batches) == 0 {
		return -1
	}
	return e.Batches[len(e.Batches)-1].Timestamp
}

func (e *Entry) lastSeq() int32 {
	if len(e.Batches) == 0 {
		return -1
	}
	return e.Batches[len(e.Batches)-1].LastSeq
}

// State is the producer table of one partition. Not goroutine-safe: the
// owning log's mutex guards it.
type State struct {
	m map[int64]*Entry
}

// NewState returns an empty table.
func NewState() *State { return &State{m: make(map[int64]*Entry)} }

// Len is the number of producers known.
func (s *State) Len() int { return len(s.m) }

// Get returns a producer's entry.
func (s *State) Get(pid int64) (*Entry, bool) {
	e, ok := s.m[pid]
	return e, ok
}

// LastSeq returns the sequence number of the last record of a batch
// starting at firstSeq with lastOffsetDelta, wrapping at MaxInt32 as Kafka
// does.
func LastSeq(firstSeq, lastOffsetDelta int32) int32 {
	if firstSeq < 0 {
		return -1
	}
	if int64(firstSeq)+int64(lastOffsetDelta) > math.MaxInt32 {
		return int32(int64(firstSeq) + int64(lastOffsetDelta) - math.MaxInt32 - 1)
	}
	return firstSeq + lastOffsetDelta
}

func inSequence(last, next int32) bool {
	return next == last+1 || (next == 0 && last == math.MaxInt32)
}

// Check decides what to do with a client batch of producer pid: a non-nil
// *Batch means it duplicates that already-appended batch (append nothing,
// answer with its offsets); an error wraps ErrInvalidEpoch or
// ErrOutOfOrderSequence; (nil, nil) means append it.
func (s *State) Check(pid int64, epoch int16, firstSeq, lastSeq int32) (*Batch, error) {
	e, ok := s.m[pid]
	if !ok {
		// Unknown producer (new, or its state was removed by retention):
		// Kafka accepts any sequence number.
		return nil, nil
	}
	if epoch < e.Epoch {
		return nil, fmt.Errorf("%w: epoch %d is older than the current epoch %d of producer %d", ErrInvalidEpoch, epoch, e.Epoch, pid)
	}
	if epoch > e.Epoch {
		if firstSeq != 0 {
			return nil, fmt.Errorf("%w: invalid sequence number for new epoch of producer %d: %d (request epoch), %d (seq. number), %d (current producer epoch)",
				ErrOutOfOrderSequence, pid, epoch, firstSeq, e.Epoch)
		}
		return nil, nil
	}
	for i := range e.Batches {
		if b := &e.Batches[i]; b.FirstSeq == firstSeq && b.LastSeq == lastSeq {
			dup := *b
			return &dup, nil
		}
	}
	if last := e.lastSeq(); len(e.Batches) > 0 && !inSequence(last, firstSeq) {
		return nil, fmt.Errorf("%w: out of order sequence number for producer %d: %d (incoming seq. number), %d (current end sequence number)",
			ErrOutOfOrderSequence, pid, firstSeq, last)
	}
	return nil, nil
}

// Update records an appended batch (also used when replaying the log, where
// no checks run).
func (s *State) Update(pid int64, epoch int16, b Batch) {
	e, ok := s.m[pid]
	if !ok {
		e = &Entry{Epoch: epoch}
		s.m[pid] = e
	}
	if epoch != e.Epoch {
		e.Epoch = epoch
		e.Batches = e.Batches[:0]
	}
	if len(e.Batches) == MaxBatches {
		copy(e.Batches, e.Batches[1:])
		e.Batches = e.Batches[:MaxBatches-1]
	}
	e.Batches = append(e.Batches, b)
}

// RemoveExpired forgets every producer whose last batch's timestamp is
// expiration or more before nowMs (Kafka's
// ProducerStateManager.removeExpiredProducers with producer.id.expiration.ms;
// there are no transactions, so no producer has one ongoing). A producer
// forgotten this way is new again to Check: any sequence is accepted, as
// Kafka accepts an expired producer id (KIP-360). It returns how many were
// removed.
func (s *State) RemoveExpired(nowMs, expirationMs int64) int {
	n := 0
	for pid, e := range s.m {
		if nowMs-e.LastTimestamp() >= expirationMs {
			delete(s.m, pid)
			n++
		}
	}
	return n
}

// Clone returns a deep copy.
func (s *State) Clone() *State {
	c := NewState()
	for pid, e := range s.m {
		c.m[pid] = &Entry{Epoch: e.Epoch, Batches: append([]Batch(nil), e.Batches...)}
	}
	return c
}

// LastSequence is the sequence number of the producer's last record (Kafka's
// ProducerStateEntry.lastSeq), -1 when it has no batch.
func (e *Entry) LastSequence() int32 { return e.lastSeq() }

// Each calls fn for every producer, in no particular order; fn must not
// keep e.
func (s *State) Each(fn func(pid int64, e *Entry)) {
	for pid, e := range s.m {
		fn(pid, e)
	}
}

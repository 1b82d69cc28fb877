package replica

import (
	"encoding/binary"
	"fmt"
	"strings"
)

// memLog is an in-memory partition log with engine.Log's (and Kafka's
// UnifiedLog's) semantics for what the machine reads and the actions it
// emits. One record per batch; a record is its leader epoch and a value
// unique in the test.
type memLog struct {
	start  int64
	recs   []rec
	hw     int64
	epochs []epochEntry
}

type rec struct {
	Epoch int32
	Val   int64
}

type epochEntry struct {
	epoch int32
	start int64
}

func (l *memLog) LogStartOffset() int64 { return l.start }
func (l *memLog) LogEndOffset() int64   { return l.start + int64(len(l.recs)) }
func (l *memLog) HighWatermark() int64  { return l.hw }

func (l *memLog) LatestEpoch() int32 {
	if len(l.epochs) == 0 {
		return -1
	}
	return l.epochs[len(l.epochs)-1].epoch
}

// EndOffsetForEpoch is LeaderEpochFileCache.endOffsetFor.
func (l *memLog) EndOffsetForEpoch(epoch int32) (int32, int64) {
	if epoch < 0 || len(l.epochs) == 0 {
		return -1, -1
	}
	if l.LatestEpoch() == epoch {
		return epoch, l.LogEndOffset()
	}
	hi := -1
	for i, e := range l.epochs {
		if e.epoch > epoch {
			hi = i
			break
		}
	}
	switch hi {
	case -1:
		return -1, -1
	case 0:
		return epoch, l.epochs[0].start
	}
	return l.epochs[hi-1].epoch, l.epochs[hi].start
}

func (l *memLog) at(o int64) (rec, bool) {
	if o < l.start || o >= l.LogEndOffset() {
		return rec{}, false
	}
	return l.recs[o-l.start], true
}

// assign is the epoch cache's assign: ignored unless newer.
func (l *memLog) assign(epoch int32, offset int64) {
	if epoch < 0 {
		return
	}
	if n := len(l.epochs); n > 0 && (epoch <= l.epochs[n-1].epoch || offset < l.epochs[n-1].start) {
		return
	}
	l.epochs = append(l.epochs, epochEntry{epoch, offset})
}

func (l *memLog) appendLeader(epoch int32, val int64) int64 {
	o := l.LogEndOffset()
	l.assign(epoch, o)
	l.recs = append(l.recs, rec{epoch, val})
	return o
}

// truncate is UnifiedLog.truncateTo.
func (l *memLog) truncate(o int64) {
	if o >= l.LogEndOffset() {
		l.truncateEpochsFromEnd(l.LogEndOffset())
		return
	}
	if o < l.start {
		l.truncateFully(o)
		return
	}
	l.recs = l.recs[:o-l.start]
	l.truncateEpochsFromEnd(o)
	l.hw = min(l.hw, o)
}

func (l *memLog) truncateEpochsFromEnd(o int64) {
	n := len(l.epochs)
	for n > 0 && l.epochs[n-1].start >= o {
		n--
	}
	l.epochs = l.epochs[:n]
}

func (l *memLog) truncateFully(o int64) {
	l.start, l.recs, l.hw, l.epochs = o, nil, o, nil
}

func (l *memLog) setHW(h int64) { l.hw = max(min(h, l.LogEndOffset()), l.start) }

// setLogStart is updateLogStartOffset: the HW rises to the new start;
// beyond the log end is a bug in the caller.
func (l *memLog) setLogStart(o int64) error {
	if o <= l.start {
		return nil
	}
	if o > l.LogEndOffset() {
		return fmt.Errorf("log start %d beyond log end %d", o, l.LogEndOffset())
	}
	l.recs = l.recs[o-l.start:]
	l.start = o
	l.hw = max(l.hw, o)
	i := 0
	for i < len(l.epochs) && l.epochs[i].start < o {
		i++
	}
	if i > 0 {
		keep := l.epochs[i-1]
		rest := l.epochs[i:]
		if len(rest) > 0 && rest[0].start == o {
			l.epochs = append([]epochEntry(nil), rest...)
		} else {
			keep.start = o
			l.epochs = append([]epochEntry{keep}, rest...)
		}
	}
	return nil
}

const recSize = 20

// read encodes the records in [from, to) as AppendRecords bytes.
func (l *memLog) read(from, to int64) []byte {
	var b []byte
	for o := from; o < to; o++ {
		r, ok := l.at(o)
		if !ok {
			break
		}
		b = binary.BigEndian.AppendUint64(b, uint64(o))
		b = binary.BigEndian.AppendUint32(b, uint32(r.Epoch))
		b = binary.BigEndian.AppendUint64(b, uint64(r.Val))
	}
	return b
}

// appendReplica appends fetched records, which must start at the log end.
func (l *memLog) appendReplica(b []byte) error {
	if len(b)%recSize != 0 {
		return fmt.Errorf("bad records length %d", len(b))
	}
	for ; len(b) > 0; b = b[recSize:] {
		o := int64(binary.BigEndian.Uint64(b))
		e := int32(binary.BigEndian.Uint32(b[8:]))
		v := int64(binary.BigEndian.Uint64(b[12:]))
		if o != l.LogEndOffset() {
			return fmt.Errorf("fetched record at offset %d appended at log end %d", o, l.LogEndOffset())
		}
		l.assign(e, o)
		l.recs = append(l.recs, rec{e, v})
	}
	return nil
}

func decodeRecords(b []byte) string {
	var parts []string
	for ; len(b) >= recSize; b = b[recSize:] {
		parts = append(parts, fmt.Sprintf("%d:e%d", binary.BigEndian.Uint64(b), int32(binary.BigEndian.Uint32(b[8:]))))
	}
	return "[" + strings.Join(parts, " ") + "]"
}

func (l *memLog) String() string {
	var parts []string
	for i, r := range l.recs {
		parts = append(parts, fmt.Sprintf("%d:e%d", l.start+int64(i), r.Epoch))
	}
	var eps []string
	for _, e := range l.epochs {
		eps = append(eps, fmt.Sprintf("%d@%d", e.epoch, e.start))
	}
	return fmt.Sprintf("log=[%s] start=%d hw=%d leo=%d epochs=[%s]",
		strings.Join(parts, " "), l.start, l.hw, l.LogEndOffset(), strings.Join(eps, " "))
}

// applyLog carries out a log mutation on l; ok is false for actions that
// are not log mutations.
func applyLog(l *memLog, a Action) (ok bool, err error) {
	switch a := a.(type) {
	case AssignEpoch:
		l.assign(a.Epoch, a.StartOffset)
	case SetHighWatermark:
		l.setHW(a.Offset)
	case Truncate:
		l.truncate(a.Offset)
	case TruncateFully:
		l.truncateFully(a.Offset)
	case AppendRecords:
		err = l.appendReplica(a.Records)
	case SetLogStart:
		err = l.setLogStart(a.Offset)
	default:
		return false, nil
	}
	return true, err
}

// describe renders an action for scripts and failure traces.
func describe(a Action) string {
	switch a := a.(type) {
	case AssignEpoch:
		return fmt.Sprintf("assign-epoch %d@%d", a.Epoch, a.StartOffset)
	case SetHighWatermark:
		return fmt.Sprintf("set-hw %d", a.Offset)
	case Truncate:
		return fmt.Sprintf("truncate %d", a.Offset)
	case TruncateFully:
		return fmt.Sprintf("truncate-fully %d", a.Offset)
	case AppendRecords:
		return "append " + decodeRecords(a.Records)
	case SetLogStart:
		return fmt.Sprintf("set-log-start %d", a.Offset)
	case AlterPartition:
		kind := "shrink"
		if a.Expand {
			kind = "expand"
		}
		return fmt.Sprintf("alter-partition #%d %s isr=%v le=%d pe=%d", a.Seq, kind, a.ISR, a.LeaderEpoch, a.PartitionEpoch)
	case CompleteAck:
		return fmt.Sprintf("ack #%d %s", a.ID, a.Err)
	case FetchAnswer:
		s := fmt.Sprintf("fetch-answer r=%d %s", a.ReplicaID, a.Err)
		if a.Diverging.Present() {
			s += fmt.Sprintf(" diverging=%d:%d", a.Diverging.Epoch, a.Diverging.EndOffset)
		}
		if a.Err == None {
			s += fmt.Sprintf(" hw=%d start=%d leo=%d", a.HighWatermark, a.LogStartOffset, a.LogEndOffset)
		}
		return s
	case ListLeaderOffsets:
		return fmt.Sprintf("list-leader-offsets leader=%d epoch=%d", a.Leader, a.LeaderEpoch)
	case Backoff:
		return "backoff"
	case LogLine:
		var b strings.Builder
		fmt.Fprintf(&b, "%s %s", a.Level, a.Msg)
		for i := 0; i+1 < len(a.Attrs); i += 2 {
			fmt.Fprintf(&b, " %v=%v", a.Attrs[i], a.Attrs[i+1])
		}
		return b.String()
	}
	return fmt.Sprintf("%T%+v", a, a)
}

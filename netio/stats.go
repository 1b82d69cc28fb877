package netio

import "sync/atomic"

// Stats is a snapshot of a Server's counters since NewServer.
type Stats struct {
	ActiveConns   int64 // open connections
	AcceptedConns int64 // connections opened in total
	BytesIn       int64 // bytes read from clients
	BytesOut      int64 // bytes written to clients, all paths
	SendfileBytes int64 // of BytesOut: file-range bytes sent by sendfile(2)
	CopiedBytes   int64 // of BytesOut: file-range bytes copied through user space (fallback)
	Frames        int64 // frames handed to Handler.Serve
	BadFrames     int64 // connections closed for a frame length out of range
	IdleClosed    int64 // connections closed by the idle timeout
	WriteStalls   int64 // times a socket was full and armed in the side poller
	DirectWrites  int64 // responses Respond wrote itself, not through the loop (direct.go)
	AcceptErrors  int64 // accept(2) (or hand-over to an event loop) failures
	LostHandovers int64 // of AcceptErrors: connections accepted, then lost handing them to an event loop
	RejectedConns int64 // connections closed at once for max.connections.per.ip
	MutedConns    int64 // connections not being read now (their bounds, the budget, shutdown)
	Mutes         int64 // times a connection was muted
	QueuedBytes   int64 // request frame bytes held now (served, not answered), this Server's connections
	BudgetWaits   int64 // times a connection of any Server sharing the Budget waited for it
}

type stats struct {
	activeConns   atomic.Int64
	acceptedConns atomic.Int64
	bytesIn       atomic.Int64
	bytesOut      atomic.Int64
	sendfileBytes atomic.Int64
	copiedBytes   atomic.Int64
	frames        atomic.Int64
	badFrames     atomic.Int64
	idleClosed    atomic.Int64
	writeStalls   atomic.Int64
	directWrites  atomic.Int64
	acceptErrors  atomic.Int64
	lostHandovers atomic.Int64
	rejectedConns atomic.Int64
	mutedConns    atomic.Int64
	mutes         atomic.Int64
	queuedBytes   atomic.Int64
}

func (s *stats) snapshot() Stats {
	return Stats{
		ActiveConns:   s.activeConns.Load(),
		AcceptedConns: s.acceptedConns.Load(),
		BytesIn:       s.bytesIn.Load(),
		BytesOut:      s.bytesOut.Load(),
		SendfileBytes: s.sendfileBytes.Load(),
		CopiedBytes:   s.copiedBytes.Load(),
		Frames:        s.frames.Load(),
		BadFrames:     s.badFrames.Load(),
		IdleClosed:    s.idleClosed.Load(),
		WriteStalls:   s.writeStalls.Load(),
		DirectWrites:  s.directWrites.Load(),
		AcceptErrors:  s.acceptErrors.Load(),
		LostHandovers: s.lostHandovers.Load(),
		RejectedConns: s.rejectedConns.Load(),
		MutedConns:    s.mutedConns.Load(),
		Mutes:         s.mutes.Load(),
		QueuedBytes:   s.queuedBytes.Load(),
	}
}

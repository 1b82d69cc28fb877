// Package netio is Sluice's network layer: gnet v2 event loops that cut
// length-prefixed frames out of TCP streams, hand them to a Handler, and
// write the handler's responses back in request order, sending file ranges
// with sendfile(2). It knows nothing about Kafka.
//
// netio listens and accepts itself (listen.go) and hands each socket to a
// gnet event loop; gnet runs without a listener of its own, whose accept
// loop would end for good on the first EMFILE.
//
// # Wire format
//
// Both directions are frames; netio parses only the inbound prefix:
//
//	| size int32 (big-endian, 1..MaxFrameBytes) | size bytes of frame |
//
// A size <= 0 or > Config.MaxFrameBytes closes the connection as soon as the
// four bytes arrive, before the body is waited for or buffered (responses to
// earlier frames not yet written are dropped; their Done still runs). Responses are
// written as given: the bytes of Response.Chunks concatenated (the protocol
// layer writes its own size prefix).
//
// Frames that fit in what was read are handed to Serve straight from gnet's
// read buffer. A frame of 32 KiB or more whose body is still arriving is
// assembled in a pooled buffer of the connection's own instead of gnet's
// ring buffer (two copies and a fresh allocation per frame): what gnet read
// is copied in, the rest is read from the socket straight into the buffer
// (assemble.go); this halves the loop's CPU per inbound byte for
// produce-sized frames.
//
// # Frame ownership
//
// A frame handed to Serve belongs to netio and is valid only during the
// call: netio reuses gnet's buffer or recycles the assembly buffer as soon
// as Serve returns. A handler that keeps the bytes longer calls
// Request.TakeFrame during Serve: for an assembled frame it gets the buffer
// itself (the same bytes as frame, no copy), which netio then forgets, and
// must pass it to ReleaseFrame exactly once when nothing aliases it any more
// (it goes back to the assembly pool). For a frame in gnet's buffer
// TakeFrame returns false and the handler copies what it keeps:
//
//	Serve(c, frame, req)
//	  assembled:  TakeFrame -> (frame, true)  ... handler ... ReleaseFrame(frame)
//	  in gnet:    TakeFrame -> (nil, false)    handler copies frame
//
// # Response slots
//
// Each frame gets a slot (a *Request) appended to the connection's FIFO on
// the event loop before Serve runs. Respond may come from any goroutine in
// any order; it only fills the slot. The writer takes the ready prefix of
// the FIFO and writes it; a slot behind an unanswered one waits, so a
// connection's responses leave in request order (pipelining):
//
//	FIFO:  [ready][ready][pending][ready] ...
//	        \____ written ____/  ^ writer stops here until Respond
//
// NoResponse slots are retired without bytes. CloseAfter closes the
// connection once that slot (and all before it) is written; later slots are
// dropped. Done runs exactly once per slot: after its last byte is written,
// or in OnClose for answered slots, or inside Respond when it comes after
// the connection closed.
//
// # The pump
//
// Writing happens on the connection's event loop in pump, which runs
// after OnTraffic served frames, when a Respond completes the FIFO's head
// (EventLoop.Execute), when the side poller reports the socket writable,
// and when a pump that used its budget (4 MiB) requeues itself so that one
// fast reader cannot starve the loop. pump writes from a cursor (slot, chunk,
// offset): consecutive memory chunks, across slots, go out in one writev;
// a file chunk goes out with sendfile(2) from the file's fd at Off+written.
// If sendfile is refused (EINVAL, ENOSYS, EOPNOTSUPP...), the connection
// switches to copying: ReadAt into a 256 KiB buffer, then write.
//
// The exception is a direct write (direct.go): a Respond that completes
// the FIFO's head while the loop holds nothing of the connection's to
// write, with a response of one memory chunk, writes it itself, sparing
// the loop a wake-up; a short write hands the rest to pump.
//
// # EAGAIN
//
// netio never writes through gnet (c.Write/AsyncWrite): gnet's outbound
// buffer stays empty, so raw writes cannot interleave with buffered ones,
// and gnet would never tell us when its buffer drained anyway. When a raw
// write returns EAGAIN (or writes short), the connection arms its socket in
// a private epoll (internal/wpoll) with EPOLLOUT|EPOLLONESHOT and stops
// pumping; the poller's goroutine queues a pump on the loop when the socket
// is writable. OnClose removes the socket from that epoll before gnet
// closes it, so the poller never sees a reused descriptor; reports carry
// the connection id.
//
// # Invariants
//
//   - The event loop never blocks: frames are served without I/O, sockets are
//     non-blocking, and file ranges should be made resident by Prefetch (off
//     the loop) before Respond. A cold page still costs a disk read on the
//     loop, which Prefetch's probing makes rare, not impossible.
//   - Only the loop touches the cursor and the write state; the slot FIFO
//     is shared under Conn.mu (Respond fills, the loop takes). The socket is
//     written by the loop, or by one direct write while the loop owns none
//     of the write side (mu.loopWriting false), never by both at once.
//   - gnet.Conn.OutboundBuffered() == 0 whenever pump writes.
//   - Response chunks (and so their FileLike values) stay referenced until
//     Done; Done runs exactly once.
//   - At most one pump task is queued per connection (mu.pumpQueued), and at
//     most one side-poller arm is outstanding (armed).
//
// # Backpressure: muting and the Budget
//
// A connection is muted (mute.go: its read interest in gnet's epoll is
// dropped, so neither gnet nor netio reads it and TCP pushes back on the
// client) when, between frames, it holds
//
//   - Config.MaxInflight requests served but not yet written, or
//   - Config.MaxQueuedBytes of request frames served but not yet answered
//     (Respond), or
//   - Config.MaxUnsentBytes of answered responses' memory chunks not yet
//     written (a client that does not read),
//
// or when the Budget (budget.go, shared by a broker's data-plane Servers:
// queued.max.request.bytes) holds back its next frame. A frame is charged
// to its connection and the Budget from its length prefix to its Respond;
// each bound admits one more frame while below it, and a frame once
// started is read to its end, so no connection waits half-way through a
// frame. The first answer or write that brings the connection back under
// its bounds wakes it (gnet Conn.Wake runs OnTraffic, which serves what
// waited in gnet's inbound buffer and unmutes); a Budget grant wakes the
// waiter it was granted to. What a muted connection can make the broker
// hold is what it held when muted: at most one gnet read (64 KiB) of
// unframed bytes, and its bounded requests and responses. A Server without
// a Budget (a control-plane or inter-broker listener) is never held back
// by client traffic.
//
// A connection whose answers wait for a client that does not read makes no
// progress: the idle timeout closes it (unanswered requests, such as a
// parked long poll, keep it open).
//
// # Accepting
//
// One goroutine per Server accepts (listen.go). At Config.MaxConns open
// connections (max.connections; by default the open-files limit minus a
// reserve) it stops accepting until one closes, as Kafka does: new
// connections wait in the kernel's backlog. An accept error (EMFILE,
// ENFILE, ...) is counted, logged at most every 10 s, and retried with
// backoff (5 ms to 1 s); after EMFILE/ENFILE the listener waits until a
// descriptor can be had before taking a connection off the backlog. A
// connection past Config.MaxConnsPerIP for its address (or its override)
// is closed at once. Server.Accepting reports which of these holds.
//
// # Shutdown
//
// Shutdown closes the listener, stops serving new frames (connections are
// muted), waits until every served request has been answered and written
// (bounded by its ctx), then stops the event loops; OnClose runs for every
// connection.
//
// # Locks
//
// Server.mu (connection registry), Conn.mu (slot FIFO), Budget.mu, the
// acceptor's counts and the side poller's mutex are never held together,
// and no netio lock is held while Handler methods or Done run (Conn.wmu
// before Conn.mu is the exception, see direct.go).
package netio

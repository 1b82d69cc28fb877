package protocol

import (
	"fmt"
	"time"

	"sluice/protocol/handlers"
)

// maxSuspectDecodes bounds the goroutines decoding suspect bodies (see
// wire.CheckBody): a malicious one can keep its goroutine busy for up to
// ~25 s inside kmsg, so they run neither on the event loop nor on the
// workers, and a connection that sends one while all slots are taken is
// closed.
const maxSuspectDecodes = 4

// decodeSuspect starts decoding p.buf on its own goroutine; false when no
// slot is free. The goroutine cannot be interrupted but always ends (the
// cost is bounded by the uint32 tag count); it is not waited for on Close.
func (h *Handler) decodeSuspect(p *pending) bool {
	select {
	case h.suspects <- struct{}{}:
	default:
		return false
	}
	p.decoded = make(chan struct{})
	body := *p.buf
	go func() {
		defer func() { <-h.suspects }()
		p.decodeErr = h.decode(p, body)
		close(p.decoded)
	}()
	return true
}

// awaitDecode parks p until its decode ended, then runs it.
func (h *Handler) awaitDecode(p *pending) *handlers.Park {
	return &handlers.Park{
		Wake:     []<-chan struct{}{p.decoded},
		Deadline: time.Now().Add(time.Minute),
		Resume: func(bool) handlers.Reply {
			select {
			case <-p.decoded:
			default: // connection closed or shutdown first
				return handlers.Reply{Close: true}
			}
			if p.decodeErr != nil {
				h.log.Info("closing connection", "conn", p.call.ConnID, "remote", p.call.Remote,
					"reason", fmt.Errorf("%w: %s v%d: %v", errMalformed, p.api.Name, p.call.Version, p.decodeErr))
				return handlers.Reply{Close: true}
			}
			return h.run(p)
		},
	}
}

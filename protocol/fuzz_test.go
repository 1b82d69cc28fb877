package protocol

import (
	"testing"

	"github.com/twmb/franz-go/pkg/kmsg"

	"sluice/protocol/handlers"
)

// FuzzDecodeRequest feeds arbitrary frames to the request decoder (header
// parsing, API lookup, body walk and decode): it must never panic or hang,
// and a header it accepts must name a served API at a served version.
func FuzzDecodeRequest(f *testing.F) {
	for _, a := range handlers.Table() { // every served API at every served version
		for v := a.MinVersion; v <= a.MaxVersion; v++ {
			req := kmsg.RequestForKey(a.Key)
			req.SetVersion(v)
			f.Add(rawRequest(req, 7)[4:])
		}
	}
	f.Add([]byte{})
	f.Add([]byte{0, 18, 0, 3, 0, 0, 0, 1, 0xff, 0xff, 5, 1, 2})
	f.Add([]byte("\x00\x16\x00\x04\x00\x00\x00\a\x00\x04test\x00\x00\x00\x00\x00\x00\xff\xb7\xb7\xb7\xb7\xff\xff\xff\xff\xff\xff\xff\xff\xff\x00"))
	h := NewHandler(&handlers.Env{APIs: handlers.Table()}, HandlerOptions{IOThreads: 1})
	defer h.Close()
	f.Fuzz(func(t *testing.T, frame []byte) {
		hdr, body, api, err := h.parse(frame)
		if err != nil {
			return
		}
		if api.Key != hdr.Key || hdr.Version < api.MinVersion || hdr.Version > api.MaxVersion {
			if hdr.Key != 18 {
				t.Fatalf("accepted %d v%d for %s v%d-%d", hdr.Key, hdr.Version, api.Name, api.MinVersion, api.MaxVersion)
			}
			return
		}
		p := &pending{api: api, body: body, call: handlers.Call{Key: hdr.Key, Version: hdr.Version}}
		_ = h.decode(p)
	})
}

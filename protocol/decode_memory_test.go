package protocol

import (
	"errors"
	"fmt"
	"runtime"
	"strings"
	"testing"

	"github.com/twmb/franz-go/pkg/kmsg"

	"sluice/internal/hostile"
	"sluice/protocol/handlers"
	"sluice/protocol/internal/wire"
)

// decodeAlloc runs the server's decode of body as api at version and
// returns the bytes it allocated (the least of two runs: the runtime
// allocates a little of its own now and then) and its error.
func decodeAlloc(h *Handler, api *handlers.API, version int16, body []byte) (int64, error) {
	least, var0 := int64(-1), error(nil)
	runs := 2
	if raceEnabled {
		runs = 1
	}
	for range runs {
		p := &pending{api: api, body: body, call: handlers.Call{Key: api.Key, Version: version}}
		var before, after runtime.MemStats
		runtime.ReadMemStats(&before)
		err := h.decode(p)
		runtime.ReadMemStats(&after)
		runtime.KeepAlive(p)
		if n := int64(after.TotalAlloc - before.TotalAlloc); least < 0 || n < least {
			least = n
		}
		var0 = err
	}
	return least, var0
}

// TestDecodeMemoryPerServedKey: hostile bodies for every served API at
// every served version (1 MiB), and at the highest served version at 16
// MiB: an array announcing as many elements as bytes are left is refused;
// as many minimal elements as fit, or as many unknown tags as fit, decode
// within the limit (DecodeFactor × body + slack, plus the private copy
// group requests get) or are refused. The allocations measured are logged.
func TestDecodeMemoryPerServedKey(t *testing.T) {
	h := NewHandler(&handlers.Env{APIs: handlers.Table()}, HandlerOptions{IOThreads: 1})
	defer h.Close()
	var report strings.Builder
	for _, a := range handlers.Table() {
		api := a
		for v := api.MinVersion; v <= api.MaxVersion; v++ {
			sizes := []int{1 << 20}
			if raceEnabled { // slow walks, allocations not checked: the refusals only
				sizes = []int{64 << 10}
			}
			if v == api.MaxVersion && !testing.Short() && !raceEnabled { // allocations are not checked under -race
				sizes = append(sizes, 16<<20)
			}
			for _, size := range sizes {
				for _, mode := range []hostile.Mode{hostile.Announce, hostile.MaxCount, hostile.ManyTags} {
					body, ok := hostile.Body(api.Key, v, size, mode)
					if !ok {
						continue
					}
					alloc, err := decodeAlloc(h, &api, v, body)
					limit := wire.DecodeLimit(len(body))
					if api.Group {
						limit += int64(len(body)) + 8<<10 // the private copy
					}
					what := fmt.Sprintf("%s v%d %s %d MiB", api.Name, v, mode, size>>20)
					switch {
					case alloc > limit && !raceEnabled:
						t.Errorf("%s: decoding allocated %d bytes, limit %d", what, alloc, limit)
					case mode == hostile.Announce && err == nil:
						t.Errorf("%s: decoded (%d bytes allocated), want refused", what, alloc)
					case err != nil && !errors.Is(err, errMalformed):
						t.Errorf("%s: %v", what, err)
					}
					if size == 16<<20 {
						res := "decoded"
						if err != nil {
							res = "refused"
							if strings.Contains(err.Error(), wire.ErrTooLarge.Error()) {
								res = "refused (too large)"
							}
						}
						fmt.Fprintf(&report, "%-46s %7.2f MiB allocated  %s\n", what, float64(alloc)/(1<<20), res)
					}
				}
			}
		}
	}
	t.Logf("decode allocations for 16 MiB hostile bodies:\n%s", report.String())
}

// TestEveryServedVersionHasASchema: every served API at every served
// version has a request schema, and a default request walks through it.
func TestEveryServedVersionHasASchema(t *testing.T) {
	for _, api := range handlers.Table() {
		for v := api.MinVersion; v <= api.MaxVersion; v++ {
			req := kmsg.RequestForKey(api.Key)
			req.SetVersion(v)
			if _, err := wire.Decode(api.Key, v, req.AppendTo(nil)); err != nil {
				t.Errorf("%s v%d: %v", api.Name, v, err)
			}
		}
	}
}

package main

import (
	"fmt"
	"io"
	"sync"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kmsg"

	"sluice/cluster"
	"sluice/internal/hostile"
	"sluice/protocol/handlers"
)

// The largest frame a default broker reads (socket.request.max.bytes,
// 100 MiB) less room for the request header.
const maxFrameBody = 100<<20 - 64

// decodeProbe is one hostile frame of the decode probes and what the
// broker must do with it: "closed" (refused), "answered", or "" (either).
type decodeProbe struct {
	name  string
	write func(io.Writer) error
	want  string
}

// streamProbe sends hostile.WriteFrame(key, v, size, mode).
func streamProbe(key, v int16, size int, mode hostile.Mode, want string) decodeProbe {
	return decodeProbe{fmt.Sprintf("key %d v%d %s %d MiB", key, v, mode, size>>20), func(w io.Writer) error {
		_, err := hostile.WriteFrame(w, key, v, 1, size, mode)
		return err
	}, want}
}

// bodyProbe sends body as request key at version v.
func bodyProbe(name string, key, v int16, body []byte, want string) decodeProbe {
	return decodeProbe{name, func(w io.Writer) error {
		_, err := w.Write(hostile.Frame(key, v, 1, body))
		return err
	}, want}
}

// decodeProbes are the probe's frames of size bytes: Metadata v1 whose
// topic array announces as many elements as bytes are left, as many empty
// names as fit, one real name over and over (answered once), distinct
// names (refused: they would decode to ~9 times the frame); JoinGroup,
// CreateTopics and OffsetCommit announcing their bytes as elements, or
// holding as many minimal elements as fit, at a non-flexible and the
// highest version.
func decodeProbes(size int) []decodeProbe {
	return []decodeProbe{
		streamProbe(3, 1, size, hostile.Announce, "closed"),
		streamProbe(3, 1, size, hostile.MaxCount, "answered"),
		bodyProbe(fmt.Sprintf("Metadata v1 one real name %d MiB", size>>20), 3, 1, hostile.RepeatedTopic(size, "healthy"), "answered"),
		bodyProbe(fmt.Sprintf("Metadata v1 distinct names %d MiB", size>>20), 3, 1, hostile.DistinctTopics(size), "closed"),
		streamProbe(11, 0, size, hostile.Announce, "closed"), streamProbe(11, 0, size, hostile.MaxCount, ""),
		streamProbe(11, 9, size, hostile.Announce, "closed"),
		streamProbe(19, 0, size, hostile.Announce, "closed"), streamProbe(19, 0, size, hostile.MaxCount, ""),
		streamProbe(19, 7, size, hostile.Announce, "closed"),
		streamProbe(8, 2, size, hostile.Announce, "closed"), streamProbe(8, 2, size, hostile.MaxCount, ""),
		streamProbe(8, 9, size, hostile.Announce, "closed"),
	}
}

// sendConcurrently sends every probe on each of conns connections at once
// (each connection starting at a different probe) and reports probes the
// broker did not treat as they want.
func sendConcurrently(t *testing.T, addr string, conns int, probes []decodeProbe) {
	t.Helper()
	var wg sync.WaitGroup
	errs := make(chan error, conns*len(probes))
	for i := range conns {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for j := range probes {
				p := probes[(i+j)%len(probes)]
				res, err := sendFrame(addr, p.write)
				switch {
				case err != nil:
					errs <- fmt.Errorf("%s: %v", p.name, err)
				case p.want == "closed" && !res.closed, p.want == "answered" && res.closed:
					errs <- fmt.Errorf("%s: closed=%v, want %s", p.name, res.closed, p.want)
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
}

// TestHostileDecode reproduces the decode-amplification probe against a
// broker process with default settings: hostile bodies of every served
// API at its lowest and highest version (16 MiB each, one at a time), the
// probe's 16 MiB Metadata v1 frames (its topic array announcing as many
// elements as bytes are left; a valid one naming one real topic over and
// over, answered once), then 8 connections at once sending 16 MiB frames
// of Metadata v1, JoinGroup, CreateTopics and OffsetCommit. All the while
// a franz-go producer/consumer completes 1,000 round trips without error,
// and the broker's peak RSS stays under 1 GiB (before the fix one 16 MiB
// Metadata v1 frame took it from 17 MB to 835 MB).
func TestHostileDecode(t *testing.T) {
	if testing.Short() {
		t.Skip("sends ~4 GB of hostile frames")
	}
	bp := startOwnBroker(t)
	pid := bp.cmd.Process.Pid
	rss0, _ := procMem(t, pid)
	start := time.Now()
	healthy := roundTrips(bp.addr, "healthy", 1000, time.Minute)

	var answered, closed int
	for _, api := range handlers.Table() {
		for _, v := range []int16{api.MinVersion, api.MaxVersion} {
			for _, mode := range []hostile.Mode{hostile.Announce, hostile.MaxCount, hostile.ManyTags} {
				if !hostile.Applies(api.Key, v, mode) || (v == api.MinVersion && mode == hostile.ManyTags) {
					continue
				}
				res, err := sendHostile(bp.addr, api.Key, v, 16<<20, mode)
				if err != nil {
					t.Fatalf("%s v%d %s: %v", api.Name, v, mode, err)
				}
				if res.closed {
					closed++
				} else {
					answered++
				}
				if mode == hostile.Announce && !res.closed {
					t.Errorf("%s v%d %s: answered, want the connection closed", api.Name, v, mode)
				}
			}
		}
	}
	t.Logf("16 MiB hostile bodies of every served API: %d refused (connection closed), %d answered", closed, answered)
	res, err := sendHostile(bp.addr, 3, 1, 16<<20, hostile.Announce)
	if err != nil || !res.closed {
		t.Fatalf("16 MiB Metadata v1 announcing its bytes as topics: %+v %v, want closed", res, err)
	}
	checkOneTopic(t, bp.addr, hostile.RepeatedTopic(16<<20, "healthy"))
	_, hwm1 := procMem(t, pid)

	probes := decodeProbes(16 << 20)
	sendConcurrently(t, bp.addr, 8, probes)
	if err := <-healthy; err != nil {
		t.Fatalf("healthy client: %v", err)
	}
	rss, hwm := procMem(t, pid)
	t.Logf("broker RSS: %s at start, peak %s after the 16 MiB bodies one at a time, peak %s after 8 connections x %d x 16 MiB, %s now; %v",
		mibs(rss0), mibs(hwm1), mibs(hwm), len(probes), mibs(rss), time.Since(start).Round(time.Second))
	if hwm >= 1<<30 {
		t.Fatalf("broker peak RSS %s, want < 1 GiB", mibs(hwm))
	}
}

// TestHostileDecode100MiB: 8 connections at once sending 100 MiB frames
// (socket.request.max.bytes, the default) of Metadata v1, JoinGroup,
// CreateTopics and OffsetCommit beside 1,000 healthy round trips; peak RSS
// under 1 GiB (before the fix: past 8 GiB in 14-17 s). Decoding is bounded
// by the walk; the frames themselves are held in check by netio's request
// budget (queued.max.request.bytes), without which 8 frames of 100 MiB are
// buffered at once whatever the decoder does: the test needs it.
func TestHostileDecode100MiB(t *testing.T) {
	if testing.Short() {
		t.Skip("sends ~10 GB of hostile frames")
	}
	if _, ok := cluster.LookupBrokerConfigDef("queued.max.request.bytes"); !ok {
		t.Skip("needs the broker-wide request budget (queued.max.request.bytes) of netio")
	}
	bp := startOwnBroker(t)
	pid := bp.cmd.Process.Pid
	start := time.Now()
	healthy := roundTrips(bp.addr, "healthy", 1000, time.Minute)
	probes := decodeProbes(maxFrameBody)
	sendConcurrently(t, bp.addr, 8, probes)
	if err := <-healthy; err != nil {
		t.Fatalf("healthy client: %v", err)
	}
	rss, hwm := procMem(t, pid)
	t.Logf("broker RSS: peak %s after 8 connections x %d x 100 MiB, %s now; %v",
		mibs(hwm), len(probes), mibs(rss), time.Since(start).Round(time.Second))
	if hwm >= 1<<30 {
		t.Fatalf("broker peak RSS %s, want < 1 GiB", mibs(hwm))
	}
}

// checkOneTopic sends a Metadata v1 body that names one topic many times
// and requires an answer naming it once.
func checkOneTopic(t *testing.T, addr string, body []byte) {
	t.Helper()
	res, err := sendFrame(addr, func(w io.Writer) error { _, err := w.Write(hostile.Frame(3, 1, 1, body)); return err })
	if err != nil || res.closed {
		t.Fatalf("Metadata v1 naming one topic %d bytes long: %+v %v, want an answer", len(body), res, err)
	}
	resp := kmsg.NewPtrMetadataResponse()
	resp.SetVersion(1)
	if err := resp.ReadFrom(res.resp[4:]); err != nil {
		t.Fatal(err)
	}
	if len(resp.Topics) != 1 {
		t.Fatalf("Metadata v1 naming one topic many times: %d topics answered, want 1", len(resp.Topics))
	}
}

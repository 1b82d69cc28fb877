package main

import (
	"fmt"
	"io"
	"sync"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kmsg"

	"sluice/internal/hostile"
	"sluice/protocol/handlers"
)

// The largest frame a default broker reads (socket.request.max.bytes,
// 100 MiB) less room for the request header.
const maxFrameBody = 100<<20 - 64

// TestHostileDecode reproduces the decode-amplification probe against a
// broker process with default settings: hostile bodies for every served
// API at its lowest and highest version (16 MiB each, one at a time), a
// 16 MiB Metadata v1 whose topic array announces as many elements as
// bytes are left, a valid 16 MiB Metadata v1 naming one real topic over
// and over (answered once), then 8 connections at once sending 100 MiB
// frames of Metadata v1, JoinGroup, CreateTopics and OffsetCommit. All the
// while a franz-go producer/consumer completes 1,000 round trips without
// error, and the broker's peak RSS stays under 1 GiB (before the fix: 835
// MB for one 16 MiB frame, past 8 GiB for 8 × 100 MiB).
func TestHostileDecode(t *testing.T) {
	if testing.Short() {
		t.Skip("sends ~10 GB of hostile frames")
	}
	bp := startOwnBroker(t)
	pid := bp.cmd.Process.Pid
	rss0, _ := procMem(t, pid)
	start := time.Now()
	healthy := roundTrips(bp.addr, "healthy", 1000, time.Minute)

	// One at a time: every served API, 16 MiB.
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
	t.Logf("16 MiB hostile bodies: %d refused (connection closed), %d answered", closed, answered)

	// The probe's two Metadata v1 frames.
	res, err := sendHostile(bp.addr, 3, 1, 16<<20, hostile.Announce)
	if err != nil || !res.closed {
		t.Fatalf("16 MiB Metadata v1 announcing its bytes as topics: %+v %v, want closed", res, err)
	}
	checkOneTopic(t, bp.addr, hostile.RepeatedTopic(16<<20, "healthy"))
	_, hwm16 := procMem(t, pid)

	// 8 connections at once, 100 MiB frames.
	repeated := hostile.RepeatedTopic(maxFrameBody, "healthy")
	distinct := hostile.DistinctTopics(maxFrameBody)
	type probe struct {
		name  string
		write func(io.Writer) error
		want  string // "closed", "answered" or "" (either)
	}
	mk := func(key, v int16, mode hostile.Mode, want string) probe {
		return probe{fmt.Sprintf("key %d v%d %s", key, v, mode), func(w io.Writer) error {
			_, err := hostile.WriteFrame(w, key, v, 1, maxFrameBody, mode)
			return err
		}, want}
	}
	raw := func(name string, key, v int16, body []byte, want string) probe {
		return probe{name, func(w io.Writer) error {
			_, err := w.Write(hostile.Frame(key, v, 1, body))
			return err
		}, want}
	}
	probes := []probe{
		mk(3, 1, hostile.Announce, "closed"), mk(3, 1, hostile.MaxCount, "answered"),
		raw("Metadata v1 repeated real name", 3, 1, repeated, "answered"),
		raw("Metadata v1 distinct names", 3, 1, distinct, "closed"),
		mk(11, 0, hostile.Announce, "closed"), mk(11, 0, hostile.MaxCount, ""), mk(11, 9, hostile.Announce, "closed"),
		mk(19, 0, hostile.Announce, "closed"), mk(19, 0, hostile.MaxCount, ""), mk(19, 7, hostile.Announce, "closed"),
		mk(8, 2, hostile.Announce, "closed"), mk(8, 2, hostile.MaxCount, ""), mk(8, 9, hostile.Announce, "closed"),
	}
	var wg sync.WaitGroup
	errs := make(chan error, 8*len(probes))
	for i := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for j := range probes {
				p := probes[(i+j)%len(probes)]
				res, err := sendFrame(bp.addr, p.write)
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
	if err := <-healthy; err != nil {
		t.Fatalf("healthy client: %v", err)
	}
	rss, hwm := procMem(t, pid)
	t.Logf("broker RSS: %s at start, peak %s after the 16 MiB probes, peak %s after 8 x %d x 100 MiB, %s now; %v",
		mibs(rss0), mibs(hwm16), mibs(hwm), len(probes), mibs(rss), time.Since(start).Round(time.Second))
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

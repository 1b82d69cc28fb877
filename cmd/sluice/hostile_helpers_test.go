package main

// Helpers of the hostile-client suite (hostile_*_test.go): each probe
// starts a broker process of its own with default settings, so that the
// memory it measures (VmHWM, VmRSS from /proc) is the probe's alone, runs
// healthy franz-go traffic next to the hostile clients, and asserts bounds
// with generous margins. Request builders live in sluice/internal/hostile.

import (
	"bufio"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kgo"

	"sluice/internal/hostile"
)

// startOwnBroker starts a broker of its own (default settings plus
// overrides; the metrics listener on a free port) in a temporary dir,
// stopped when the test ends.
func startOwnBroker(t *testing.T, overrides ...string) *brokerProc {
	t.Helper()
	needBinary(t)
	if os.Getenv("SLUICE_TEST_BROKERS") != "" {
		t.Skip("hostile probes start their own broker")
	}
	overrides = append([]string{fmt.Sprintf("sluice.metrics.listener=127.0.0.1:%d", freePort())}, overrides...)
	bp, err := startBroker(t.TempDir(), overrides...)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(bp.stop)
	return bp
}

// procMem returns a process's resident set and its peak (VmRSS, VmHWM),
// in bytes.
func procMem(t *testing.T, pid int) (rss, hwm int64) {
	t.Helper()
	f, err := os.Open(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		fields := strings.Fields(sc.Text())
		if len(fields) < 2 {
			continue
		}
		kb, _ := strconv.ParseInt(fields[1], 10, 64)
		switch fields[0] {
		case "VmRSS:":
			rss = kb << 10
		case "VmHWM:":
			hwm = kb << 10
		}
	}
	return rss, hwm
}

func mibs(n int64) string { return fmt.Sprintf("%.0f MiB", float64(n)/(1<<20)) }

// roundTrips produces n records to topic one at a time with a franz-go
// client and reads each back with a consumer before the next: a healthy
// client next to hostile ones. The result arrives on the channel (nil:
// every round trip completed; each may take up to perTrip).
func roundTrips(addr, topic string, n int, perTrip time.Duration) <-chan error {
	done := make(chan error, 1)
	go func() {
		done <- func() error {
			prod, err := kgo.NewClient(kgo.SeedBrokers(addr), kgo.DefaultProduceTopic(topic), kgo.AllowAutoTopicCreation())
			if err != nil {
				return err
			}
			defer prod.Close()
			cons, err := kgo.NewClient(kgo.SeedBrokers(addr), kgo.ConsumeTopics(topic),
				kgo.ConsumeResetOffset(kgo.NewOffset().AtStart()), kgo.FetchMaxWait(100*time.Millisecond))
			if err != nil {
				return err
			}
			defer cons.Close()
			for i := range n {
				ctx, cancel := context.WithTimeout(context.Background(), perTrip)
				want := strconv.Itoa(i)
				err := prod.ProduceSync(ctx, &kgo.Record{Value: []byte(want)}).FirstErr()
				for seen := false; err == nil && !seen; {
					fs := cons.PollFetches(ctx)
					if err = ctx.Err(); err == nil {
						err = fs.Err0()
					}
					fs.EachRecord(func(r *kgo.Record) { seen = seen || string(r.Value) == want })
				}
				cancel()
				if err != nil {
					return fmt.Errorf("round trip %d: %w", i, err)
				}
			}
			return nil
		}()
	}()
	return done
}

// hostileResult is what the broker did with a hostile frame.
type hostileResult struct {
	closed bool   // closed the connection without answering
	resp   []byte // else the first response frame (after the size)
}

// sendFrame dials addr, writes one request frame built by write, and
// waits (up to 2 minutes) for the broker to answer or close.
func sendFrame(addr string, write func(io.Writer) error) (hostileResult, error) {
	c, err := net.Dial("tcp", addr)
	if err != nil {
		return hostileResult{}, err
	}
	defer c.Close()
	_ = c.SetDeadline(time.Now().Add(2 * time.Minute))
	werr := write(c)
	var size [4]byte
	if _, err := io.ReadFull(c, size[:]); err != nil {
		if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) || isReset(err) {
			return hostileResult{closed: true}, nil
		}
		if werr != nil && !isReset(werr) {
			return hostileResult{}, werr
		}
		return hostileResult{}, err
	}
	resp := make([]byte, binary.BigEndian.Uint32(size[:]))
	if _, err := io.ReadFull(c, resp); err != nil {
		return hostileResult{}, err
	}
	return hostileResult{resp: resp}, nil
}

func isReset(err error) bool {
	return err != nil && (strings.Contains(err.Error(), "connection reset") || strings.Contains(err.Error(), "broken pipe"))
}

// sendHostile sends one hostile frame (hostile.WriteFrame) of key at
// version, size bytes of body, in mode (which must apply).
func sendHostile(addr string, key, version int16, size int, mode hostile.Mode) (hostileResult, error) {
	return sendFrame(addr, func(w io.Writer) error {
		_, err := hostile.WriteFrame(w, key, version, 1, size, mode)
		return err
	})
}

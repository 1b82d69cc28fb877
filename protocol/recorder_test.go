package protocol

import (
	"context"
	"maps"
	"sync"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kgo"

	"sluice/cluster"
)

type countingRecorder struct {
	mu                         sync.Mutex
	requests                   map[int16]int
	errs                       map[[2]int16]int // {api, code} -> count
	flushes                    int
	bytesIn, msgsIn, bytesOut  int
	opened, closed, fetchWaits int
}

func (r *countingRecorder) ObserveRequest(key, _ int16, _ int, _ time.Duration, _ int16) {
	r.mu.Lock()
	r.requests[key]++
	r.mu.Unlock()
}
func (r *countingRecorder) RequestErrors(key, code int16, n int) {
	r.mu.Lock()
	if r.errs == nil {
		r.errs = map[[2]int16]int{}
	}
	r.errs[[2]int16{key, code}] += n
	r.mu.Unlock()
}
func (r *countingRecorder) LogFlush(time.Duration)  { r.mu.Lock(); r.flushes++; r.mu.Unlock() }
func (r *countingRecorder) BytesIn(_ string, n int) { r.mu.Lock(); r.bytesIn += n; r.mu.Unlock() }
func (r *countingRecorder) MessagesIn(_ string, n int) {
	r.mu.Lock()
	r.msgsIn += n
	r.mu.Unlock()
}
func (r *countingRecorder) BytesOut(_ string, n int) { r.mu.Lock(); r.bytesOut += n; r.mu.Unlock() }
func (r *countingRecorder) ConnOpened()              { r.mu.Lock(); r.opened++; r.mu.Unlock() }
func (r *countingRecorder) ConnClosed()              { r.mu.Lock(); r.closed++; r.mu.Unlock() }
func (r *countingRecorder) FetchWait(time.Duration, bool) {
	r.mu.Lock()
	r.fetchWaits++
	r.mu.Unlock()
}

func TestRecorderSeesTraffic(t *testing.T) {
	props := map[string]string{"listeners": "PLAINTEXT://127.0.0.1:0", "log.dirs": t.TempDir()}
	cfg, _, err := cluster.ParseBrokerConfig(maps.Clone(props))
	if err != nil {
		t.Fatal(err)
	}
	rec := &countingRecorder{requests: map[int16]int{}}
	b, err := startTestBrokerWith(testBrokerOptions{Config: cfg, Recorder: rec})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { closeBroker(t, b) })
	createTopic(t, b, "rec", 1, nil)
	cl := newKgo(t, b, kgo.DefaultProduceTopic("rec"), kgo.ProducerBatchCompression(kgo.NoCompression()))
	for range 20 {
		cl.Produce(context.Background(), &kgo.Record{Value: make([]byte, 50)}, nil)
	}
	if err := cl.Flush(context.Background()); err != nil {
		t.Fatal(err)
	}
	cons := newKgo(t, b, kgo.ConsumeTopics("rec"), kgo.ConsumeResetOffset(kgo.NewOffset().AtStart()), kgo.FetchMaxWait(200*time.Millisecond))
	consumeN(t, cons, 20)
	ctx, cancel := context.WithTimeout(context.Background(), 600*time.Millisecond)
	cons.PollFetches(ctx) // parks at the end of the log until max wait
	cancel()
	rec.mu.Lock()
	defer rec.mu.Unlock()
	if rec.msgsIn != 20 || rec.bytesIn < 20*50 || rec.bytesOut < 20*50 || rec.requests[0] == 0 || rec.requests[1] == 0 ||
		rec.requests[18] == 0 || rec.opened == 0 || rec.fetchWaits == 0 {
		t.Fatalf("recorder saw %+v", rec)
	}
}

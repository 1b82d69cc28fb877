package quota

import (
	"testing"
	"time"
)

func TestUnlimitedNeverExceeded(t *testing.T) {
	b := New(Unlimited)
	now := time.Unix(1000, 0)
	for i := 0; i < 10; i++ {
		b.Record(now, 1<<40)
		if b.Exceeded(now) {
			t.Fatal("unlimited bucket exceeded")
		}
	}
	if got := b.Total(); got != 10<<40 {
		t.Fatalf("total %d", got)
	}
}

func TestBucketHoldsRate(t *testing.T) {
	const rate = 1 << 20
	b := New(rate)
	now := time.Unix(1000, 0)
	if b.Exceeded(now) {
		t.Fatal("a full bucket is exceeded")
	}
	// One second's worth passes, then the first byte past it puts the
	// bucket in debt.
	b.Record(now, rate)
	if b.Exceeded(now) {
		t.Fatal("exceeded at exactly a full bucket")
	}
	b.Record(now, 1)
	if !b.Exceeded(now) {
		t.Fatal("not exceeded in debt")
	}
	now = now.Add(time.Millisecond)
	if b.Exceeded(now) {
		t.Fatal("still exceeded once the debt is paid")
	}

	// A sender that sends 256 KiB whenever it may, polled every 10 ms for
	// 20 s of fake time, sends about rate*20 s plus one bucket.
	b = New(rate)
	start := time.Unix(2000, 0)
	now = start
	var sent int64
	for now.Sub(start) < 20*time.Second {
		if !b.Exceeded(now) {
			b.Record(now, 256<<10)
			sent += 256 << 10
		}
		now = now.Add(10 * time.Millisecond)
	}
	want := int64(rate*20 + rate)
	if sent < want-(512<<10) || sent > want+(512<<10) {
		t.Fatalf("sent %d bytes in 20 s at %d B/s, want about %d", sent, rate, want)
	}
}

func TestBucketOvershootIsPaidBack(t *testing.T) {
	b := New(1000)
	now := time.Unix(0, 0)
	b.Record(now, 5000) // one response far past the bound
	for _, d := range []time.Duration{time.Second, 3 * time.Second, 4*time.Second - time.Millisecond} {
		if !b.Exceeded(now.Add(d)) {
			t.Fatalf("not exceeded after %v with 4000 B of debt at 1000 B/s", d)
		}
	}
	if b.Exceeded(now.Add(4 * time.Second)) {
		t.Fatal("exceeded after the debt is paid")
	}
}

func TestDebtIsCapped(t *testing.T) {
	b := New(1000)
	now := time.Unix(0, 0)
	b.Record(now, 1_000_000) // a burst of in-sync traffic: 1000 s worth
	if !b.Exceeded(now.Add(MaxDebt - time.Millisecond)) {
		t.Fatal("debt paid before MaxDebt")
	}
	if b.Exceeded(now.Add(MaxDebt)) {
		t.Fatalf("still exceeded after MaxDebt (%v)", MaxDebt)
	}
}

func TestSetRate(t *testing.T) {
	now := time.Unix(0, 0)
	b := New(Unlimited)
	b.Record(now, 1<<30)
	b.SetRate(now, 1000) // from unlimited: starts full
	if b.Exceeded(now) {
		t.Fatal("exceeded right after a bound was set")
	}
	b.Record(now, 3000)
	b.SetRate(now, 100) // debt is kept: 2000 B, capped to MaxDebt at 100 B/s
	if !b.Exceeded(now.Add(9 * time.Second)) {
		t.Fatal("debt forgiven by a lower bound")
	}
	if b.Exceeded(now.Add(20 * time.Second)) {
		t.Fatal("exceeded after the debt is paid at the new bound")
	}
	b.SetRate(now.Add(20*time.Second), Unlimited)
	b.Record(now.Add(20*time.Second), 1<<30)
	if b.Exceeded(now.Add(20 * time.Second)) {
		t.Fatal("unlimited again but exceeded")
	}
	// A time going backwards does not add tokens.
	b = New(1000)
	b.Record(now, 2000)
	if !b.Exceeded(now.Add(-time.Hour)) {
		t.Fatal("clock step back paid the debt")
	}
	if !b.Exceeded(now.Add(500 * time.Millisecond)) {
		t.Fatal("clock step back earned tokens")
	}
}

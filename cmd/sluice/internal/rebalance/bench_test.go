package rebalance

import (
	"fmt"
	"testing"
)

// BenchmarkAddTwoBrokers plans 5,000 partitions (RF 3) of ten topics on 12
// brokers after two more joined.
func BenchmarkAddTwoBrokers(b *testing.B) {
	var parts []Partition
	for t := 0; t < 10; t++ {
		parts = append(parts, kafkaLayout(fmt.Sprintf("t%d", t), t*500, 500, 3, 12)...)
	}
	var ids []int32
	for i := int32(0); i < 14; i++ {
		ids = append(ids, i)
	}
	live := brokers(ids...)
	b.ReportAllocs()
	var r Result
	for b.Loop() {
		var err error
		if r, err = Generate(live, parts, Options{}); err != nil || r.Added == 0 {
			b.Fatal(r.Added, err)
		}
	}
	// The minimum is the two new brokers' share, 2 * 15000/14 = 2142.
	b.ReportMetric(float64(r.Added), "moves")
	b.ReportMetric(float64(len(r.Plan.Partitions)), "partitions-changed")
}

package zkdata

import (
	"math/bits"
	"sort"
	"unicode/utf16"
)

// Kafka writes its znode JSON with Jackson from Scala and Java maps, so the
// order of an object's fields is the iteration order of the map it was
// built from. That order is deterministic (it depends only on the keys'
// String.hashCode and on how the map was built), so we reproduce it and
// our bytes match a Kafka 3.9 broker's (Scala 2.13 build) byte for byte.
// Three map kinds occur:
//
//   - scala.collection.immutable.Map with up to 4 entries (Map1..Map4):
//     insertion order (orderInsertion);
//   - scala.collection.immutable.HashMap (5 or more entries), a CHAMP trie:
//     orderScalaImmutable;
//   - scala.collection.mutable.HashMap: orderScalaMutable;
//   - java.util.Properties (topic and broker configs), backed by a
//     java.util.concurrent.ConcurrentHashMap: orderJavaProperties.
//
// Observed Kafka 3.x output these functions reproduce (see order_test.go):
// {"partitions":{...},"topic_id":"..","adding_replicas":{},"removing_replicas":{},"version":3}
// {"controller_epoch":1,"leader":2,"version":1,"leader_epoch":0,"isr":[2,3,1]}
// and a 12-partition assignment listing "11" first, then "0".."10".

// javaStringHash is java.lang.String.hashCode: s[0]*31^(n-1) + ... over
// UTF-16 code units, in int32 arithmetic.
func javaStringHash(s string) int32 {
	var h int32
	for _, c := range utf16.Encode([]rune(s)) {
		h = 31*h + int32(c)
	}
	return h
}

// orderInsertion is the order of Map1..Map4 and of Jackson bean
// properties: as written.
func orderInsertion(keys []string) []string { return keys }

// scalaTableSizeFor is mutable.HashMap.tableSizeFor.
func scalaTableSizeFor(capacity int) int {
	c := capacity - 1
	if c < 4 {
		c = 4
	}
	return (1 << (bits.Len(uint(c)) - 1)) * 2 // Integer.highestOneBit(c) * 2
}

// scalaMutableInitialTable is the table size of mutable.HashMap.from(k
// elements) (what `mutable.Map(a -> x, b -> y)` builds); k == 0 gives the
// default capacity of `mutable.Map()`.
func scalaMutableInitialTable(k int) int {
	if k <= 0 {
		return 16
	}
	return scalaTableSizeFor(int(float64(k+1) / 0.75))
}

// orderScalaMutable returns the iteration order of a Scala 2.13
// mutable.HashMap whose table started with initialTable buckets and into
// which keys were put in the given order. The table doubles when the
// (n+1)th put finds n+1 >= 0.75*size; the hash is String.hashCode with the
// high half xored into the low half; a bucket keeps its nodes sorted by
// hash (equal hashes in insertion order); iteration walks buckets upward.
func orderScalaMutable(initialTable int, keys []string) []string {
	size := initialTable
	for n := 1; n <= len(keys); n++ {
		if n >= int(float64(size)*0.75) {
			size *= 2
		}
	}
	type entry struct {
		key  string
		hash int32
		seq  int
	}
	es := make([]entry, len(keys))
	for i, k := range keys {
		h := javaStringHash(k)
		es[i] = entry{k, h ^ int32(uint32(h)>>16), i}
	}
	mask := int32(size - 1)
	sort.SliceStable(es, func(i, j int) bool {
		bi, bj := es[i].hash&mask, es[j].hash&mask
		if bi != bj {
			return bi < bj
		}
		return es[i].hash < es[j].hash
	})
	out := make([]string, len(es))
	for i, e := range es {
		out[i] = e.key
	}
	return out
}

// scalaImprove is scala.collection.Hashing.improve, the hash spreader of
// the 2.13 immutable HashMap.
func scalaImprove(hcode int32) int32 {
	h := hcode + ^(hcode << 9)
	h ^= int32(uint32(h) >> 14)
	h += h << 4
	return h ^ int32(uint32(h)>>10)
}

// orderScalaImmutable returns the iteration order of a Scala 2.13
// immutable.Map built from keys: insertion order up to 4 entries (Map1..
// Map4), else the CHAMP trie order of immutable.HashMap: at each level
// the keys alone in their 5-bit slot come first, by slot, then the
// sub-tries of shared slots, by slot; a full 32-bit hash collision keeps
// insertion order.
func orderScalaImmutable(keys []string) []string {
	if len(keys) <= 4 {
		return orderInsertion(keys)
	}
	hashes := make(map[string]uint32, len(keys))
	for _, k := range keys {
		hashes[k] = uint32(scalaImprove(javaStringHash(k)))
	}
	var walk func(ks []string, shift uint) []string
	walk = func(ks []string, shift uint) []string {
		if shift >= 32 || len(ks) <= 1 {
			return ks
		}
		slots := make(map[uint32][]string)
		for _, k := range ks {
			s := hashes[k] >> shift & 31
			slots[s] = append(slots[s], k)
		}
		var data, nodes []uint32
		for s, group := range slots {
			if len(group) == 1 {
				data = append(data, s)
			} else {
				nodes = append(nodes, s)
			}
		}
		sort.Slice(data, func(i, j int) bool { return data[i] < data[j] })
		sort.Slice(nodes, func(i, j int) bool { return nodes[i] < nodes[j] })
		out := make([]string, 0, len(ks))
		for _, s := range data {
			out = append(out, slots[s][0])
		}
		for _, s := range nodes {
			out = append(out, walk(slots[s], shift+5)...)
		}
		return out
	}
	return walk(keys, 0)
}

// orderJavaProperties returns the iteration order of a java.util.Properties
// (Java 9+: a ConcurrentHashMap created with capacity 8, so 16 bins) into
// which keys were put in the given order: bins upward, a bin's nodes in
// insertion order; once the count reaches 3/4 of the bins the table
// doubles, each bin splitting the way ConcurrentHashMap.transfer does (the
// longest tail that goes to one side keeps its order, the nodes before it
// are prepended, so they come out reversed). Bins are never treeified
// here (that needs 8 colliding keys).
func orderJavaProperties(keys []string) []string {
	type node struct {
		key  string
		hash uint32
	}
	n := 16
	bins := make([][]node, n)
	count := 0
	for _, k := range keys {
		h := uint32(javaStringHash(k))
		h = (h ^ h>>16) & 0x7fffffff
		i := int(h) & (n - 1)
		dup := false
		for _, x := range bins[i] {
			if x.key == k {
				dup = true
			}
		}
		if dup {
			continue
		}
		bins[i] = append(bins[i], node{k, h})
		count++
		if count >= n-n>>2 {
			next := make([][]node, 2*n)
			for i, bin := range bins {
				if len(bin) == 0 {
					continue
				}
				// lastRun: start of the longest tail on one side.
				runBit := bin[0].hash & uint32(n)
				lastRun := 0
				for j := 1; j < len(bin); j++ {
					if b := bin[j].hash & uint32(n); b != runBit {
						runBit, lastRun = b, j
					}
				}
				var lo, hi []node
				if runBit == 0 {
					lo = append(lo, bin[lastRun:]...)
				} else {
					hi = append(hi, bin[lastRun:]...)
				}
				for j := 0; j < lastRun; j++ {
					if bin[j].hash&uint32(n) == 0 {
						lo = append([]node{bin[j]}, lo...)
					} else {
						hi = append([]node{bin[j]}, hi...)
					}
				}
				next[i], next[i+n] = lo, hi
			}
			bins, n = next, 2*n
		}
	}
	out := make([]string, 0, count)
	for _, bin := range bins {
		for _, x := range bin {
			out = append(out, x.key)
		}
	}
	return out
}

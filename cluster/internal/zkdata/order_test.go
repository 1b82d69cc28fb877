package zkdata

import (
	"reflect"
	"testing"
)

func TestJavaStringHash(t *testing.T) {
	for s, want := range map[string]int32{"": 0, "a": 97, "11": 1568, "version": 351608024, "héllo": 103094734} {
		if got := javaStringHash(s); got != want {
			t.Errorf("%q: %d, want %d", s, got, want)
		}
	}
}

func TestScalaTableSizes(t *testing.T) {
	for k, want := range map[int]int{0: 16, 3: 8, 4: 8, 6: 16, 11: 16, 12: 32} {
		if got := scalaMutableInitialTable(k); got != want {
			t.Errorf("from(%d): table %d, want %d", k, got, want)
		}
	}
}

func TestOrderScalaImmutableSmallKeepsInsertion(t *testing.T) {
	keys := []string{"z", "a", "m", "b"}
	if got := orderScalaImmutable(keys); !reflect.DeepEqual(got, keys) {
		t.Fatal(got)
	}
}

// The immutable trie order is a permutation, whatever the keys.
func TestOrderIsPermutation(t *testing.T) {
	keys := []string{}
	for i := 0; i < 300; i++ {
		keys = append(keys, string(rune('a'+i%26))+string(rune('a'+i/26)))
	}
	for name, f := range map[string]func([]string) []string{
		"immutable":  orderScalaImmutable,
		"mutable":    func(k []string) []string { return orderScalaMutable(16, k) },
		"properties": orderJavaProperties,
	} {
		got := f(keys)
		seen := map[string]bool{}
		for _, k := range got {
			seen[k] = true
		}
		if len(got) != len(keys) || len(seen) != len(keys) {
			t.Errorf("%s: not a permutation (%d of %d)", name, len(seen), len(keys))
		}
	}
}

// ConcurrentHashMap with 16 bins: keys whose spread hashes share a bin stay
// in insertion order; after growing past 12 entries the bins split.
func TestOrderJavaProperties(t *testing.T) {
	// "Aa" and "BB" have the same String.hashCode, so share a bin.
	if got := orderJavaProperties([]string{"BB", "Aa"}); !reflect.DeepEqual(got, []string{"BB", "Aa"}) {
		t.Errorf("collision order: %v", got)
	}
	// Single-character keys: hash = code point, bins by the low 4 bits.
	got := orderJavaProperties([]string{"c", "b", "a"})
	if !reflect.DeepEqual(got, []string{"a", "b", "c"}) {
		t.Errorf("%v", got)
	}
	// 13 one-letter keys force a resize to 32 bins: "a".."m" = 97..109,
	// bins 97&31=1 .. 109&31=13, in order.
	keys := []string{"m", "l", "k", "j", "i", "h", "g", "f", "e", "d", "c", "b", "a"}
	want := []string{"a", "b", "c", "d", "e", "f", "g", "h", "i", "j", "k", "l", "m"}
	if got := orderJavaProperties(keys); !reflect.DeepEqual(got, want) {
		t.Errorf("%v", got)
	}
}

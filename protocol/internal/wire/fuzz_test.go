package wire

import (
	"math/rand/v2"
	"slices"
	"testing"
)

// FuzzWalk: for any body of any request key and version, the walk
// (Check) never panics, accepts exactly what kmsg decodes, and Decode
// (which also deduplicates Metadata) agrees with it. The first two input
// bytes pick the key and the version.
func FuzzWalk(f *testing.F) {
	keys := make([]int16, 0, len(requestFields))
	for k := range requestFields {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	r := rand.New(rand.NewPCG(7, 8))
	for i, key := range keys {
		for v := range int16(len(schemas[key])) {
			_, body := randomRequest(r, key, v)
			f.Add(append([]byte{byte(i), byte(v)}, body...))
		}
	}
	f.Fuzz(func(t *testing.T, in []byte) {
		if len(in) < 2 {
			return
		}
		key := keys[int(in[0])%len(keys)]
		v := int16(int(in[1]) % len(schemas[key]))
		body := in[2:]
		_, err := Check(key, v, body, DecodeLimit(len(body)))
		if _, derr := Decode(key, v, body); (derr == nil) != (err == nil) && err != ErrTooLarge && derr != ErrTooLarge {
			t.Fatalf("key %d v%d: Check %v, Decode %v", key, v, err, derr)
		}
		if err == ErrTooLarge {
			return
		}
		compareWithKmsg(t, key, v, body)
	})
}

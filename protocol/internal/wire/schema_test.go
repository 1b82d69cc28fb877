package wire

import (
	"math/rand/v2"
	"reflect"
	"runtime"
	"testing"

	"github.com/twmb/franz-go/pkg/kmsg"
)

// fill sets every field of v (a kmsg struct) to random values: arrays get
// 0-3 elements, pointers and byte slices are sometimes nil, structs carry
// unknown tags now and then (tags 100+, which no request knows).
func fill(r *rand.Rand, v reflect.Value, depth int) {
	for i := range v.NumField() {
		fv := v.Field(i)
		name := v.Type().Field(i).Name
		switch {
		case name == "Version":
			continue
		case fv.Type() == tagsType:
			if r.IntN(4) == 0 {
				tg := fv.Addr().Interface().(*kmsg.Tags)
				for range 1 + r.IntN(2) {
					tg.Set(uint32(100+r.IntN(1000)), randBytes(r, r.IntN(6)))
				}
			}
			continue
		}
		fillValue(r, fv, depth)
	}
}

func fillValue(r *rand.Rand, fv reflect.Value, depth int) {
	switch fv.Kind() {
	case reflect.Bool:
		fv.SetBool(r.IntN(2) == 0)
	case reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		fv.SetInt(int64(r.Uint64()))
	case reflect.Array:
		for j := range fv.Len() {
			fv.Index(j).SetUint(uint64(r.UintN(256)))
		}
	case reflect.String:
		fv.SetString(randString(r))
	case reflect.Pointer:
		if r.IntN(4) > 0 {
			s := randString(r)
			fv.Set(reflect.ValueOf(&s))
		}
	case reflect.Slice:
		if fv.Type().Elem().Kind() == reflect.Uint8 {
			if r.IntN(4) > 0 {
				fv.SetBytes(randBytes(r, r.IntN(40)))
			}
			return
		}
		if depth > 4 || r.IntN(5) == 0 {
			return // nil
		}
		n := r.IntN(4)
		s := reflect.MakeSlice(fv.Type(), n, n)
		for j := range n {
			if e := s.Index(j); e.Kind() == reflect.Struct {
				fill(r, e, depth+1)
			} else {
				fillValue(r, e, depth+1)
			}
		}
		fv.Set(s)
	case reflect.Struct:
		fill(r, fv, depth+1)
	}
}

func randBytes(r *rand.Rand, n int) []byte {
	b := make([]byte, n)
	for i := range b {
		b[i] = byte(r.Uint32())
	}
	return b
}

func randString(r *rand.Rand) string {
	n := r.IntN(12)
	if r.IntN(8) == 0 {
		n = 20 + r.IntN(300)
	}
	return string(randBytes(r, n))
}

// randomRequest returns a random request of key at version v, encoded.
func randomRequest(r *rand.Rand, key, v int16) (kmsg.Request, []byte) {
	req := kmsg.RequestForKey(key)
	fill(r, reflect.ValueOf(req).Elem(), 0)
	req.SetVersion(v)
	return req, req.AppendTo(nil)
}

func keysAndVersions(f func(key, v int16)) {
	for key := range requestFields {
		for v := range int16(len(schemas[key])) {
			f(key, v)
		}
	}
}

// TestSchemasNameEveryKmsgField: every field of every kmsg request struct
// (but Version and UnknownTags) is in its schema, so none is skipped.
func TestSchemasNameEveryKmsgField(t *testing.T) {
	var check func(path string, t0 reflect.Type, fields []fs)
	check = func(path string, t0 reflect.Type, fields []fs) {
		byName := map[string]fs{}
		for _, x := range fields {
			byName[x.name] = x
		}
		for i := range t0.NumField() {
			sf := t0.Field(i)
			if sf.Name == "Version" || sf.Name == "UnknownTags" {
				continue
			}
			x, ok := byName[sf.Name]
			if !ok {
				t.Errorf("%s.%s missing from the schema", path, sf.Name)
				continue
			}
			et := sf.Type
			if et.Kind() == reflect.Slice {
				et = et.Elem()
			}
			if et.Kind() == reflect.Struct && et.Name() != "" && et.Kind() != reflect.Array {
				check(path+"."+sf.Name, et, x.elem)
			}
		}
		if len(byName) > t0.NumField() {
			t.Errorf("%s: schema names fields kmsg lacks", path)
		}
	}
	for key, fields := range requestFields {
		check(reflect.TypeOf(kmsg.RequestForKey(key)).Elem().Name(), reflect.TypeOf(kmsg.RequestForKey(key)).Elem(), fields)
	}
}

// TestWalkFollowsKmsgEncoding: random requests of every key at every
// version kmsg knows, with unknown tags at every level, are walked to
// their last byte; every truncation is refused; and the walk's estimate is
// at least what kmsg's decode allocates.
func TestWalkFollowsKmsgEncoding(t *testing.T) {
	r := rand.New(rand.NewPCG(9, 10))
	keysAndVersions(func(key, v int16) {
		for iter := range 40 {
			_, body := randomRequest(r, key, v)
			s, _ := lookup(key, v)
			w := walker{limit: 1 << 62}
			rest, err := w.walk(body, s.nodes)
			if err != nil || len(rest) != 0 {
				t.Fatalf("key %d v%d: kmsg's encoding (%d bytes) walked with %v, %d bytes left", key, v, len(body), err, len(rest))
			}
			for cut := range len(body) {
				if _, err := Check(key, v, body[:cut], 1<<62); err == nil {
					t.Fatalf("key %d v%d: body cut to %d of %d bytes accepted", key, v, cut, len(body))
				}
			}
			if iter%4 == 0 && !raceEnabled {
				est, _ := Check(key, v, body, 1<<62)
				if got := measureDecode(t, key, v, body); got > est {
					t.Fatalf("key %d v%d: kmsg allocated %d bytes, estimate %d", key, v, got, est)
				}
			}
		}
	})
}

// measureDecode is the bytes kmsg allocates to decode body (the least of
// three runs: the runtime allocates a few bytes of its own now and then).
func measureDecode(t *testing.T, key, v int16, body []byte) int64 {
	t.Helper()
	least := int64(-1)
	for range 3 {
		var before, after runtime.MemStats
		runtime.ReadMemStats(&before)
		req := kmsg.RequestForKey(key)
		req.SetVersion(v)
		err := req.ReadFrom(body)
		runtime.ReadMemStats(&after)
		if err != nil {
			t.Fatalf("key %d v%d: kmsg: %v", key, v, err)
		}
		runtime.KeepAlive(req)
		if n := int64(after.TotalAlloc - before.TotalAlloc); least < 0 || n < least {
			least = n
		}
	}
	return least
}

// kmsgAccepts reports whether kmsg decodes body, or skip when a flexible
// body could announce a tag count kmsg would loop over for seconds.
func kmsgAccepts(key, v int16, body []byte) (ok, skip bool) {
	req := kmsg.RequestForKey(key)
	req.SetVersion(v)
	if req.IsFlexible() {
		for i := 0; i+2 < len(body); i++ {
			if body[i]&body[i+1]&body[i+2]&0x80 != 0 {
				return false, true
			}
		}
	}
	return req.ReadFrom(body) == nil, false
}

// mutate returns a copy of b with a few random edits: byte flips, bytes
// set to interesting values, cuts and insertions.
func mutate(r *rand.Rand, b []byte) []byte {
	b = append([]byte(nil), b...)
	for range 1 + r.IntN(3) {
		if len(b) == 0 {
			b = append(b, byte(r.Uint32()))
			continue
		}
		i := r.IntN(len(b))
		switch r.IntN(8) {
		case 0:
			b[i] ^= byte(1 << r.IntN(8))
		case 1:
			b[i] = []byte{0, 1, 2, 0x7f, 0x80, 0xff}[r.IntN(6)]
		case 2:
			b = b[:i]
		case 3:
			b = append(b[:i], append([]byte{byte(r.Uint32())}, b[i:]...)...)
		case 4:
			b = append(b[:i], b[i+1:]...)
		case 5:
			b[i] = byte(r.Uint32())
		case 6: // a small negative int16 or int32 (null and invalid lengths)
			neg := []byte{0xff, 0xff, 0xff, byte(0xfc + r.IntN(4))}
			if r.IntN(2) == 0 {
				neg = neg[2:]
			}
			copy(b[i:], neg)
		case 7: // a zero uvarint (null compact length)
			b[i] = 0
		}
	}
	return b
}

// TestWalkAcceptsExactlyWhatKmsgDecodes: mutated encodings of every key
// and version are accepted by the walk exactly when kmsg decodes them.
func TestWalkAcceptsExactlyWhatKmsgDecodes(t *testing.T) {
	r := rand.New(rand.NewPCG(11, 12))
	keysAndVersions(func(key, v int16) {
		for range 300 {
			_, body := randomRequest(r, key, v)
			m := mutate(r, body)
			compareWithKmsg(t, key, v, m)
		}
	})
}

func compareWithKmsg(t *testing.T, key, v int16, body []byte) {
	t.Helper()
	ok, skip := kmsgAccepts(key, v, body)
	if skip {
		return
	}
	_, err := Check(key, v, body, 1<<62)
	if (err == nil) != ok {
		t.Fatalf("key %d v%d: walk says %v, kmsg accepts=%v, body %x", key, v, err, ok, trim(body))
	}
}

func trim(b []byte) string {
	if len(b) > 200 {
		return string(b[:200]) + "..."
	}
	return string(b)
}

// TestUvarint32: kmsg's limits — at most five bytes, the fifth at most
// 0x0f, non-minimal encodings accepted.
func TestUvarint32(t *testing.T) {
	for _, c := range []struct {
		in []byte
		v  uint32
		n  int
	}{
		{[]byte{0}, 0, 1},
		{[]byte{0x80, 0}, 0, 2},
		{[]byte{0xff, 0x7f}, 1<<14 - 1, 2},
		{[]byte{0xff, 0xff, 0xff, 0xff, 0x0f}, 1<<32 - 1, 5},
		{[]byte{0xff, 0xff, 0xff, 0xff, 0x10}, 0, -5},
		{[]byte{0x80, 0x80, 0x80, 0x80, 0x80, 0}, 0, -5},
		{[]byte{0x80, 0x80}, 0, 0},
		{nil, 0, 0},
	} {
		v, n := uvarint32(c.in)
		if v != c.v || n != c.n {
			t.Errorf("%x: got %d/%d, want %d/%d", c.in, v, n, c.v, c.n)
		}
	}
}

// TestNullsEverywhere: a null length (-1 and -2 as int16 and int32, 0 as a
// compact length) written at every offset of random encodings is accepted
// by the walk exactly when kmsg accepts it: nullability follows kmsg.
func TestNullsEverywhere(t *testing.T) {
	r := rand.New(rand.NewPCG(13, 14))
	keysAndVersions(func(key, v int16) {
		for range 4 {
			_, body := randomRequest(r, key, v)
			for i := range body {
				for _, null := range [][]byte{{0xff, 0xfe}, {0xff, 0xff}, {0xff, 0xff, 0xff, 0xfe}, {0xff, 0xff, 0xff, 0xff}, {0}} {
					m := append([]byte(nil), body...)
					copy(m[i:], null)
					compareWithKmsg(t, key, v, m)
				}
			}
		}
	})
}

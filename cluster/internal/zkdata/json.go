package zkdata

import (
	"bytes"
	"encoding/json"
	"strconv"
	"unicode/utf8"
)

// The JSON writer: values are written the way Jackson writes them (no
// spaces, strings escaped as Jackson escapes them), objects in the order
// the caller computed with the functions of order.go.

type value interface{ appendTo(b []byte) []byte }

type (
	jstr   string
	jint   int64
	jnull  struct{}
	jints  []int32
	jarr   []value
	jfield struct {
		key string
		val value
	}
	// jobj is an object whose fields are already in output order.
	jobj []jfield
)

func (s jstr) appendTo(b []byte) []byte { return appendJSONString(b, string(s)) }
func (n jint) appendTo(b []byte) []byte { return strconv.AppendInt(b, int64(n), 10) }
func (jnull) appendTo(b []byte) []byte  { return append(b, "null"...) }
func (a jints) appendTo(b []byte) []byte {
	b = append(b, '[')
	for i, v := range a {
		if i > 0 {
			b = append(b, ',')
		}
		b = strconv.AppendInt(b, int64(v), 10)
	}
	return append(b, ']')
}
func (a jarr) appendTo(b []byte) []byte {
	b = append(b, '[')
	for i, v := range a {
		if i > 0 {
			b = append(b, ',')
		}
		b = v.appendTo(b)
	}
	return append(b, ']')
}
func (o jobj) appendTo(b []byte) []byte {
	b = append(b, '{')
	for i, f := range o {
		if i > 0 {
			b = append(b, ',')
		}
		b = appendJSONString(b, f.key)
		b = append(b, ':')
		b = f.val.appendTo(b)
	}
	return append(b, '}')
}

// ordered lays out fields (a key -> value map) in the given key order.
func ordered(order []string, fields map[string]value) jobj {
	o := make(jobj, 0, len(order))
	for _, k := range order {
		o = append(o, jfield{k, fields[k]})
	}
	return o
}

func keysOf[V any](m map[string]V) []string {
	ks := make([]string, 0, len(m))
	for k := range m {
		ks = append(ks, k)
	}
	return ks
}

func encode(v value) []byte { return v.appendTo(nil) }

const hexUpper = "0123456789ABCDEF"

// appendJSONString quotes s as Jackson does: '"' and '\\' escaped, \b \t
// \n \f \r short, other control characters as \u00XX (upper-case hex),
// everything else (including '/', '<', non-ASCII) as UTF-8. Invalid UTF-8
// becomes U+FFFD, as a Java String would hold it.
func appendJSONString(b []byte, s string) []byte {
	b = append(b, '"')
	for i := 0; i < len(s); {
		c := s[i]
		if c >= utf8.RuneSelf {
			r, size := utf8.DecodeRuneInString(s[i:])
			if r == utf8.RuneError && size == 1 {
				b = append(b, "\uFFFD"...)
			} else {
				b = append(b, s[i:i+size]...)
			}
			i += size
			continue
		}
		switch c {
		case '"', '\\':
			b = append(b, '\\', c)
		case '\b':
			b = append(b, '\\', 'b')
		case '\t':
			b = append(b, '\\', 't')
		case '\n':
			b = append(b, '\\', 'n')
		case '\f':
			b = append(b, '\\', 'f')
		case '\r':
			b = append(b, '\\', 'r')
		default:
			if c < 0x20 {
				b = append(b, '\\', 'u', '0', '0', hexUpper[c>>4], hexUpper[c&15])
			} else {
				b = append(b, c)
			}
		}
		i++
	}
	return append(b, '"')
}

// The JSON reader: strict about what Kafka's decoders require (a field
// Kafka reads with apply() must be there and of the right type: Jackson's
// isInt, isTextual...), lenient where Kafka is (unknown fields are
// ignored, optional fields may be absent or null).

// object is a parsed JSON object with the znode path and raw data kept for
// error messages.
type object struct {
	path   string
	data   []byte
	prefix string // "" at the top level, `field "x": ` inside
	m      map[string]json.RawMessage
}

func parseObject(path string, data []byte) (object, error) {
	o := object{path: path, data: data}
	if len(bytes.TrimSpace(data)) == 0 {
		return o, malformed(path, data, "empty, want a JSON object")
	}
	if err := json.Unmarshal(data, &o.m); err != nil {
		return o, malformed(path, data, "not a JSON object: %v", err)
	}
	if o.m == nil {
		return o, malformed(path, data, "null, want a JSON object")
	}
	return o, nil
}

func (o object) errf(format string, args ...any) error {
	return malformed(o.path, o.data, o.prefix+format, args...)
}

func (o object) fieldErr(key, format string, args ...any) error {
	return o.errf("field %q: "+format, append([]any{key}, args...)...)
}

// get returns the raw field; absent and JSON null are both !ok.
func (o object) get(key string) (json.RawMessage, bool) {
	raw, ok := o.m[key]
	if !ok || string(bytes.TrimSpace(raw)) == "null" {
		return nil, false
	}
	return raw, true
}

func show(raw json.RawMessage) string {
	s := string(bytes.TrimSpace(raw))
	if len(s) > 40 {
		s = s[:40] + "..."
	}
	return s
}

// parseInt parses a JSON integer token (no fraction, no exponent) into the
// range [min, max].
func parseInt(raw json.RawMessage, min, max int64) (int64, bool) {
	s := string(bytes.TrimSpace(raw))
	if s == "" || !(s[0] == '-' || s[0] >= '0' && s[0] <= '9') {
		return 0, false
	}
	v, err := strconv.ParseInt(s, 10, 64)
	if err != nil || v < min || v > max {
		return 0, false
	}
	return v, true
}

func (o object) requireInt32(key string) (int32, error) {
	raw, ok := o.get(key)
	if !ok {
		return 0, o.fieldErr(key, "missing")
	}
	return o.int32Value(key, raw)
}

func (o object) int32Value(key string, raw json.RawMessage) (int32, error) {
	v, ok := parseInt(raw, -1<<31, 1<<31-1)
	if !ok {
		return 0, o.fieldErr(key, "want a 32-bit integer, got %s", show(raw))
	}
	return int32(v), nil
}

// optInt32 returns def when the field is absent or null.
func (o object) optInt32(key string, def int32) (int32, error) {
	raw, ok := o.get(key)
	if !ok {
		return def, nil
	}
	return o.int32Value(key, raw)
}

func (o object) requireString(key string) (string, error) {
	raw, ok := o.get(key)
	if !ok {
		return "", o.fieldErr(key, "missing")
	}
	return o.stringValue(key, raw)
}

func (o object) stringValue(key string, raw json.RawMessage) (string, error) {
	var s string
	if t := bytes.TrimSpace(raw); len(t) == 0 || t[0] != '"' || json.Unmarshal(raw, &s) != nil {
		return "", o.fieldErr(key, "want a string, got %s", show(raw))
	}
	return s, nil
}

// optString returns "", false when the field is absent or null.
func (o object) optString(key string) (string, bool, error) {
	raw, ok := o.get(key)
	if !ok {
		return "", false, nil
	}
	s, err := o.stringValue(key, raw)
	return s, err == nil, err
}

// requireInt64String reads a number written as a JSON string ("timestamp",
// "block_start").
func (o object) requireInt64String(key string) (int64, error) {
	s, err := o.requireString(key)
	if err != nil {
		return 0, err
	}
	v, err := strconv.ParseInt(s, 10, 64)
	if err != nil {
		return 0, o.fieldErr(key, "want a decimal 64-bit integer in a string, got %q", s)
	}
	return v, nil
}

func (o object) int32sValue(key string, raw json.RawMessage) ([]int32, error) {
	var elems []json.RawMessage
	if t := bytes.TrimSpace(raw); len(t) == 0 || t[0] != '[' || json.Unmarshal(raw, &elems) != nil {
		return nil, o.fieldErr(key, "want an array of integers, got %s", show(raw))
	}
	out := make([]int32, len(elems))
	for i, e := range elems {
		v, ok := parseInt(e, -1<<31, 1<<31-1)
		if !ok {
			return nil, o.fieldErr(key, "element %d: want a 32-bit integer, got %s", i, show(e))
		}
		out[i] = int32(v)
	}
	return out, nil
}

func (o object) requireInt32s(key string) ([]int32, error) {
	raw, ok := o.get(key)
	if !ok {
		return nil, o.fieldErr(key, "missing")
	}
	return o.int32sValue(key, raw)
}

// objectValue parses a nested object; its errors name the field.
func (o object) objectValue(key string, raw json.RawMessage) (object, error) {
	sub := object{path: o.path, data: o.data, prefix: o.prefix + "field " + strconv.Quote(key) + ": "}
	if t := bytes.TrimSpace(raw); len(t) == 0 || t[0] != '{' || json.Unmarshal(raw, &sub.m) != nil {
		return sub, o.fieldErr(key, "want an object, got %s", show(raw))
	}
	return sub, nil
}

// optObject returns ok=false when the field is absent or null.
func (o object) optObject(key string) (object, bool, error) {
	raw, ok := o.get(key)
	if !ok {
		return object{}, false, nil
	}
	sub, err := o.objectValue(key, raw)
	return sub, err == nil, err
}

func (o object) requireObject(key string) (object, error) {
	raw, ok := o.get(key)
	if !ok {
		return object{}, o.fieldErr(key, "missing")
	}
	return o.objectValue(key, raw)
}

// arrayValue splits a JSON array.
func (o object) requireArray(key string) ([]json.RawMessage, error) {
	raw, ok := o.get(key)
	if !ok {
		return nil, o.fieldErr(key, "missing")
	}
	var elems []json.RawMessage
	if t := bytes.TrimSpace(raw); len(t) == 0 || t[0] != '[' || json.Unmarshal(raw, &elems) != nil {
		return nil, o.fieldErr(key, "want an array, got %s", show(raw))
	}
	return elems, nil
}

// element parses the i-th element of an array field as an object.
func (o object) element(key string, i int, raw json.RawMessage) (object, error) {
	return o.objectValue(key+"["+strconv.Itoa(i)+"]", raw)
}

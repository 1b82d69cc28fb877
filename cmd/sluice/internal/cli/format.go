package cli

import (
	"bytes"
	"encoding/base64"
	"fmt"
	"strconv"
	"unicode/utf8"

	"github.com/twmb/franz-go/pkg/kgo"
)

// DefaultFormat prints each record's value on its own line, so that lines
// produced with `sluice produce` come back byte-identical.
const DefaultFormat = `%v\n`

// Format is a compiled --format template. Directives:
//
//	%v value   %k key   %p partition   %o offset   %T topic
//	%t timestamp (Unix ms)   %h headers as k=v,k=v   %% a percent sign
//	\n newline   \t tab   \\ a backslash
//
// A null key or value prints as nothing.
type Format struct {
	parts []formatPart
}

type formatPart struct {
	lit []byte
	dir byte // 0: literal
}

// ParseFormat compiles a template; unknown directives are errors.
func ParseFormat(s string) (*Format, error) {
	f := &Format{}
	var lit []byte
	flush := func() {
		if len(lit) > 0 {
			f.parts = append(f.parts, formatPart{lit: lit})
			lit = nil
		}
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if (c != '%' && c != '\\') || i+1 == len(s) {
			if c == '%' {
				return nil, fmt.Errorf("format %q: a lone %% at the end (write %%%% for a percent sign)", s)
			}
			lit = append(lit, c)
			continue
		}
		i++
		d := s[i]
		if c == '\\' {
			switch d {
			case 'n':
				lit = append(lit, '\n')
			case 't':
				lit = append(lit, '\t')
			case '\\':
				lit = append(lit, '\\')
			default:
				lit = append(lit, '\\', d)
			}
			continue
		}
		switch d {
		case '%':
			lit = append(lit, '%')
		case 'v', 'k', 'p', 'o', 't', 'h', 'T':
			flush()
			f.parts = append(f.parts, formatPart{dir: d})
		default:
			return nil, fmt.Errorf("format %q: unknown directive %%%c (want %%v %%k %%p %%o %%t %%h %%T)", s, d)
		}
	}
	flush()
	return f, nil
}

// Append appends r rendered by the template to dst.
func (f *Format) Append(dst []byte, r *kgo.Record) []byte {
	for _, p := range f.parts {
		switch p.dir {
		case 0:
			dst = append(dst, p.lit...)
		case 'v':
			dst = append(dst, r.Value...)
		case 'k':
			dst = append(dst, r.Key...)
		case 'p':
			dst = strconv.AppendInt(dst, int64(r.Partition), 10)
		case 'o':
			dst = strconv.AppendInt(dst, r.Offset, 10)
		case 't':
			dst = strconv.AppendInt(dst, r.Timestamp.UnixMilli(), 10)
		case 'T':
			dst = append(dst, r.Topic...)
		case 'h':
			for i, h := range r.Headers {
				if i > 0 {
					dst = append(dst, ',')
				}
				dst = append(dst, h.Key...)
				dst = append(dst, '=')
				dst = append(dst, h.Value...)
			}
		}
	}
	return dst
}

// JSONRecord is the --json form of a consumed record, one object a line.
// Keys, values and header values that are not valid UTF-8 are given in
// base64 under the *_base64 name instead.
type JSONRecord struct {
	Topic       string       `json:"topic"`
	Partition   int32        `json:"partition"`
	Offset      int64        `json:"offset"`
	Timestamp   int64        `json:"timestamp"`
	Key         *string      `json:"key"`
	KeyBase64   string       `json:"key_base64,omitempty"`
	Value       *string      `json:"value"`
	ValueBase64 string       `json:"value_base64,omitempty"`
	Headers     []JSONHeader `json:"headers"`
	LeaderEpoch int32        `json:"leader_epoch"`
	ProducerID  int64        `json:"producer_id"`
}

// JSONHeader is one record header in JSONRecord.
type JSONHeader struct {
	Key         string  `json:"key"`
	Value       *string `json:"value"`
	ValueBase64 string  `json:"value_base64,omitempty"`
}

// ToJSON converts a record.
func ToJSON(r *kgo.Record) JSONRecord {
	j := JSONRecord{
		Topic: r.Topic, Partition: r.Partition, Offset: r.Offset, Timestamp: r.Timestamp.UnixMilli(),
		LeaderEpoch: r.LeaderEpoch, ProducerID: r.ProducerID, Headers: []JSONHeader{},
	}
	j.Key, j.KeyBase64 = textOrBase64(r.Key)
	j.Value, j.ValueBase64 = textOrBase64(r.Value)
	for _, h := range r.Headers {
		v, b := textOrBase64(h.Value)
		j.Headers = append(j.Headers, JSONHeader{Key: h.Key, Value: v, ValueBase64: b})
	}
	return j
}

func textOrBase64(b []byte) (*string, string) {
	if b == nil {
		return nil, ""
	}
	if utf8.Valid(b) && !bytes.ContainsRune(b, utf8.RuneError) {
		s := string(b)
		return &s, ""
	}
	return nil, base64.StdEncoding.EncodeToString(b)
}

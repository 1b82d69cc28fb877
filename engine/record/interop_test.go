package record

import (
	"bytes"
	"io"
	"testing"

	kgcompress "github.com/segmentio/kafka-go/compress"
	kgsnappy "github.com/segmentio/kafka-go/compress/snappy"
)

// TestCodecInteropWithKafkaGo checks our codecs against segmentio/kafka-go's
// independent framing code: its snappy writer frames like snappy-java
// (xerial), the format Java producers send.
func TestCodecInteropWithKafkaGo(t *testing.T) {
	src := bytes.Repeat([]byte("interop between kafka clients; "), 5000) // > 32 KiB: several xerial chunks
	codecs := map[Codec]kgcompress.Codec{
		Gzip:   kgcompress.Gzip.Codec(),
		Snappy: &kgsnappy.Codec{Framing: kgsnappy.Framed},
		LZ4:    kgcompress.Lz4.Codec(),
		Zstd:   kgcompress.Zstd.Codec(),
	}
	for c, kc := range codecs {
		if kc.Code() != int8(c) {
			t.Fatalf("%v: kafka-go code %d", c, kc.Code())
		}
		// kafka-go -> record
		var buf bytes.Buffer
		w := kc.NewWriter(&buf)
		if _, err := w.Write(src); err != nil {
			t.Fatal(err)
		}
		if err := w.Close(); err != nil {
			t.Fatal(err)
		}
		if c == Snappy && !bytes.HasPrefix(buf.Bytes(), xerialMagic) {
			t.Fatal("kafka-go did not frame snappy")
		}
		out, err := Decompress(nil, c, buf.Bytes(), len(src))
		if err != nil || !bytes.Equal(out, src) {
			t.Fatalf("%v: reading kafka-go output: %v", c, err)
		}
		// record -> kafka-go
		comp, err := Compress(nil, c, src)
		if err != nil {
			t.Fatal(err)
		}
		r := kc.NewReader(bytes.NewReader(comp))
		back, err := io.ReadAll(r)
		r.Close()
		if err != nil || !bytes.Equal(back, src) {
			t.Fatalf("%v: kafka-go reading our output: %v", c, err)
		}
	}
	// Unframed (librdkafka-style) snappy from kafka-go too.
	var buf bytes.Buffer
	w := (&kgsnappy.Codec{Framing: kgsnappy.Unframed}).NewWriter(&buf)
	_, _ = w.Write(src)
	_ = w.Close()
	if out, err := Decompress(nil, Snappy, buf.Bytes(), len(src)); err != nil || !bytes.Equal(out, src) {
		t.Fatalf("unframed snappy: %v", err)
	}
}

package record

// ForEachRecord decodes the batch's records (decompressing as needed, with
// the default DefaultMaxUncompressed bound) and calls fn for each, in
// order. The *Record and everything it points to are reused: valid only
// during the call. It stops at fn's first error and returns it. It does not
// check the CRC or any policy; it fails with ErrInvalidRecord when the
// records do not decode to exactly NumRecords records.
func (v *Validator) ForEachRecord(batch []byte, fn func(r *Record) error) error {
	return v.forEach(batch, DefaultMaxUncompressed, fn)
}

// ForEachRecordLimit is ForEachRecord with an explicit decompression bound.
func (v *Validator) ForEachRecordLimit(batch []byte, max int, fn func(r *Record) error) error {
	return v.forEach(batch, max, fn)
}

func (v *Validator) forEach(batch []byte, max int, fn func(r *Record) error) error {
	h, err := ParseHeader(batch)
	if err != nil {
		return err
	}
	if h.Size() > len(batch) {
		return newError(ErrCorruptMessage, "Record batch is truncated")
	}
	batch = batch[:h.Size()]
	if h.NumRecords < 0 {
		return newError(ErrInvalidRecord, "Found invalid record count in magic v2 batch")
	}
	if !h.Codec().Valid() {
		return unsupported(h.Codec())
	}
	recs, bp, err := v.records(batch, h.Codec(), max, nil)
	defer putBuf(bp)
	if err != nil {
		return err
	}
	var (
		raw rawRecord
		rec Record
		pos int
	)
	for i := 0; i < int(h.NumRecords); i++ {
		if pos >= len(recs) {
			return newError(ErrInvalidRecord, "Incorrect declared batch size, premature EOF reached")
		}
		if pos, err = nextRecord(recs, pos, &raw); err != nil {
			return err
		}
		v.hdrs = decodeHeaders(v.hdrs[:0], &raw)
		rec = Record{
			Attributes:     raw.attributes,
			TimestampDelta: raw.timestampDelta,
			OffsetDelta:    raw.offsetDelta,
			Key:            raw.key,
			Value:          raw.value,
			Headers:        v.hdrs,
			Offset:         h.BaseOffset + int64(raw.offsetDelta),
			Timestamp:      h.FirstTimestamp + raw.timestampDelta,
		}
		if !raw.hasKey {
			rec.Key = nil
		}
		if h.LogAppendTime() {
			rec.Timestamp = h.MaxTimestamp
		}
		if err := fn(&rec); err != nil {
			return err
		}
	}
	if pos != len(recs) {
		return newError(ErrInvalidRecord, "Incorrect declared batch size, records still remaining in file")
	}
	return nil
}

package netio

// FileLike is a file a Chunk can send a range of. *os.File implements it.
// Fd must stay valid until the Response's Done is called; netio keeps the
// value referenced until then.
type FileLike interface {
	Fd() uintptr
	ReadAt(p []byte, off int64) (int, error)
}

// Chunk is one piece of a response: either Mem, or the byte range
// [Off, Off+Len) of File, sent with sendfile(2) (copied as a fallback).
type Chunk struct {
	Mem  []byte
	File FileLike
	Off  int64
	Len  int64
}

// size is the number of bytes the chunk contributes to the response.
func (ch *Chunk) size() int64 {
	if ch.File != nil {
		return ch.Len
	}
	return int64(len(ch.Mem))
}

// Response is what a handler answers a request with. Its bytes on the wire
// are exactly its Chunks concatenated; netio adds nothing.
type Response struct {
	Chunks []Chunk
	// NoResponse: write nothing for this request (Kafka acks=0 produce).
	NoResponse bool
	// CloseAfter: close the connection once this response (and every one
	// before it) has been written.
	CloseAfter bool
	// Done, if not nil, is called exactly once, after the response's bytes
	// were written or the connection closed. It may run on the event loop
	// (keep it short: release references) or on the goroutine calling
	// Respond when the connection was already closed.
	Done func()
}

// memSize is the bytes of the response's memory chunks (MaxUnsentBytes).
func (r *Response) memSize() int64 {
	var n int64
	for i := range r.Chunks {
		if r.Chunks[i].File == nil {
			n += int64(len(r.Chunks[i].Mem))
		}
	}
	return n
}

package handlers

// ErrorCounts tallies the error codes of one response the way Kafka's
// AbstractResponse.errorCounts does (one count per partition of a Produce,
// Fetch or ListOffsets answer, per topic of a Metadata or CreateTopics
// answer, plus the top-level code where the response has one; code 0,
// NONE, counts successes). It holds up to len(code) distinct codes inline
// so that tallying a response allocates nothing in the common case.
type ErrorCounts struct {
	n     int
	code  [6]int16
	count [6]int32
	more  map[int16]int // codes past the inline slots (rare)
	first int16         // first non-zero code added
}

// Add counts n occurrences of code.
func (e *ErrorCounts) Add(code int16, n int) {
	if n <= 0 {
		return
	}
	if e.first == 0 && code != 0 {
		e.first = code
	}
	for i := range e.n {
		if e.code[i] == code {
			e.count[i] += int32(n)
			return
		}
	}
	if e.n < len(e.code) {
		e.code[e.n], e.count[e.n] = code, int32(n)
		e.n++
		return
	}
	if e.more == nil {
		e.more = make(map[int16]int)
	}
	e.more[code] += n
}

// Each calls fn once per distinct code with its count.
func (e *ErrorCounts) Each(fn func(code int16, n int)) {
	for i := range e.n {
		fn(e.code[i], int(e.count[i]))
	}
	for c, n := range e.more {
		fn(c, n)
	}
}

// Empty reports whether nothing was added.
func (e *ErrorCounts) Empty() bool { return e.n == 0 }

// First is the first non-zero code added (0 when every count is NONE): the
// error the request log shows.
func (e *ErrorCounts) First() int16 { return e.first }

// errorCounts tallies a Fetch answer: its top-level code, then each
// partition's (FetchResponse.errorCounts).
func (a *fetchAnswer) errorCounts() ErrorCounts {
	var e ErrorCounts
	e.Add(a.errCode, 1)
	for i := range a.topics {
		for j := range a.topics[i].parts {
			e.Add(a.topics[i].parts[j].errCode, 1)
		}
	}
	return e
}

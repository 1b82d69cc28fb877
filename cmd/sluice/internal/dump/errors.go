package dump

import "errors"

// ErrProblems is returned (wrapped, with a count) when a file has corrupt
// batches or index entries that disagree with the log; the details were
// printed.
var ErrProblems = errors.New("dump: problems found")

// ErrUnknownKind is returned for a file that is not .log, .index or
// .timeindex.
var ErrUnknownKind = errors.New("dump: unknown file kind (want .log, .index or .timeindex)")

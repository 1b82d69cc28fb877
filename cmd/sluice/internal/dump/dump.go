package dump

import (
	"fmt"
	"io"
	"path/filepath"
)

// File prints the segment or index file at path to w, by its extension.
// It returns an error wrapping ErrProblems when something was flagged (the
// details are in the output), or the read error.
func File(w io.Writer, path string, o Options) error {
	var (
		problems int
		err      error
	)
	switch filepath.Ext(path) {
	case ".log":
		problems, err = dumpLog(w, path, o)
	case ".index":
		problems, err = dumpOffsetIndex(w, path)
	case ".timeindex":
		problems, err = dumpTimeIndex(w, path)
	default:
		return fmt.Errorf("%w: %s", ErrUnknownKind, path)
	}
	if err != nil {
		return err
	}
	if problems > 0 {
		return fmt.Errorf("%w: %d in %s", ErrProblems, problems, path)
	}
	return nil
}

package obs

import "errors"

// ErrBadLogFormat is returned by NewLogger for a Format other than "",
// "text" or "json".
var ErrBadLogFormat = errors.New("obs: sluice.log.format must be text or json")

package cli

import (
	"fmt"
	"strings"
)

// ParseKV parses `key=value` arguments (as given to -c and --header) into a
// map. The value may be empty and may itself contain '='; the key may not be
// empty.
func ParseKV(args []string) (map[string]string, error) {
	out := make(map[string]string, len(args))
	for _, a := range args {
		k, v, err := SplitKV(a)
		if err != nil {
			return nil, err
		}
		out[k] = v
	}
	return out, nil
}

// SplitKV splits one `key=value` argument.
func SplitKV(a string) (key, value string, err error) {
	k, v, ok := strings.Cut(a, "=")
	k = strings.TrimSpace(k)
	if !ok || k == "" {
		return "", "", fmt.Errorf("%w: %q (want key=value)", ErrMalformedKV, a)
	}
	return k, v, nil
}

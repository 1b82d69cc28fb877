package znode

import (
	"fmt"
	"strings"
	"unicode/utf8"
)

// ValidatePath checks path against ZooKeeper's rules (PathUtils): absolute,
// no trailing "/" (a sequential create may end in "/": the number becomes
// the name), no empty, "." or ".." names, no NUL, no control characters,
// no characters in U+007F..U+009F, U+D800..U+F8FF, U+FFF0..U+FFFF or beyond
// U+FFFF (ZooKeeper rejects surrogates).
func ValidatePath(path string, sequential bool) error {
	if sequential {
		path += "1"
	}
	bad := func(why string) error { return fmt.Errorf("%w %q: %s", ErrBadPath, path, why) }
	if path == "" {
		return bad("empty")
	}
	if path[0] != '/' {
		return bad("not absolute")
	}
	if len(path) == 1 {
		return nil
	}
	if path[len(path)-1] == '/' {
		return bad("ends with /")
	}
	if !utf8.ValidString(path) {
		return bad("not UTF-8")
	}
	for _, name := range strings.Split(path[1:], "/") {
		switch name {
		case "":
			return bad("empty name")
		case ".", "..":
			return bad("relative name")
		}
		for _, r := range name {
			switch {
			case r == 0:
				return bad("NUL character")
			case r <= 0x1f, r >= 0x7f && r <= 0x9f, r >= 0xd800 && r <= 0xf8ff, r >= 0xfff0:
				return bad(fmt.Sprintf("invalid character %U", r))
			}
		}
	}
	return nil
}

// parentOf returns the parent of a valid path ("/" for "/a").
func parentOf(path string) string {
	i := strings.LastIndexByte(path, '/')
	if i <= 0 {
		return "/"
	}
	return path[:i]
}

// baseOf returns the last name of a valid path.
func baseOf(path string) string { return path[strings.LastIndexByte(path, '/')+1:] }

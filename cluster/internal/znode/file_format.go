package znode

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"unicode/utf8"

	"sluice/engine/vfs"
)

// FileName is the metadata file's name (in the first log dir).
const FileName = "__sluice_metadata.json"

// FileVersion is the format version the file tree writes.
const FileVersion = 2

// fileNode is one persistent znode in the file. Data is kept as a JSON
// string when it is UTF-8 (all of Kafka's is), else in data_base64.
type fileNode struct {
	Data       *string `json:"data,omitempty"`
	DataBase64 *string `json:"data_base64,omitempty"`
	Czxid      int64   `json:"czxid"`
	Mzxid      int64   `json:"mzxid"`
	Pzxid      int64   `json:"pzxid"`
	Ctime      int64   `json:"ctime"`
	Mtime      int64   `json:"mtime"`
	Version    int32   `json:"version"`
	CVersion   int32   `json:"cversion"`
}

// encodeFile writes the persistent znodes of t, one per line, sorted by
// path.
func encodeFile(t *memTree) []byte {
	paths := make([]string, 0, len(t.nodes))
	for p, n := range t.nodes {
		if n.stat.EphemeralOwner == 0 {
			paths = append(paths, p)
		}
	}
	sort.Strings(paths)
	var b bytes.Buffer
	fmt.Fprintf(&b, "{\"version\": %d, \"zxid\": %d, \"znodes\": {\n", FileVersion, t.zxid)
	for i, p := range paths {
		n := t.nodes[p]
		fn := fileNode{Czxid: n.stat.Czxid, Mzxid: n.stat.Mzxid, Pzxid: n.stat.Pzxid, Ctime: n.stat.Ctime,
			Mtime: n.stat.Mtime, Version: n.stat.Version, CVersion: n.stat.CVersion}
		if len(n.data) > 0 {
			if utf8.Valid(n.data) {
				s := string(n.data)
				fn.Data = &s
			} else {
				s := base64.StdEncoding.EncodeToString(n.data)
				fn.DataBase64 = &s
			}
		}
		b.Write(marshalPlain(p))
		b.WriteString(": ")
		b.Write(marshalPlain(fn))
		if i < len(paths)-1 {
			b.WriteByte(',')
		}
		b.WriteByte('\n')
	}
	b.WriteString("}}\n")
	return b.Bytes()
}

// decodeFile reads a version-2 file; every problem is ErrCorrupt naming
// the file and the znode.
func decodeFile(name string, data []byte) (*memTree, error) {
	var f struct {
		Version int                  `json:"version"`
		Zxid    int64                `json:"zxid"`
		Znodes  map[string]*fileNode `json:"znodes"`
	}
	if err := json.Unmarshal(data, &f); err != nil {
		return nil, fmt.Errorf("%w: %s: %v", ErrCorrupt, name, err)
	}
	bad := func(path, format string, args ...any) error {
		return fmt.Errorf("%w: %s: znode %s: %s", ErrCorrupt, name, strconv.Quote(path), fmt.Sprintf(format, args...))
	}
	if f.Version != FileVersion {
		return nil, fmt.Errorf("%w: %s: version %d, want %d", ErrCorrupt, name, f.Version, FileVersion)
	}
	t := newMemTree()
	t.zxid = f.Zxid
	if f.Zxid < 0 {
		return nil, fmt.Errorf("%w: %s: negative zxid", ErrCorrupt, name)
	}
	paths := make([]string, 0, len(f.Znodes))
	for p := range f.Znodes {
		paths = append(paths, p)
	}
	sort.Strings(paths) // a parent sorts before its children
	for _, p := range paths {
		fn := f.Znodes[p]
		if fn == nil {
			return nil, bad(p, "null")
		}
		if err := ValidatePath(p, false); err != nil {
			return nil, bad(p, "%v", err)
		}
		if fn.Version < 0 || fn.CVersion < 0 || fn.Czxid < 0 || fn.Mzxid < fn.Czxid || fn.Pzxid < 0 ||
			fn.Czxid > f.Zxid || fn.Mzxid > f.Zxid || fn.Pzxid > f.Zxid {
			return nil, bad(p, "versions or zxids out of range (file zxid %d)", f.Zxid)
		}
		var d []byte
		switch {
		case fn.Data != nil && fn.DataBase64 != nil:
			return nil, bad(p, "both data and data_base64")
		case fn.Data != nil:
			d = []byte(*fn.Data)
		case fn.DataBase64 != nil:
			var err error
			if d, err = base64.StdEncoding.DecodeString(*fn.DataBase64); err != nil {
				return nil, bad(p, "data_base64: %v", err)
			}
		}
		st := Stat{Czxid: fn.Czxid, Mzxid: fn.Mzxid, Pzxid: fn.Pzxid, Ctime: fn.Ctime, Mtime: fn.Mtime,
			Version: fn.Version, CVersion: fn.CVersion}
		if p == "/" {
			t.nodes["/"].data, t.nodes["/"].stat = cloneBytes(d), st
			continue
		}
		parent := t.nodes[parentOf(p)]
		if parent == nil {
			return nil, bad(p, "its parent %s is missing", parentOf(p))
		}
		t.nodes[p] = &fnode{data: cloneBytes(d), stat: st, children: map[string]struct{}{}}
		parent.children[baseOf(p)] = struct{}{}
	}
	return t, nil
}

// readFile returns the file's bytes; a missing file is os.ErrNotExist.
func readFile(fs vfs.FS, path string) ([]byte, error) {
	f, err := fs.OpenFile(path, os.O_RDONLY, 0)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return io.ReadAll(f)
}

// writeFileAtomic replaces dir/name with data: a temporary file written
// and fsynced, renamed over the old one, the directory fsynced. A crash
// leaves the old or the new file, never a torn one.
func writeFileAtomic(fs vfs.FS, dir, name string, data []byte) error {
	path := filepath.Join(dir, name)
	tmp := path + ".tmp"
	f, err := fs.OpenFile(tmp, os.O_CREATE|os.O_TRUNC|os.O_WRONLY, 0o644)
	if err != nil {
		return fmt.Errorf("create %s: %w", tmp, err)
	}
	_, err = f.Write(data)
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		_ = fs.Remove(tmp)
		return fmt.Errorf("write %s: %w", tmp, err)
	}
	if err := fs.Rename(tmp, path); err != nil {
		_ = fs.Remove(tmp)
		return fmt.Errorf("rename %s: %w", tmp, err)
	}
	if err := fs.SyncDir(dir); err != nil {
		return fmt.Errorf("sync dir %s: %w", dir, err)
	}
	return nil
}

// marshalPlain is json.Marshal without HTML escaping ("<default>" stays
// readable).
func marshalPlain(v any) []byte {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		panic("znode: encoding a file node cannot fail: " + err.Error())
	}
	return bytes.TrimSuffix(b.Bytes(), []byte("\n"))
}

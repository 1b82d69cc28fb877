package wire

import (
	"fmt"
	"reflect"

	"github.com/twmb/franz-go/pkg/kmsg"
)

// A request schema is written once per API key as a list of fs (requests.go),
// named as kmsg names its Go fields and annotated with what the Go types do
// not say: the versions that carry a field, the version from which a *string
// may be null, whether a []byte may be null, and the tag of a tagged field.
// compile turns it, for one version, into the nodes the walk follows; the
// wire kind of each node comes from the kmsg Go type by reflection, and so
// does the Go size of every array element (what kmsg allocates per element).

// fs is one field of a request schema.
type fs struct {
	name     string
	lo, hi   int16 // versions that carry the field (hi < 0: no upper bound)
	nullFrom int16 // *string: null is allowed from this version on
	nullable bool  // []byte: null is allowed (NullableBytes)
	tag      int32 // >= 0: a tagged field of flexible versions
	elem     []fs  // members of a struct element or tagged struct
}

// f declares a field present at every version.
func f(name string) fs { return fs{name: name, hi: -1, tag: -1} }

// from limits f to versions >= lo.
func (x fs) from(lo int16) fs { x.lo = lo; return x }

// upTo limits f to versions <= hi.
func (x fs) upTo(hi int16) fs { x.hi = hi; return x }

// nullAt says from which version a *string may be null (before, kmsg reads
// a non-nullable string into the pointer).
func (x fs) nullAt(v int16) fs { x.nullFrom = v; return x }

// nullBytes marks a []byte field nullable.
func (x fs) nullBytes() fs { x.nullable = true; return x }

// tagged makes f a tagged field with tag t.
func (x fs) tagged(t int32) fs { x.tag = t; return x }

// of gives the members of f's struct (element) type.
func (x fs) of(members ...fs) fs { x.elem = members; return x }

func (x fs) at(v int16) bool { return v >= x.lo && (x.hi < 0 || v <= x.hi) }

// kind is one wire element.
type kind uint8

const (
	kI8 kind = iota
	kI16
	kI32
	kI64
	kUUID
	kStr     // compact string (uvarint length+1)
	kStr16   // int16-length string
	kBytes   // compact bytes
	kBytes32 // int32-length bytes
	kArray   // compact array (uvarint length+1)
	kArray32 // int32-length array
	kTags    // tagged-field section
)

var fixedSize = [...]int{kI8: 1, kI16: 2, kI32: 4, kI64: 8, kUUID: 16}

// minSize is the fewest bytes a node can take on the wire.
var minSize = [...]int{kI8: 1, kI16: 2, kI32: 4, kI64: 8, kUUID: 16,
	kStr: 1, kStr16: 2, kBytes: 1, kBytes32: 4, kArray: 1, kArray32: 4, kTags: 1}

// node is one compiled schema element.
type node struct {
	k        kind
	nullable bool // strings and bytes: a null length is accepted
	ptr      bool // string decoded into a *string (one more allocation)
	// Arrays: the element's nodes, the Go size of one element (kmsg
	// allocates count × elemSize at once) and the fewest bytes one element
	// takes on the wire (a count is refused unless count × elemMin bytes
	// remain).
	elem     []node
	elemSize int
	elemMin  int
	// Tags: the known tags and their values (decoded by kmsg, so walked
	// too); unknown tags are kept by kmsg in a map when unknown is set.
	known   map[uint32][]node
	unknown bool
}

// schema is one request type at one version.
type schema struct {
	nodes   []node
	topSize int // Go size of the request struct (RequestForKey allocates it)
}

var tagsType = reflect.TypeOf(kmsg.Tags{})

// compile builds the schema of key at version v.
func compile(key int16, fields []fs, v int16) (*schema, error) {
	req := kmsg.RequestForKey(key)
	if req == nil {
		return nil, fmt.Errorf("wire: kmsg has no request for key %d", key)
	}
	req.SetVersion(v)
	t := reflect.TypeOf(req).Elem()
	nodes, err := compileStruct(t, fields, v, req.IsFlexible())
	if err != nil {
		return nil, fmt.Errorf("wire: %s v%d: %w", t.Name(), v, err)
	}
	return &schema{nodes: nodes, topSize: int(t.Size())}, nil
}

func compileStruct(t reflect.Type, fields []fs, v int16, flex bool) ([]node, error) {
	var out []node
	var known map[uint32][]node
	for _, x := range fields {
		if !x.at(v) {
			continue
		}
		sf, ok := t.FieldByName(x.name)
		if !ok {
			return nil, fmt.Errorf("%s has no field %s", t.Name(), x.name)
		}
		if x.tag >= 0 {
			if !flex {
				continue // tagged fields exist only in flexible versions
			}
			var val []node
			if sf.Type.Kind() == reflect.Struct && sf.Type != reflect.TypeOf([16]byte{}) {
				inner, err := compileStruct(sf.Type, x.elem, v, flex)
				if err != nil {
					return nil, err
				}
				val = inner
			} else {
				n, err := compileField(sf.Type, x, v, flex)
				if err != nil {
					return nil, fmt.Errorf("%s.%s: %w", t.Name(), x.name, err)
				}
				val = []node{n}
			}
			if known == nil {
				known = map[uint32][]node{}
			}
			known[uint32(x.tag)] = val
			continue
		}
		n, err := compileField(sf.Type, x, v, flex)
		if err != nil {
			return nil, fmt.Errorf("%s.%s: %w", t.Name(), x.name, err)
		}
		out = append(out, n)
	}
	if flex {
		_, hasTags := t.FieldByName("UnknownTags")
		out = append(out, node{k: kTags, known: known, unknown: hasTags})
	}
	return out, nil
}

// compileField maps one positional field's Go type to its wire node.
func compileField(gt reflect.Type, x fs, v int16, flex bool) (node, error) {
	switch gt.Kind() {
	case reflect.Bool, reflect.Int8:
		return node{k: kI8}, nil
	case reflect.Int16:
		return node{k: kI16}, nil
	case reflect.Int32:
		return node{k: kI32}, nil
	case reflect.Int64:
		return node{k: kI64}, nil
	case reflect.Array:
		if gt.Len() == 16 && gt.Elem().Kind() == reflect.Uint8 {
			return node{k: kUUID}, nil
		}
	case reflect.String:
		return strNode(flex, false, false), nil
	case reflect.Pointer:
		if gt.Elem().Kind() == reflect.String {
			return strNode(flex, v >= x.nullFrom, true), nil
		}
	case reflect.Slice:
		et := gt.Elem()
		if et.Kind() == reflect.Uint8 {
			n := node{k: kBytes32, nullable: x.nullable}
			if flex {
				n.k = kBytes
			}
			return n, nil
		}
		var elem []node
		if et.Kind() == reflect.Struct {
			inner, err := compileStruct(et, x.elem, v, flex)
			if err != nil {
				return node{}, err
			}
			elem = inner
		} else {
			n, err := compileField(et, fs{hi: -1, tag: -1}, v, flex)
			if err != nil {
				return node{}, err
			}
			elem = []node{n}
		}
		n := node{k: kArray32, elem: elem, elemSize: int(et.Size())}
		if flex {
			n.k = kArray
		}
		for _, e := range elem {
			n.elemMin += minSize[e.k]
		}
		if n.elemMin < 1 {
			return node{}, fmt.Errorf("array element of %s takes no bytes", et)
		}
		return n, nil
	}
	return node{}, fmt.Errorf("unsupported Go type %s", gt)
}

func strNode(flex, nullable, ptr bool) node {
	n := node{k: kStr16, nullable: nullable, ptr: ptr}
	if flex {
		n.k = kStr
	}
	return n
}

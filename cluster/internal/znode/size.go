package znode

// ZooKeeper refuses (by closing the connection) any request larger than
// its jute.maxbuffer, 1 MiB - 1 by default. Both trees refuse a request
// whose encoding would come near it with ErrTooLarge, before sending it.

// DefaultMaxRequestBytes is the default limit of one request's encoded
// size, leaving headroom under ZooKeeper's 1,048,575 bytes.
const DefaultMaxRequestBytes = 1000000

// OpSize is the size of an operation in a ZooKeeper multi request, as
// jute encodes it (header, path, data, the world ACL, flags).
func OpSize(op Op) int {
	const header = 9 // type int32, done bool, err int32
	switch o := op.(type) {
	case CreateOp:
		return header + 4 + len(o.Path) + 4 + len(o.Data) + 4 + 23 + 4
	case *CreateOp:
		return OpSize(*o)
	case SetOp:
		return header + 4 + len(o.Path) + 4 + len(o.Data) + 4
	case *SetOp:
		return OpSize(*o)
	case DeleteOp:
		return header + 4 + len(o.Path) + 4
	case *DeleteOp:
		return OpSize(*o)
	case CheckOp:
		return header + 4 + len(o.Path) + 4
	case *CheckOp:
		return OpSize(*o)
	}
	return header
}

// MultiOverhead is the encoded size of a multi request around its
// operations (length, xid, opcode, the closing header).
const MultiOverhead = 4 + 4 + 4 + 9

func requestSize(ops []Op) int {
	n := MultiOverhead
	for _, op := range ops {
		n += OpSize(op)
	}
	return n
}

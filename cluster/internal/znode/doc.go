// Package znode is the store under Sluice's cluster metadata: a tree of
// znodes as ZooKeeper keeps it (Tree), with two implementations that
// behave the same (one conformance suite runs against both):
//
//   - ZKTree (DialZK): a session on a ZooKeeper ensemble through
//     go-zookeeper/zk, with Kafka's zookeeper.connect syntax (servers and
//     an optional chroot, created if missing), connection timeout, and
//     explicit session handling (see ZKTree);
//   - FileTree (OpenFile): the single-node store, an in-memory tree whose
//     persistent znodes are saved to __sluice_metadata.json in the first
//     log dir before each write that changes them returns, and whose
//     ephemerals live as long as their session in this process.
//
// Single-node Sluice is a one-broker cluster whose "ZooKeeper" is the
// file: the code above this package (cluster/internal/kzk and up) is the
// same for both.
//
// # Semantics (both trees)
//
// Znodes have data (up to about 1 MB per request), a version bumped by
// every Set (compare-and-set with the version; AnyVersion = -1 matches
// any), children, and a Stat (czxid, mzxid, pzxid, ctime, mtime, version,
// cversion, ephemeralOwner, dataLength, numChildren) maintained as
// ZooKeeper does: a transaction (a write, or a whole Multi) gets one new
// zxid; creating or deleting a child bumps the parent's cversion and
// pzxid. Sequential znodes get a 10-digit number that grows under their
// parent. Ephemerals belong to a session, cannot have children and vanish
// when it ends. Multi is atomic; a failed one applies nothing and says
// which operation failed (*MultiError, and ErrNotApplied for the others).
// Watches are one-shot channels (one Event, then closed), fired after
// the write that triggers them is durable; they end with
// EventNotWatching when their session expires or the tree closes.
// Errors wrap the sentinels in errors.go (ErrNoNode, ErrNodeExists,
// ErrBadVersion, ...).
//
// # The metadata file (format version 2)
//
// One JSON object, one persistent znode per line, sorted by path; data is
// a JSON string (data_base64 if it is not UTF-8; absent if empty); the
// file's zxid is the last one used. Ephemerals are never written.
//
//	{"version": 2, "zxid": 8589934596, "znodes": {
//	"/": {"czxid":0,"mzxid":0,"pzxid":8589934593,"ctime":0,"mtime":0,"version":0,"cversion":4},
//	"/brokers": {"czxid":4294967297,"mzxid":4294967297,"pzxid":4294967299,"ctime":1700000000000,"mtime":1700000000000,"version":0,"cversion":2},
//	"/brokers/topics/t": {"data":"{\"partitions\":{\"0\":[0]},\"topic_id\":\"ikAub9q6QcW9qUakngNwfQ\",...}","czxid":...},
//	...
//	}}
//
// It is replaced atomically (written to __sluice_metadata.json.tmp,
// fsynced, renamed over, the directory fsynced): a crash leaves the old
// or the new tree. A Multi is one file write. Every open starts a new
// zxid epoch (the high 32 bits), like a ZooKeeper leader election, so
// zxids, and the broker epochs taken from them, grow across restarts. A
// version-1 file (the single-node format before this package) is
// converted on open (see convertV1) and kept as
// __sluice_metadata.json.v1. The names "version", "zxid", "znodes" and
// the per-znode fields must never change incompatibly.
package znode

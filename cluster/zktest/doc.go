// Package zktest runs real ZooKeeper servers for tests: Debian's
// ZooKeeper 3.8 (package zookeeperd, installed by
// scripts/install-test-deps.sh) started as
//
//	java -Xmx256m ... -cp /etc/zookeeper/conf:/usr/share/java/zookeeper.jar \
//	    org.apache.zookeeper.server.quorum.QuorumPeerMain zoo.cfg
//
// with a zoo.cfg of its own (free loopback ports, data and logs in a temp
// dir, forceSync=no, admin.enableServer=false, tickTime 200 ms, session
// timeouts 1-60 s allowed, the srvr/ruok/mntr four-letter words).
//
// One server per test binary, started on first use and stopped when the
// binary's tests end:
//
//	func TestMain(m *testing.M) { os.Exit(zktest.RunMain(m)) }
//
//	func TestX(t *testing.T) {
//		connect := zktest.Shared(t).ConnectString(t) // "127.0.0.1:port/zktest/TestX-1": a fresh chroot
//		...
//	}
//
// StartEnsemble runs a three-node (or n-node) ensemble for one test, whose
// members can be stopped, killed and restarted; StartProxy puts a TCP
// proxy in front of a server that can stop forwarding (a network
// partition between a client and ZooKeeper) and drop connections.
//
// Processes never outlive the test binary: they are started with
// Pdeathsig SIGKILL (from a thread that lives as long as the binary), and
// killed by the cleanups otherwise.
package zktest

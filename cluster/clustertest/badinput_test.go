package clustertest

import (
	"context"
	"fmt"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kgo"
	"github.com/twmb/franz-go/pkg/kmsg"

	"sluice/cluster/internal/znode"
)

// request sends one request to broker b only.
func request(t *testing.T, b *Broker, req kmsg.Request) kmsg.Response {
	t.Helper()
	cl, err := kgo.NewClient(kgo.SeedBrokers(b.Addr))
	if err != nil {
		t.Fatal(err)
	}
	defer cl.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if _, err := cl.Request(ctx, kmsg.NewPtrMetadataRequest()); err != nil { // learn the broker ids
		t.Fatal(err)
	}
	resp, err := cl.Broker(int(b.ID)).Request(ctx, req)
	if err != nil {
		t.Fatal(err)
	}
	return resp
}

// TestClusterBadInput: what a client, an operator's hand edit or a bad
// setting can throw at a cluster gets a clear answer and breaks nothing:
// admin requests on a broker that is not the controller answer
// NOT_CONTROLLER (clients route them to the controller), controller
// requests from a client with stale epochs are refused, a replication
// factor larger than the cluster is refused with Kafka's text, and a
// topic znode written by hand as garbage is skipped while the cluster
// goes on.
func TestClusterBadInput(t *testing.T) {
	c := startCluster(t, 3, nil)
	adm := c.admin()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	_, ctrl, err := brokerView(c.Brokers[0].Addr)
	if err != nil {
		t.Fatal(err)
	}
	var other *Broker
	for _, b := range c.Brokers {
		if b.ID != ctrl {
			other = b
			break
		}
	}

	// CreateTopics sent to a broker that is not the controller.
	ct := kmsg.NewPtrCreateTopicsRequest()
	rt := kmsg.NewCreateTopicsRequestTopic()
	rt.Topic, rt.NumPartitions, rt.ReplicationFactor = "misrouted", 1, 1
	ct.Topics = append(ct.Topics, rt)
	ct.TimeoutMillis = 5000
	if resp := request(t, other, ct).(*kmsg.CreateTopicsResponse); resp.Topics[0].ErrorCode != kerr.NotController.Code {
		t.Errorf("CreateTopics at non-controller %d: error %d, want NOT_CONTROLLER", other.ID, resp.Topics[0].ErrorCode)
	}
	// The same through kadm, which routes it to the controller.
	if _, err := adm.CreateTopic(ctx, 1, 1, nil, "routed"); err != nil {
		t.Fatalf("kadm CreateTopic: %v", err)
	}

	// A replication factor larger than the cluster.
	res, err := adm.CreateTopic(ctx, 1, 4, nil, "too-many")
	if err == nil {
		err = res.Err
	}
	if !strings.Contains(fmt.Sprint(err, res.ErrMessage), "Replication factor: 4 larger than available brokers: 3.") {
		t.Errorf("RF 4 on 3 brokers: %v %q", err, res.ErrMessage)
	}

	// Controller requests from a client with stale epochs.
	li := kmsg.NewPtrLeaderAndISRRequest()
	li.ControllerID, li.ControllerEpoch, li.BrokerEpoch = 0, 0, 0
	if resp := request(t, other, li).(*kmsg.LeaderAndISRResponse); resp.ErrorCode != kerr.StaleControllerEpoch.Code {
		t.Errorf("stale LeaderAndIsr: error %d, want STALE_CONTROLLER_EPOCH", resp.ErrorCode)
	}
	um := kmsg.NewPtrUpdateMetadataRequest()
	if resp := request(t, other, um).(*kmsg.UpdateMetadataResponse); resp.ErrorCode != kerr.StaleControllerEpoch.Code {
		t.Errorf("stale UpdateMetadata: error %d, want STALE_CONTROLLER_EPOCH", resp.ErrorCode)
	}
	sr := kmsg.NewPtrStopReplicaRequest()
	if resp := request(t, other, sr).(*kmsg.StopReplicaResponse); resp.ErrorCode != kerr.StaleControllerEpoch.Code {
		t.Errorf("stale StopReplica: error %d, want STALE_CONTROLLER_EPOCH", resp.ErrorCode)
	}
	cs := kmsg.NewPtrControlledShutdownRequest()
	cs.BrokerID = other.ID
	if resp := request(t, other, cs).(*kmsg.ControlledShutdownResponse); resp.ErrorCode != kerr.NotController.Code {
		t.Errorf("ControlledShutdown at a non-controller: error %d, want NOT_CONTROLLER", resp.ErrorCode)
	}
	if !other.Running() {
		t.Fatal("a broker died of a client's inter-broker requests")
	}

	// Garbage written by hand where a topic's assignment belongs.
	tree := c.zk()
	if _, err := tree.Create(ctx, "/brokers/topics/hand-made", []byte("{not json"), znode.Persistent); err != nil {
		t.Fatal(err)
	}
	if _, err := adm.CreateTopic(ctx, 2, 3, nil, "after-garbage"); err != nil {
		t.Fatal(err)
	}
	c.waitTopic(adm, "after-garbage", 3, 30*time.Second)
	for _, b := range c.Brokers {
		if !b.Running() {
			t.Fatalf("broker %d died after the malformed znode:\n%s", b.ID, tail(b.Output(), 3000))
		}
	}
}

// TestZooKeeperUnreachableAtStart: a broker whose ZooKeeper does not
// answer exits with status 1 and one line once
// zookeeper.connection.timeout.ms has passed.
func TestZooKeeperUnreachableAtStart(t *testing.T) {
	bin := binary(t)
	dead := fmt.Sprintf("127.0.0.1:%d", FreePort())
	cmd := exec.Command(bin, "broker", "--override", "broker.id=0", "--override", "zookeeper.connect="+dead,
		"--override", "zookeeper.connection.timeout.ms=2000", "--override", "log.dirs="+filepath.Join(t.TempDir(), "d"),
		"--override", fmt.Sprintf("listeners=PLAINTEXT://127.0.0.1:%d", FreePort()), "--override", "sluice.metrics.listener=")
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	start := time.Now()
	out, err := cmd.CombinedOutput()
	code := -1
	if ee, ok := err.(*exec.ExitError); ok {
		code = ee.ExitCode()
	}
	if code != 1 {
		t.Fatalf("exit status %d (%v), want 1:\n%s", code, err, out)
	}
	last := strings.TrimSpace(string(out))
	if i := strings.LastIndexByte(last, '\n'); i >= 0 {
		last = last[i+1:]
	}
	if !strings.Contains(last, dead) || !strings.Contains(last, "ZooKeeper") {
		t.Errorf("last line %q does not say which ZooKeeper could not be reached", last)
	}
	if took := time.Since(start); took < 2*time.Second {
		t.Errorf("gave up after %v, before zookeeper.connection.timeout.ms", took)
	}
}

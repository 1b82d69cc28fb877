package cluster

import (
	"context"
	"fmt"
	"net"
	"strconv"
	"sync"

	"github.com/twmb/franz-go/pkg/kmsg"

	"sluice/cluster/internal/peer"
	rsm "sluice/cluster/internal/replica"
	"sluice/engine"
)

// controllerClient sends this broker's requests to the controller
// (Kafka's BrokerToControllerChannelManager): AlterPartition from the
// leaders' ISR changes and ControlledShutdown before stopping. The
// controller is the one the metadata cache names, else /controller; a
// request to this broker's own controller is handed over in-process.
type controllerClient struct {
	z *clusterState

	mu   sync.Mutex
	conn *peer.Conn
	to   int32 // the controller conn is connected to
}

func newControllerClient(z *clusterState) *controllerClient { return &controllerClient{z: z, to: -1} }

func (c *controllerClient) close() {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.conn != nil {
		c.conn.Close()
		c.conn = nil
	}
}

// controller finds the controller's id and inter-broker address.
func (c *controllerClient) controller(ctx context.Context) (int32, string, error) {
	z := c.z
	id := z.cache.snap.Load().controllerID
	if id < 0 {
		cid, ok, err := z.store.Controller(ctx)
		if err != nil {
			return -1, "", err
		}
		if !ok {
			return -1, "", fmt.Errorf("no controller")
		}
		id = cid
	}
	if id == z.n.cfg.NodeID {
		return id, "", nil
	}
	if b, ok := z.cache.snap.Load().brokers[id]; ok {
		if e, ok := endpoint(b, z.listener); ok {
			return id, net.JoinHostPort(e.Host, strconv.Itoa(int(e.Port))), nil
		}
	}
	b, ok, err := z.store.Broker(ctx, id)
	if err != nil {
		return -1, "", err
	}
	if !ok {
		return -1, "", fmt.Errorf("controller %d is not registered", id)
	}
	for _, e := range b.Info.Endpoints {
		if e.Listener == z.listener {
			return id, net.JoinHostPort(e.Host, strconv.Itoa(int(e.Port))), nil
		}
	}
	return -1, "", fmt.Errorf("controller %d has no %s listener", id, z.listener)
}

// roundTrip sends req to the controller; local is the in-process answer
// when this broker is the controller.
func (c *controllerClient) roundTrip(ctx context.Context, req kmsg.Request, local func() kmsg.Response) (kmsg.Response, error) {
	id, addr, err := c.controller(ctx)
	if err != nil {
		return nil, err
	}
	if addr == "" {
		return local(), nil
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.conn != nil && c.to != id {
		c.conn.Close()
		c.conn = nil
	}
	if c.conn == nil {
		conn, err := peer.Dial(ctx, addr, peer.Options{ClientID: "broker-" + strconv.Itoa(int(c.z.n.cfg.NodeID)) + "-to-controller"})
		if err != nil {
			return nil, err
		}
		c.conn, c.to = conn, id
	}
	resp, err := c.conn.Request(ctx, req)
	if err != nil {
		c.conn.Close()
		c.conn = nil
	}
	return resp, err
}

// alterPartition sends the leaders' proposed ISRs (alterSender's send).
func (c *controllerClient) alterPartition(ctx context.Context, items []alterItem) (map[engine.TopicPartition]alterResult, error) {
	z := c.z
	req := kmsg.NewPtrAlterPartitionRequest()
	req.BrokerID, req.BrokerEpoch = z.n.cfg.NodeID, z.rm.brokerEpoch.Load()
	idx := map[string]int{}
	for _, it := range items {
		i := topicSlot(&req.Topics, idx, it.r.tp.Topic, func() kmsg.AlterPartitionRequestTopic {
			t := kmsg.NewAlterPartitionRequestTopic()
			t.Topic, t.TopicID = it.r.tp.Topic, it.r.topicID
			return t
		})
		p := kmsg.NewAlterPartitionRequestTopicPartition()
		p.Partition, p.LeaderEpoch, p.PartitionEpoch, p.NewISR = it.r.tp.Partition, it.a.LeaderEpoch, it.a.PartitionEpoch, it.a.ISR
		for _, b := range it.a.ISR {
			e := kmsg.NewAlterPartitionRequestTopicPartitionNewEpochISR()
			e.BrokerID, e.BrokerEpoch = b, -1
			p.NewEpochISR = append(p.NewEpochISR, e)
		}
		req.Topics[i].Partitions = append(req.Topics[i].Partitions, p)
	}
	raw, err := c.roundTrip(ctx, req, func() kmsg.Response { return z.n.alterPartition(ctx, req) })
	if err != nil {
		return nil, err
	}
	resp := raw.(*kmsg.AlterPartitionResponse)
	out := map[engine.TopicPartition]alterResult{}
	if resp.ErrorCode != 0 {
		for _, it := range items {
			out[it.r.tp] = alterResult{Err: rsm.Code(resp.ErrorCode)}
		}
		return out, nil
	}
	names := map[[16]byte]string{}
	for _, it := range items {
		names[it.r.topicID] = it.r.tp.Topic
	}
	for _, t := range resp.Topics {
		name := t.Topic
		if name == "" {
			name = names[t.TopidID]
		}
		for _, p := range t.Partitions {
			out[engine.TopicPartition{Topic: name, Partition: p.Partition}] = alterResult{Err: rsm.Code(p.ErrorCode),
				LeaderEpoch: p.LeaderEpoch, PartitionEpoch: p.PartitionEpoch, ISR: p.ISR}
		}
	}
	return out, nil
}

// controlledShutdown asks the controller to move leadership away from
// this broker; it returns how many partitions it still leads.
func (c *controllerClient) controlledShutdown(ctx context.Context, epoch int64) (int, error) {
	z := c.z
	req := kmsg.NewPtrControlledShutdownRequest()
	req.BrokerID, req.BrokerEpoch = z.n.cfg.NodeID, epoch
	raw, err := c.roundTrip(ctx, req, func() kmsg.Response { return z.n.controlledShutdown(ctx, req) })
	if err != nil {
		return -1, err
	}
	resp := raw.(*kmsg.ControlledShutdownResponse)
	if resp.ErrorCode != 0 {
		return -1, fmt.Errorf("controlled shutdown answered error %d", resp.ErrorCode)
	}
	return len(resp.PartitionsRemaining), nil
}

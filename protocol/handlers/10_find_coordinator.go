package handlers

// FindCoordinator v0-5 (key 10). Group keys: the leader of the group's
// __consumer_offsets partition as the metadata knows it, as Kafka's
// KafkaApis.getCoordinator answers; COORDINATOR_NOT_AVAILABLE while that
// partition has no leader or the leader is not a live broker. When
// __consumer_offsets does not exist the coordinator's loader creates it
// with the offsets.topic.* settings, as Kafka's auto-creation does, and
// the answer waits a little (up to 2 s) for the partition's leader rather
// than answering COORDINATOR_NOT_AVAILABLE at once. It never waits on a load
// (protocol/coordinator/groups_load.go): requests for a group still
// loading get COORDINATOR_LOAD_IN_PROGRESS from the coordinator, and
// requests reaching a broker that does not lead the group's partition get
// NOT_COORDINATOR. Differences from Kafka:
// transaction keys answer TRANSACTIONAL_ID_AUTHORIZATION_FAILED (no
// transaction coordinator, see 22_init_producer_id.go); v6 (share groups,
// Kafka 4) is not served.

import (
	"github.com/twmb/franz-go/pkg/kmsg"
)

func handleFindCoordinator(env *Env, c *Call) Reply {
	req := c.Req.(*kmsg.FindCoordinatorRequest)
	resp := c.NewResponse().(*kmsg.FindCoordinatorResponse)
	one := func(key string) kmsg.FindCoordinatorResponseCoordinator {
		co := kmsg.NewFindCoordinatorResponseCoordinator()
		co.Key, co.NodeID = key, -1
		b, ke := env.Groups.CoordinatorFor(req.CoordinatorType, key)
		if ke != nil {
			co.ErrorCode = ke.Code
			msg := ke.Message
			co.ErrorMessage = &msg
			return co
		}
		co.NodeID, co.Host, co.Port = b.NodeID, b.Host, b.Port
		return co
	}
	if c.Version >= 4 {
		for _, k := range req.CoordinatorKeys {
			resp.Coordinators = append(resp.Coordinators, one(k))
		}
		return Reply{Resp: resp}
	}
	co := one(req.CoordinatorKey)
	resp.ErrorCode, resp.ErrorMessage = co.ErrorCode, co.ErrorMessage
	resp.NodeID, resp.Host, resp.Port = co.NodeID, co.Host, co.Port
	return Reply{Resp: resp}
}

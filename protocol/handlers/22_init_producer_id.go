package handlers

// InitProducerId v0-4 (key 22). An idempotent producer (null transactional
// id) always gets a new producer id with epoch 0, as Kafka's transaction
// coordinator answers one (it ignores the producer id and epoch v3+
// clients send for an idempotent producer).
//
// Differences from Kafka: no transactions. A transactional id answers
// TRANSACTIONAL_ID_AUTHORIZATION_FAILED (not retriable, so the client
// fails fast rather than looping); an empty one INVALID_REQUEST as Kafka.

import (
	"github.com/twmb/franz-go/pkg/kmsg"

	"sluice/protocol/kerr"
)

func handleInitProducerID(env *Env, c *Call) Reply {
	req := c.Req.(*kmsg.InitProducerIDRequest)
	resp := c.NewResponse().(*kmsg.InitProducerIDResponse)
	resp.ProducerID, resp.ProducerEpoch = -1, -1
	switch {
	case req.TransactionalID != nil && *req.TransactionalID == "":
		resp.ErrorCode = kerr.InvalidRequest.Code
	case req.TransactionalID != nil:
		resp.ErrorCode = kerr.TransactionalIDAuthFailed.Code
	default:
		id, err := env.Node.AllocateProducerID()
		if err != nil {
			env.Logger.Warn("allocating a producer id", "err", err)
			resp.ErrorCode = kerr.CoordinatorNotAvailable.Code
			break
		}
		resp.ProducerID, resp.ProducerEpoch = id, 0
	}
	return Reply{Resp: resp}
}

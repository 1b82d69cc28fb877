package handlers

// DescribeCluster v0-1 (key 60): cluster id, controller, brokers. Asking a
// broker for controller endpoints (v1 endpoint_type 2) answers
// MISMATCHED_ENDPOINT_TYPE, as a Kafka broker does. Authorized operations
// are not computed (no authorizer): the "not requested" value.

import (
	"github.com/twmb/franz-go/pkg/kmsg"

	"sluice/protocol/kerr"
)

func handleDescribeCluster(env *Env, c *Call) Reply {
	req := c.Req.(*kmsg.DescribeClusterRequest)
	resp := c.NewResponse().(*kmsg.DescribeClusterResponse)
	resp.EndpointType = 1
	if c.Version >= 1 && req.EndpointType != 1 {
		resp.ErrorCode = kerr.MismatchedEndpointType.Code
		msg := "The request was sent to an endpoint of type BROKER, but we wanted an endpoint of type CONTROLLER"
		resp.ErrorMessage = &msg
		return Reply{Resp: resp}
	}
	resp.ClusterID = env.Node.ClusterID()
	resp.ControllerID = env.Node.ControllerID()
	for _, b := range env.Node.Brokers() {
		rb := kmsg.NewDescribeClusterResponseBroker()
		rb.NodeID, rb.Host, rb.Port = b.NodeID, b.Host, b.Port
		if b.Rack != "" {
			rack := b.Rack
			rb.Rack = &rack
		}
		resp.Brokers = append(resp.Brokers, rb)
	}
	return Reply{Resp: resp}
}

package handlers

// DescribeCluster v0-1 (key 60), as Kafka's AuthHelper.
// computeDescribeClusterResponse on a broker listener: cluster id,
// controller id, the live brokers. v1's endpoint_type must be BROKER (1):
// CONTROLLER (2) answers MISMATCHED_ENDPOINT_TYPE, an unknown type
// UNSUPPORTED_ENDPOINT_TYPE (both INVALID_REQUEST at v0, where the field
// does not exist and is always BROKER). cluster_authorized_operations is
// -2147483648 unless asked; when asked, every cluster operation Kafka
// supports (no authorizer: everything is allowed).

import (
	"fmt"

	"github.com/twmb/franz-go/pkg/kmsg"

	"sluice/protocol/kerr"
)

// clusterAuthorizedOps: CREATE, ALTER, DESCRIBE, CLUSTER_ACTION,
// DESCRIBE_CONFIGS, ALTER_CONFIGS, IDEMPOTENT_WRITE (AclOperation codes 5,
// 7-12; AclEntry.supportedOperations(CLUSTER)).
const clusterAuthorizedOps = 1<<5 | 1<<7 | 1<<8 | 1<<9 | 1<<10 | 1<<11 | 1<<12

// Endpoint types (DescribeCluster v1).
const (
	endpointBroker     = 1
	endpointController = 2
)

func handleDescribeCluster(env *Env, c *Call) Reply {
	req := c.Req.(*kmsg.DescribeClusterRequest)
	resp := c.NewResponse().(*kmsg.DescribeClusterResponse)
	resp.EndpointType = endpointBroker
	if req.EndpointType != endpointBroker {
		code, msg := kerr.MismatchedEndpointType, "The request was sent to an endpoint of type BROKER, but we wanted an endpoint of type CONTROLLER"
		if req.EndpointType != endpointController {
			code, msg = kerr.UnsupportedEndpointType, fmt.Sprintf("Unsupported endpoint type %d", req.EndpointType)
		}
		if c.Version == 0 {
			code = kerr.InvalidRequest
		}
		resp.ErrorCode, resp.ErrorMessage = code.Code, kmsg.StringPtr(msg)
		return Reply{Resp: resp}
	}
	resp.ClusterID = env.Node.ClusterID()
	resp.ControllerID = env.Node.ControllerID()
	if req.IncludeClusterAuthorizedOperations {
		resp.ClusterAuthorizedOperations = clusterAuthorizedOps
	}
	brokers := env.Node.Brokers()
	resp.Brokers = make([]kmsg.DescribeClusterResponseBroker, 0, len(brokers))
	for _, b := range brokers {
		rb := kmsg.NewDescribeClusterResponseBroker()
		rb.NodeID, rb.Host, rb.Port = b.NodeID, b.Host, b.Port
		if b.Rack != "" {
			rb.Rack = kmsg.StringPtr(b.Rack)
		}
		resp.Brokers = append(resp.Brokers, rb)
	}
	return Reply{Resp: resp}
}

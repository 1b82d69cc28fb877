package handlers

// ApiVersions v0-4 (key 18). Advertises exactly the handler table. A
// version above 4 is answered by the server with a v0 response carrying
// UNSUPPORTED_VERSION and the list (KIP-511), see UnsupportedApiVersions.
// No features are advertised (Sluice has no finalized features; Kafka 3.9
// advertises metadata.version).

import (
	"github.com/twmb/franz-go/pkg/kmsg"

	"sluice/protocol/kerr"
)

func handleApiVersions(env *Env, c *Call) Reply {
	resp := c.NewResponse().(*kmsg.ApiVersionsResponse)
	fillApiKeys(env, resp)
	return Reply{Resp: resp}
}

func fillApiKeys(env *Env, resp *kmsg.ApiVersionsResponse) {
	resp.ApiKeys = make([]kmsg.ApiVersionsResponseApiKey, 0, len(env.APIs))
	for _, a := range env.APIs {
		resp.ApiKeys = append(resp.ApiKeys, kmsg.ApiVersionsResponseApiKey{
			ApiKey: a.Key, MinVersion: a.MinVersion, MaxVersion: a.MaxVersion,
		})
	}
}

// UnsupportedApiVersions is the KIP-511 answer to an ApiVersions request at
// a version the broker does not know: a v0 response with
// UNSUPPORTED_VERSION and the supported ranges, so the client can retry
// with a version both sides speak.
func UnsupportedApiVersions(env *Env) kmsg.Response {
	resp := kmsg.NewPtrApiVersionsResponse()
	resp.SetVersion(0)
	resp.ErrorCode = kerr.UnsupportedVersion.Code
	fillApiKeys(env, resp)
	return resp
}

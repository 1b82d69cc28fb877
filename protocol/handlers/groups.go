package handlers

// The group APIs are served by the group coordinator hosted in package
// protocol/coordinator (Env.Groups): route hands it a request and parks
// until it answers, holding no worker.

import "time"

// groupWaitLimit bounds how long a group request may stay parked (a
// JoinGroup waits up to the rebalance timeout, by default 5 minutes).
const groupWaitLimit = 30 * time.Minute

// route submits c to the group coordinator and parks until it answers;
// the connection is closed if the coordinator is closed or does not answer.
func route(env *Env, c *Call) Reply {
	w, ok := env.Groups.Submit(c.ClientID, c.Remote, c.Req)
	if !ok {
		return Reply{Close: true}
	}
	return Reply{Park: &Park{
		Wake:     []<-chan struct{}{w.Done()},
		Deadline: time.Now().Add(groupWaitLimit),
		Resume: func(bool) Reply {
			if resp, ok := w.Answer(); ok {
				return Reply{Resp: resp}
			}
			return Reply{Close: true} // connection closed, shutdown or no answer in time
		},
	}}
}

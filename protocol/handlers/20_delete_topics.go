package handlers

// DeleteTopics v0-6 (key 20): by name, or by topic id from v6
// (UNKNOWN_TOPIC_ID). delete.topic.enable=false answers
// TOPIC_DELETION_DISABLED from v3 and INVALID_REQUEST below, as Kafka.
// The group coordinator is told, so that the topic's committed offsets go.

import (
	"errors"

	"github.com/twmb/franz-go/pkg/kmsg"

	"sluice/cluster"
	"sluice/protocol/kerr"
)

func handleDeleteTopics(env *Env, c *Call) Reply {
	req := c.Req.(*kmsg.DeleteTopicsRequest)
	resp := c.NewResponse().(*kmsg.DeleteTopicsResponse)
	type target struct {
		name *string
		id   [16]byte
	}
	var targets []target
	if c.Version >= 6 {
		for _, t := range req.Topics {
			targets = append(targets, target{t.Topic, t.TopicID})
		}
	} else {
		for _, name := range req.TopicNames {
			targets = append(targets, target{name: kmsg.StringPtr(name)})
		}
	}
	var deleted []string
	for _, t := range targets {
		rt := kmsg.NewDeleteTopicsResponseTopic()
		rt.Topic, rt.TopicID = t.name, t.id
		name := ""
		if t.name != nil {
			name = *t.name
			if info, ok := env.Node.Topic(name); ok {
				rt.TopicID = info.ID
			}
		} else if info, ok := env.Node.TopicByID(t.id); ok {
			name = info.Name
			rt.Topic = kmsg.StringPtr(name)
		} else {
			rt.ErrorCode = kerr.UnknownTopicID.Code
			resp.Topics = append(resp.Topics, rt)
			continue
		}
		err := env.Node.DeleteTopic(name)
		if errors.Is(err, cluster.ErrTopicDeletionDisabled) && c.Version < 3 {
			err = kerr.InvalidRequest
		}
		if err != nil {
			rt.ErrorCode, rt.ErrorMessage = errorFields(err)
			if c.Version < 5 {
				rt.ErrorMessage = nil
			}
		} else {
			deleted = append(deleted, name)
		}
		resp.Topics = append(resp.Topics, rt)
	}
	if len(deleted) > 0 && env.Groups != nil {
		env.Groups.TopicsDeleted(deleted)
	}
	return Reply{Resp: resp}
}

package handlers

// DeleteTopics v0-6 (key 20): by name, or from v6 by name or topic id
// (both in one entry: INVALID_REQUEST for the whole request, as Kafka;
// an unknown id UNKNOWN_TOPIC_ID with a null name; an unknown name
// UNKNOWN_TOPIC_OR_PARTITION). delete.topic.enable=false answers every
// topic TOPIC_DELETION_DISABLED from v3 and INVALID_REQUEST below, as
// Kafka. Internal topics cannot be deleted (UNKNOWN_SERVER_ERROR, Kafka's
// AdminOperationException). A timeout <= 0 deletes and answers
// REQUEST_TIMED_OUT (see admin.go). The group coordinator is told, so the
// deleted topics' committed offsets go (tombstones in __consumer_offsets).
//
// Differences from Kafka: a name or id given twice answers INVALID_REQUEST
// "Duplicate topic name." / "Duplicate topic id." (KRaft's answer); the
// response carries the topic id also for deletions by name (KRaft does).

import (
	"errors"

	"github.com/twmb/franz-go/pkg/kmsg"

	"sluice/cluster"
	"sluice/protocol/kerr"
)

func handleDeleteTopics(env *Env, c *Call) Reply {
	req := c.Req.(*kmsg.DeleteTopicsRequest)
	resp := c.NewResponse().(*kmsg.DeleteTopicsResponse)
	targets := req.Topics
	if c.Version < 6 {
		targets = make([]kmsg.DeleteTopicsRequestTopic, len(req.TopicNames))
		for i, name := range req.TopicNames {
			targets[i].Topic = kmsg.StringPtr(name)
		}
	}
	resp.Topics = make([]kmsg.DeleteTopicsResponseTopic, len(targets))
	for i, t := range targets {
		resp.Topics[i] = kmsg.NewDeleteTopicsResponseTopic()
		resp.Topics[i].Topic, resp.Topics[i].TopicID = t.Topic, t.TopicID
	}
	// Request-wide refusals.
	var all error
	for _, t := range targets {
		if t.Topic != nil && t.TopicID != ([16]byte{}) {
			all = adminErrorf(kerr.InvalidRequest, "Topic name and topic ID can not both be specified.")
		}
	}
	if all == nil && !env.Node.Config().DeleteTopicEnable {
		all = kerr.TopicDeletionDisabled
		if c.Version < 3 {
			all = adminErrorf(kerr.InvalidRequest, "Topic deletion is disabled.")
		}
	}
	if all != nil {
		for i := range resp.Topics {
			setDeleteTopicError(&resp.Topics[i], c.Version, all)
		}
		return Reply{Resp: resp}
	}
	names, ids := map[string]int{}, map[[16]byte]int{}
	for _, t := range targets {
		if t.Topic != nil {
			names[*t.Topic]++
		} else {
			ids[t.TopicID]++
		}
	}
	var deleted []string
	for i, t := range targets {
		rt := &resp.Topics[i]
		err := deleteTopic(env, t, names, ids, rt)
		if err == nil {
			deleted = append(deleted, *rt.Topic)
			if adminTimedOut(req.TimeoutMillis, false) {
				err = kerr.RequestTimedOut
			}
		}
		setDeleteTopicError(rt, c.Version, err)
	}
	if len(deleted) > 0 && env.Groups != nil {
		env.Groups.TopicsDeleted(deleted)
	}
	return Reply{Resp: resp}
}

// deleteTopic resolves one entry (filling rt's name and id) and deletes
// the topic.
func deleteTopic(env *Env, t kmsg.DeleteTopicsRequestTopic, names map[string]int, ids map[[16]byte]int, rt *kmsg.DeleteTopicsResponseTopic) error {
	var info cluster.TopicInfo
	var ok bool
	if t.Topic != nil {
		if names[*t.Topic] > 1 {
			return adminErrorf(kerr.InvalidRequest, "Duplicate topic name.")
		}
		if info, ok = env.Node.Topic(*t.Topic); !ok {
			return kerr.UnknownTopicOrPartition
		}
	} else {
		if ids[t.TopicID] > 1 {
			return adminErrorf(kerr.InvalidRequest, "Duplicate topic id.")
		}
		if info, ok = env.Node.TopicByID(t.TopicID); !ok {
			return kerr.UnknownTopicID
		}
	}
	rt.Topic, rt.TopicID = kmsg.StringPtr(info.Name), info.ID
	err := env.Node.DeleteTopic(info.Name)
	if errors.Is(err, cluster.ErrUnknownTopicOrPartition) {
		return kerr.UnknownTopicOrPartition // deleted concurrently
	}
	return err
}

// setDeleteTopicError sets rt's error; error_message exists from v5.
func setDeleteTopicError(rt *kmsg.DeleteTopicsResponseTopic, version int16, err error) {
	rt.ErrorCode, rt.ErrorMessage = errCodeMessage(err)
	if version < 5 {
		rt.ErrorMessage = nil
	}
}

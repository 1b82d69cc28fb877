package handlers

// Pieces shared by the admin APIs (CreateTopics, DeleteTopics,
// DeleteRecords, DescribeConfigs, AlterConfigs, DescribeLogDirs,
// CreatePartitions, IncrementalAlterConfigs, DescribeCluster).
//
// Timeouts: Kafka (ZooKeeper mode) makes a topic change and then waits up
// to the request's timeout for every broker to see it; with a timeout of
// zero or less it does not wait and answers REQUEST_TIMED_OUT for each
// topic that was changed (the change stands). A single Sluice node has
// nothing to wait for, so only the zero-timeout answer is reproduced
// (adminTimedOut).

import (
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/twmb/franz-go/pkg/kmsg"

	"sluice/protocol/kerr"
)

// adminError is a Kafka error code with the message sent in the
// response's error_message.
type adminError struct {
	code *kerr.Error
	msg  string
}

func (e *adminError) Error() string        { return e.code.Name + ": " + e.msg }
func (e *adminError) Unwrap() error        { return e.code }
func (e *adminError) KafkaMessage() string { return e.msg }

// adminErrorf returns an error answering code with a formatted message.
func adminErrorf(code *kerr.Error, format string, args ...any) error {
	return &adminError{code: code, msg: fmt.Sprintf(format, args...)}
}

// errCodeMessage returns the error code and error_message for err: 0 and
// null for nil; for a bare *kerr.Error null (Kafka sends no text for
// errors it sets by code alone); otherwise the Kafka message the error
// carries, else its text.
func errCodeMessage(err error) (int16, *string) {
	if err == nil {
		return 0, nil
	}
	code := kerr.Code(err)
	var km interface{ KafkaMessage() string }
	if errors.As(err, &km) {
		return code, kmsg.StringPtr(km.KafkaMessage())
	}
	var ke *kerr.Error
	if errors.As(err, &ke) {
		return code, nil
	}
	return code, kmsg.StringPtr(kerr.Message(err))
}

// adminTimedOut reports whether a successful topic change is answered
// REQUEST_TIMED_OUT: timeout <= 0 and not validate-only (see above).
func adminTimedOut(timeoutMillis int32, validateOnly bool) bool {
	return timeoutMillis <= 0 && !validateOnly
}

// resourceTypeName is ConfigResource.Type's name for a resource type code.
func resourceTypeName(t kmsg.ConfigResourceType) string {
	switch t {
	case kmsg.ConfigResourceTypeTopic:
		return "TOPIC"
	case kmsg.ConfigResourceTypeBroker:
		return "BROKER"
	case kmsg.ConfigResourceTypeBrokerLogger:
		return "BROKER_LOGGER"
	case kmsg.ConfigResourceTypeClientMetrics:
		return "CLIENT_METRICS"
	case kmsg.ConfigResourceTypeGroupConfig:
		return "GROUP"
	}
	return "UNKNOWN"
}

// checkBrokerResource checks a BROKER resource name for a config change:
// "" (the cluster-wide default) or this node's id, with the messages of
// Kafka's ConfigAdminManager.
func checkBrokerResource(env *Env, name string) error {
	if name == "" {
		return nil
	}
	id, err := strconv.ParseInt(name, 10, 32)
	if err != nil {
		return adminErrorf(kerr.InvalidRequest, "Node id must be an integer, but it is: %s", name)
	}
	if int32(id) != env.Node.NodeID() {
		return adminErrorf(kerr.InvalidRequest, "Unexpected broker id, expected %d, but received %s", env.Node.NodeID(), name)
	}
	return nil
}

// duplicateResources marks the resources that appear more than once
// (same type and name): Kafka answers each of them INVALID_REQUEST.
func duplicateResources(n int, key func(i int) (kmsg.ConfigResourceType, string)) []bool {
	type k struct {
		t    kmsg.ConfigResourceType
		name string
	}
	first := map[k]int{}
	dup := make([]bool, n)
	for i := range n {
		t, name := key(i)
		if j, ok := first[k{t, name}]; ok {
			dup[i], dup[j] = true, true
			continue
		}
		first[k{t, name}] = i
	}
	return dup
}

// errDuplicateResource is Kafka's answer for a resource named twice.
var errDuplicateResource = adminErrorf(kerr.InvalidRequest, "Each resource must appear at most once.")

// nullValues is Kafka's INVALID_REQUEST for config updates without a value.
func nullValues(names []string) error {
	if len(names) == 0 {
		return nil
	}
	return adminErrorf(kerr.InvalidRequest, "Null value not supported for : %s", strings.Join(names, ", "))
}

// duplicateKeys is Kafka's INVALID_REQUEST for a config named twice in one
// resource.
func duplicateKeys(names []string) error {
	seen := make(map[string]bool, len(names))
	for _, n := range names {
		if seen[n] {
			return adminErrorf(kerr.InvalidRequest, "Error due to duplicate config keys")
		}
		seen[n] = true
	}
	return nil
}

// entryValue is a config value as sent: null when there is none or it is
// sensitive.
func entryValue(v string, null, sensitive bool) *string {
	if null || sensitive {
		return nil
	}
	return kmsg.StringPtr(v)
}

package cluster

import "strings"

// Kafka's internal topic names (org.apache.kafka.common.internals.Topic).
const (
	// ConsumerOffsetsTopic holds committed offsets and group metadata.
	ConsumerOffsetsTopic = "__consumer_offsets"
	// TransactionStateTopic holds the transaction coordinator's log.
	TransactionStateTopic = "__transaction_state"
	// MaxTopicNameLength is Kafka's limit on a topic name (249, so that the
	// partition directory name "<topic>-<partition>" fits in 255 bytes).
	MaxTopicNameLength = 249
)

// IsInternalTopic reports whether name is one of Kafka's internal topics,
// which clients may not produce to.
func IsInternalTopic(name string) bool {
	return name == ConsumerOffsetsTopic || name == TransactionStateTopic
}

// ValidateTopicName applies Kafka's rules (Topic.validate): not empty, not
// "." or "..", at most 249 characters, only ASCII alphanumerics, '.', '_'
// and '-'. The error wraps ErrInvalidTopic and carries Kafka's message.
func ValidateTopicName(name string) error {
	const prefix = "Topic name"
	switch {
	case name == "":
		return errorf(ErrInvalidTopic, "%s is illegal, it can't be empty", prefix)
	case name == "." || name == "..":
		return errorf(ErrInvalidTopic, "%s cannot be \".\" or \"..\"", prefix)
	case len(name) > MaxTopicNameLength:
		return errorf(ErrInvalidTopic, "%s is illegal, it can't be longer than %d characters, %s: %s",
			prefix, MaxTopicNameLength, prefix, name)
	}
	for i := 0; i < len(name); i++ {
		if !legalTopicChar(name[i]) {
			return errorf(ErrInvalidTopic,
				"%s \"%s\" is illegal, it contains a character other than ASCII alphanumerics, '.', '_' and '-'",
				prefix, name)
		}
	}
	return nil
}

func legalTopicChar(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' ||
		c == '.' || c == '_' || c == '-'
}

// hasCollisionChars reports whether name contains '.' or '_', the two
// characters Kafka's metric names cannot tell apart.
func hasCollisionChars(name string) bool {
	return strings.ContainsAny(name, "._")
}

// unifyCollisionChars maps '.' to '_' (Topic.unifyCollisionChars).
func unifyCollisionChars(name string) string {
	return strings.ReplaceAll(name, ".", "_")
}

// TopicNamesCollide reports whether a and b are equal once '.' is replaced
// by '_' (Topic.hasCollision). Equal names collide too.
func TopicNamesCollide(a, b string) bool {
	return unifyCollisionChars(a) == unifyCollisionChars(b)
}

// checkCollision returns an ErrInvalidTopic error with Kafka's message
// (AdminZkClient.validateTopicCreate) when name collides with one of
// existing (which must not contain name itself).
func checkCollision(name string, existing []string) error {
	if !hasCollisionChars(name) {
		return nil
	}
	var colliding []string
	for _, e := range existing {
		if e != name && TopicNamesCollide(name, e) {
			colliding = append(colliding, e)
		}
	}
	if len(colliding) == 0 {
		return nil
	}
	return errorf(ErrInvalidTopic, "Topic '%s' collides with existing topics: %s", name, strings.Join(colliding, ", "))
}

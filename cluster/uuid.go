package cluster

import (
	"crypto/rand"
	"encoding/base64"
	"fmt"
)

// Kafka prints a Uuid (topic ids, cluster ids) as 22 characters of
// unpadded base64url.

// NewUUID returns a random version-4 UUID the way Kafka's Uuid.randomUuid
// does: never the zero (or the reserved metadata-topic) id, and never one
// whose string form starts with '-' (it would read as a command-line flag).
func NewUUID() [16]byte {
	for {
		var u [16]byte
		if _, err := rand.Read(u[:]); err != nil {
			panic("cluster: crypto/rand failed: " + err.Error()) // crypto/rand never fails on Linux
		}
		u[6] = u[6]&0x0f | 0x40 // version 4
		u[8] = u[8]&0x3f | 0x80 // IETF variant
		if u == ([16]byte{}) || u == metadataTopicID {
			continue
		}
		if s := UUIDString(u); s[0] == '-' {
			continue
		}
		return u
	}
}

// metadataTopicID is Kafka's reserved Uuid.METADATA_TOPIC_ID (0...01).
var metadataTopicID = [16]byte{15: 1}

// UUIDString formats u as Kafka does.
func UUIDString(u [16]byte) string { return base64.RawURLEncoding.EncodeToString(u[:]) }

// ParseUUID parses Kafka's string form.
func ParseUUID(s string) ([16]byte, error) {
	var u [16]byte
	b, err := base64.RawURLEncoding.DecodeString(s)
	if err != nil || len(b) != 16 {
		return u, fmt.Errorf("cluster: bad uuid %q", s)
	}
	copy(u[:], b)
	return u, nil
}

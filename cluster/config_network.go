package cluster

import (
	"strconv"
	"strings"
)

// DefaultQueuedMaxRequestBytes is Sluice's default for
// queued.max.request.bytes (Kafka's is -1, no bound): 128 MiB, raised to
// socket.request.max.bytes when that is larger, so that the largest
// request always fits.
const DefaultQueuedMaxRequestBytes = 128 << 20

// NetworkLimits bound what clients can make the network layer hold: open
// connections and queued request bytes.
type NetworkLimits struct {
	// QueuedMaxRequestBytes is queued.max.request.bytes: request bytes
	// held by all data-plane listeners together; <= 0 means no bound.
	QueuedMaxRequestBytes int64
	// MaxConnections is max.connections as configured (the network layer
	// lowers it to what the open-files limit allows).
	MaxConnections int
	// MaxConnectionsPerIP is max.connections.per.ip; 0 admits only the
	// addresses in MaxConnectionsPerIPOverrides.
	MaxConnectionsPerIP int
	// MaxConnectionsPerIPOverrides is max.connections.per.ip.overrides:
	// host name or IP -> bound.
	MaxConnectionsPerIPOverrides map[string]int
}

// parseNetworkLimits reads the connection and queue bounds, with Kafka's
// cross-checks (KafkaConfig.validateValues).
func parseNetworkLimits(r resolver, socketRequestMaxBytes int32) (NetworkLimits, error) {
	var l NetworkLimits
	if v, ok := r.optional("queued.max.request.bytes"); ok {
		n, _ := strconv.ParseInt(v, 10, 64) // validated by the table
		if n > 0 && n < int64(socketRequestMaxBytes) {
			return l, badValue("queued.max.request.bytes", v, "queued.max.request.bytes must be larger or equal to socket.request.max.bytes")
		}
		l.QueuedMaxRequestBytes = n
	} else {
		l.QueuedMaxRequestBytes = max(DefaultQueuedMaxRequestBytes, int64(socketRequestMaxBytes))
	}
	l.MaxConnections = int(r.i64("max.connections"))
	l.MaxConnectionsPerIP = int(r.i64("max.connections.per.ip"))
	overrides := r.str("max.connections.per.ip.overrides")
	var err error
	if l.MaxConnectionsPerIPOverrides, err = parseConnOverrides(overrides); err != nil {
		return l, badValue("max.connections.per.ip.overrides", overrides, err.Error())
	}
	if l.MaxConnectionsPerIP == 0 && len(l.MaxConnectionsPerIPOverrides) == 0 {
		return l, badValue("max.connections.per.ip", "0",
			"max.connections.per.ip can be set to zero only if max.connections.per.ip.overrides property is set.")
	}
	return l, nil
}

// parseConnOverrides parses Kafka's "host:n,ip:n" (the count follows the
// last colon, so IPv6 addresses need no brackets).
func parseConnOverrides(s string) (map[string]int, error) {
	out := map[string]int{}
	for _, e := range splitList(s) {
		i := strings.LastIndex(e, ":")
		if i <= 0 {
			return nil, reasonf("entry %q is not host:count", e)
		}
		host := strings.TrimSpace(e[:i])
		n, err := strconv.Atoi(strings.TrimSpace(e[i+1:]))
		if err != nil || n < 0 {
			return nil, reasonf("entry %q: the count must be an integer >= 0", e)
		}
		out[strings.Trim(host, "[]")] = n
	}
	return out, nil
}

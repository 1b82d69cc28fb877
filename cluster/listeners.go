package cluster

import (
	"fmt"
	"net"
	"strconv"
	"strings"
)

// Listener is one entry of listeners / advertised.listeners.
type Listener struct {
	Name string // listener name, e.g. PLAINTEXT
	Host string // "" binds all interfaces (advertises the host name)
	Port int
}

// Addr is host:port for net.Listen.
func (l Listener) Addr() string { return net.JoinHostPort(l.Host, strconv.Itoa(l.Port)) }

// ParseListeners parses "NAME://host:port,..." and checks that each
// listener maps to the PLAINTEXT security protocol in protoMap
// (listener.security.protocol.map), the only one Sluice serves.
func ParseListeners(s, protoMap string) ([]Listener, error) {
	protocols := map[string]string{}
	for _, e := range splitList(protoMap) {
		k, v, ok := strings.Cut(e, ":")
		if !ok {
			return nil, fmt.Errorf("bad listener.security.protocol.map entry %q", e)
		}
		protocols[strings.ToUpper(strings.TrimSpace(k))] = strings.ToUpper(strings.TrimSpace(v))
	}
	var out []Listener
	seen := map[string]bool{}
	for _, e := range splitList(s) {
		name, hostPort, ok := strings.Cut(e, "://")
		if !ok || name == "" {
			return nil, fmt.Errorf("listener %q is not of the form NAME://host:port", e)
		}
		name = strings.ToUpper(name)
		if p := protocols[name]; p != "PLAINTEXT" {
			return nil, fmt.Errorf("listener %s uses security protocol %q; Sluice serves PLAINTEXT only", name, p)
		}
		if seen[name] {
			return nil, fmt.Errorf("listener name %s appears more than once", name)
		}
		seen[name] = true
		host, portStr, err := net.SplitHostPort(hostPort)
		if err != nil {
			return nil, fmt.Errorf("listener %q: %v", e, err)
		}
		port, err := strconv.Atoi(portStr)
		if err != nil || port < 0 || port > 65535 {
			return nil, fmt.Errorf("listener %q: port must be in [0,...,65535]", e)
		}
		out = append(out, Listener{Name: name, Host: host, Port: port})
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("no listener given")
	}
	return out, nil
}

// ListenAddr is the host:port of the first listener, for the network layer.
func (c BrokerConfig) ListenAddr() string {
	ls, err := ParseListeners(c.Listeners, resolver{set: c.lookupStatic}.str("listener.security.protocol.map"))
	if err != nil || len(ls) == 0 {
		return ""
	}
	return ls[0].Addr()
}

// Advertised returns the host and port clients are told to connect to: the
// first advertised listener; an empty or 0.0.0.0 host becomes the machine's
// host name (Kafka uses the canonical host name), and a zero port is left
// for the caller to replace with the bound one (see Node.SetAdvertisedAddr).
func (c BrokerConfig) Advertised() (host string, port int32) {
	ls, err := ParseListeners(c.AdvertisedListeners, resolver{set: c.lookupStatic}.str("listener.security.protocol.map"))
	if err != nil || len(ls) == 0 {
		return "", 0
	}
	return ls[0].Host, int32(ls[0].Port)
}

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

// clientListeners parses a listener list and drops the KRaft controller
// listeners (controller.listener.names), which do not serve clients.
func (c BrokerConfig) clientListeners(list string) []Listener {
	r := resolver{set: c.lookupStatic}
	ls, err := ParseListeners(list, r.str("listener.security.protocol.map"))
	if err != nil {
		return nil
	}
	controller := map[string]bool{}
	for _, n := range splitList(r.str("controller.listener.names")) {
		controller[strings.ToUpper(n)] = true
	}
	out := ls[:0]
	for _, l := range ls {
		if !controller[l.Name] {
			out = append(out, l)
		}
	}
	return out
}

// ListenAddr is the host:port of the first client listener, for the
// network layer ("" if none).
func (c BrokerConfig) ListenAddr() string {
	ls := c.clientListeners(c.Listeners)
	if len(ls) == 0 {
		return ""
	}
	return ls[0].Addr()
}

// Advertised returns the host and port clients are told to connect to:
// the advertised listener with the served listener's name (else the first
// client one); an empty host is left for the caller to fill in with the
// bound address, and so is a zero port (see Node.SetAdvertisedAddr).
func (c BrokerConfig) Advertised() (host string, port int32) {
	served := c.clientListeners(c.Listeners)
	adv := c.clientListeners(c.AdvertisedListeners)
	if len(adv) == 0 {
		return "", 0
	}
	for _, a := range adv {
		if len(served) > 0 && a.Name == served[0].Name {
			return a.Host, int32(a.Port)
		}
	}
	return adv[0].Host, int32(adv[0].Port)
}

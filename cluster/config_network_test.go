package cluster

import (
	"errors"
	"maps"
	"strings"
	"testing"
)

func TestNetworkLimits(t *testing.T) {
	c := mustParse(t, nil)
	if l := c.Limits; l.QueuedMaxRequestBytes != 128<<20 || l.MaxConnections != 2147483647 ||
		l.MaxConnectionsPerIP != 2147483647 || len(l.MaxConnectionsPerIPOverrides) != 0 {
		t.Errorf("defaults: %+v", l)
	}
	// The default budget always fits the largest request.
	c = mustParse(t, map[string]string{"socket.request.max.bytes": "209715200"})
	if c.Limits.QueuedMaxRequestBytes != 209715200 {
		t.Errorf("queued.max.request.bytes with a 200 MiB socket.request.max.bytes: %d", c.Limits.QueuedMaxRequestBytes)
	}
	for v, want := range map[string]int64{"-1": -1, "0": 0, "104857600": 104857600, "1073741824": 1073741824} {
		c = mustParse(t, map[string]string{"queued.max.request.bytes": v})
		if c.Limits.QueuedMaxRequestBytes != want {
			t.Errorf("queued.max.request.bytes=%s: %d", v, c.Limits.QueuedMaxRequestBytes)
		}
	}
	c = mustParse(t, map[string]string{"max.connections": "500", "max.connections.per.ip": "0",
		"max.connections.per.ip.overrides": " broker-1.example:100 , 127.0.0.1:200,::1:7,[fe80::1]:3"})
	want := map[string]int{"broker-1.example": 100, "127.0.0.1": 200, "::1": 7, "fe80::1": 3}
	if c.Limits.MaxConnections != 500 || c.Limits.MaxConnectionsPerIP != 0 || !maps.Equal(c.Limits.MaxConnectionsPerIPOverrides, want) {
		t.Errorf("limits: %+v", c.Limits)
	}
}

func TestNetworkLimitsRefused(t *testing.T) {
	for _, tc := range []struct {
		props map[string]string
		want  string
	}{
		{map[string]string{"queued.max.request.bytes": "1048576"}, "must be larger or equal to socket.request.max.bytes"},
		{map[string]string{"max.connections.per.ip": "0"}, "can be set to zero only if max.connections.per.ip.overrides"},
		{map[string]string{"max.connections.per.ip.overrides": "host"}, "not host:count"},
		{map[string]string{"max.connections.per.ip.overrides": "host:-1"}, "integer >= 0"},
		{map[string]string{"max.connections.per.ip.overrides": "host:x"}, "integer >= 0"},
		{map[string]string{"max.connections": "-1"}, "max.connections"},
	} {
		_, _, err := ParseBrokerConfig(tc.props)
		if !errors.Is(err, ErrBadBrokerConfig) || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%v: err %v, want one containing %q", tc.props, err, tc.want)
		}
	}
}

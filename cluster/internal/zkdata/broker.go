package zkdata

import (
	"regexp"
	"sort"
	"strconv"
	"strings"
)

// BrokerVersion is the registration format a Kafka 3.9 broker writes
// (IBP >= 2.7).
const BrokerVersion = 5

// Security protocols a listener may use (SecurityProtocol).
var securityProtocols = map[string]bool{"PLAINTEXT": true, "SSL": true, "SASL_PLAINTEXT": true, "SASL_SSL": true}

// Endpoint is one advertised listener of a broker.
type Endpoint struct {
	Listener         string // listener name, upper case, e.g. PLAINTEXT or INTERNAL
	Host             string // "" = none (Kafka stores null)
	Port             int32
	SecurityProtocol string // PLAINTEXT, SSL, SASL_PLAINTEXT or SASL_SSL
}

// ConnectionString is how Kafka writes the endpoint: LISTENER://host:port
// ([host]:port for IPv6, :port without a host).
func (e Endpoint) ConnectionString() string {
	hostport := ":" + strconv.Itoa(int(e.Port))
	if e.Host != "" {
		if strings.Contains(e.Host, ":") {
			hostport = "[" + e.Host + "]" + hostport
		} else {
			hostport = e.Host + hostport
		}
	}
	return e.Listener + "://" + hostport
}

// FeatureRange is a supported feature's version range in a broker
// registration. Kafka 3.9 brokers in ZooKeeper mode register none.
type FeatureRange struct{ Min, Max int16 }

// BrokerInfo is the ephemeral /brokers/ids/<id> registration.
type BrokerInfo struct {
	ID        int32 // from the path, not the JSON
	Version   int32 // as read; EncodeBroker writes BrokerVersion
	Endpoints []Endpoint
	Rack      string // "" = none
	JMXPort   int32  // -1 = none
	Timestamp int64  // registration time, ms since the epoch
	Features  map[string]FeatureRange
}

// EncodeBroker writes the registration as a Kafka 3.9 broker does (JSON
// version 5). The top-level host and port are those of the first
// PLAINTEXT endpoint (null and -1 without one), for old clients.
func EncodeBroker(b BrokerInfo) []byte {
	var host value = jnull{}
	port := int64(-1)
	for _, e := range b.Endpoints {
		if e.SecurityProtocol == "PLAINTEXT" {
			if e.Host != "" {
				host = jstr(e.Host)
			}
			port = int64(e.Port)
			break
		}
	}
	endpoints := make(jarr, len(b.Endpoints))
	protoMap := map[string]value{}
	var protoKeys []string
	for i, e := range b.Endpoints {
		endpoints[i] = jstr(e.ConnectionString())
		if _, dup := protoMap[e.Listener]; !dup {
			protoKeys = append(protoKeys, e.Listener)
		}
		protoMap[e.Listener] = jstr(e.SecurityProtocol)
	}
	features := map[string]value{}
	fnames := keysOf(b.Features)
	sort.Strings(fnames)
	for _, name := range fnames {
		r := b.Features[name]
		features[name] = ordered([]string{"min_version", "max_version"},
			map[string]value{"min_version": jint(r.Min), "max_version": jint(r.Max)})
	}
	fields := map[string]value{
		"version":   jint(BrokerVersion),
		"host":      host,
		"port":      jint(port),
		"endpoints": endpoints,
		"jmx_port":  jint(b.JMXPort),
		"timestamp": jstr(strconv.FormatInt(b.Timestamp, 10)),
	}
	keys := []string{"version", "host", "port", "endpoints", "jmx_port", "timestamp"}
	if b.Rack != "" {
		fields["rack"] = jstr(b.Rack)
		keys = append(keys, "rack")
	}
	fields["listener_security_protocol_map"] = ordered(orderScalaImmutable(protoKeys), protoMap)
	fields["features"] = ordered(orderScalaImmutable(fnames), features)
	keys = append(keys, "listener_security_protocol_map", "features")
	return encode(ordered(orderScalaMutable(scalaMutableInitialTable(6), keys), fields))
}

var endpointRE = regexp.MustCompile(`^(.*)://\[?([0-9a-zA-Z\-%._:]*)\]?:(-?[0-9]+)$`)

// DecodeBroker reads /brokers/ids/<id> as Kafka 3.9 does: versions 1 to
// 5; version 1 has only host and port (a PLAINTEXT endpoint), later ones
// an endpoint list whose listeners' security protocols come from
// listener_security_protocol_map (or, without it, listener = protocol).
func DecodeBroker(id int32, data []byte) (BrokerInfo, error) {
	o, err := parseObject(BrokerPath(id), data)
	if err != nil {
		return BrokerInfo{}, err
	}
	b := BrokerInfo{ID: id}
	if b.Version, err = o.requireInt32("version"); err != nil {
		return b, err
	}
	if b.Version < 1 {
		return b, o.fieldErr("version", "unsupported broker registration version %d", b.Version)
	}
	if b.JMXPort, err = o.requireInt32("jmx_port"); err != nil {
		return b, err
	}
	if ts, ok, err := o.optString("timestamp"); err != nil {
		return b, err
	} else if ok {
		if b.Timestamp, err = strconv.ParseInt(ts, 10, 64); err != nil {
			return b, o.fieldErr("timestamp", "want milliseconds in a string, got %q", ts)
		}
	}
	if b.Version == 1 {
		host, err := o.requireString("host")
		if err != nil {
			return b, err
		}
		port, err := o.requireInt32("port")
		if err != nil {
			return b, err
		}
		b.Endpoints = []Endpoint{{Listener: "PLAINTEXT", Host: host, Port: port, SecurityProtocol: "PLAINTEXT"}}
	} else {
		protos := map[string]string{}
		if m, ok, err := o.optObject("listener_security_protocol_map"); err != nil {
			return b, err
		} else if ok {
			for k := range m.m {
				p, err := m.requireString(k)
				if err != nil {
					return b, err
				}
				p = strings.ToUpper(p)
				if !securityProtocols[p] {
					return b, m.fieldErr(k, "unknown security protocol %q", p)
				}
				protos[strings.ToUpper(k)] = p
			}
		} else {
			for p := range securityProtocols {
				protos[p] = p
			}
		}
		elems, err := o.requireArray("endpoints")
		if err != nil {
			return b, err
		}
		for i, e := range elems {
			s, err := o.stringValue("endpoints", e)
			if err != nil {
				return b, err
			}
			m := endpointRE.FindStringSubmatch(s)
			if m == nil {
				return b, o.fieldErr("endpoints", "element %d: %q is not LISTENER://host:port", i, s)
			}
			port, err := strconv.ParseInt(m[3], 10, 32)
			if err != nil {
				return b, o.fieldErr("endpoints", "element %d: bad port in %q", i, s)
			}
			listener := strings.ToUpper(m[1])
			proto, ok := protos[listener]
			if !ok {
				return b, o.fieldErr("endpoints", "element %d: no security protocol for listener %s", i, listener)
			}
			b.Endpoints = append(b.Endpoints, Endpoint{Listener: listener, Host: m[2], Port: int32(port), SecurityProtocol: proto})
		}
	}
	if b.Rack, _, err = o.optString("rack"); err != nil {
		return b, err
	}
	if f, ok, err := o.optObject("features"); err != nil {
		return b, err
	} else if ok && len(f.m) > 0 {
		b.Features = make(map[string]FeatureRange, len(f.m))
		for name := range f.m {
			r, err := f.requireObject(name)
			if err != nil {
				return b, err
			}
			min, err := r.optInt32("min_version", 1)
			if err != nil {
				return b, err
			}
			max, err := r.requireInt32("max_version")
			if err != nil {
				return b, err
			}
			if min < -1<<15 || min > 1<<15-1 || max < -1<<15 || max > 1<<15-1 {
				return b, f.fieldErr(name, "version out of the 16-bit range")
			}
			b.Features[name] = FeatureRange{Min: int16(min), Max: int16(max)}
		}
	}
	return b, nil
}

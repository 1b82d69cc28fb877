package obs

import (
	"strconv"
	"sync"

	"github.com/prometheus/client_golang/prometheus"
)

// children caches the labelled collectors' children. WithLabelValues
// validates and hashes its label values and takes the vector's lock on
// every call, and the request path calls it several times per request;
// here each child is looked up once and then found in a lock-free map.
// The label sets are small (API keys x versions, error codes, topics)
// and never deleted, so nothing is evicted.
type children struct {
	requests sync.Map // reqKey -> *reqChildren
	errs     sync.Map // errKey -> prometheus.Counter
	// Per topic, one map per vector: a topic only fetched from gets no
	// bytes-in series, as before.
	bytesIn, bytesOut, messagesIn sync.Map // topic -> prometheus.Counter
}

type reqKey struct{ key, version int16 }

type reqChildren struct {
	requests prometheus.Counter
	bytes    prometheus.Counter
	time     prometheus.Observer
}

type errKey struct{ key, code int16 }

// request returns the children for one API key and version.
func (m *Metrics) request(key, version int16) *reqChildren {
	k := reqKey{key, version}
	if c, ok := m.kids.requests.Load(k); ok {
		return c.(*reqChildren)
	}
	name := apiName(key)
	c := &reqChildren{
		requests: m.requests.WithLabelValues(name, strconv.Itoa(int(version))),
		bytes:    m.requestBytes.WithLabelValues(name),
		time:     m.requestTime.WithLabelValues(name),
	}
	v, _ := m.kids.requests.LoadOrStore(k, c)
	return v.(*reqChildren)
}

// errorCounter returns the error counter for one API key and code.
func (m *Metrics) errorCounter(key, code int16) prometheus.Counter {
	k := errKey{key, code}
	if c, ok := m.kids.errs.Load(k); ok {
		return c.(prometheus.Counter)
	}
	v, _ := m.kids.errs.LoadOrStore(k, m.errors.WithLabelValues(apiName(key), errorName(code)))
	return v.(prometheus.Counter)
}

// topicCounter returns vec's child for topic, cached in cache.
func topicCounter(cache *sync.Map, vec *prometheus.CounterVec, topic string) prometheus.Counter {
	if c, ok := cache.Load(topic); ok {
		return c.(prometheus.Counter)
	}
	v, _ := cache.LoadOrStore(topic, vec.WithLabelValues(topic))
	return v.(prometheus.Counter)
}

package rebalance

import "errors"

var (
	// ErrBadPlan: a reassignment JSON document is malformed or invalid.
	ErrBadPlan = errors.New("rebalance: bad reassignment plan")
	// ErrUnknownBroker: a broker to decommission is neither live nor holds a replica.
	ErrUnknownBroker = errors.New("rebalance: unknown broker")
	// ErrNoBrokers: no broker would be left to hold replicas.
	ErrNoBrokers = errors.New("rebalance: no brokers left")
	// ErrReplicationFactor: a replication factor is below 1 or above the brokers left.
	ErrReplicationFactor = errors.New("rebalance: invalid replication factor")
	// ErrUnknownTopic: an option names a topic the assignment does not have.
	ErrUnknownTopic = errors.New("rebalance: unknown topic")
	// ErrNotLive: a broker that is neither live nor decommissioned holds replicas.
	ErrNotLive = errors.New("rebalance: broker not live")
	// ErrMixedRacks: some brokers have a rack and others do not.
	ErrMixedRacks = errors.New("rebalance: not all brokers have rack information")
)

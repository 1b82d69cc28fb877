package main

import (
	"context"
	"fmt"

	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kgo"
	"github.com/twmb/franz-go/pkg/kmsg"
)

// opsSession is adminSession for commands that also issue raw requests
// (kadm cannot list every ongoing reassignment): a context bounded by
// --timeout, the client and an admin client on it; done closes them.
func (f *clientFlags) opsSession(parent context.Context) (ctx context.Context, cl *kgo.Client, adm *kadm.Client, done func(), err error) {
	ctx, cancel := f.ctx(parent)
	if cl, err = f.client(ctx); err != nil {
		cancel()
		return nil, nil, nil, nil, err
	}
	return ctx, cl, kadm.NewClient(cl), func() { cl.Close(); cancel() }, nil
}

// requireAPI fails with one line naming the API when the broker a
// cluster-wide admin request goes to (the controller; every broker while
// there is none) does not serve it: kgo would otherwise refuse to send it
// with a message that names neither the API nor the broker.
func requireAPI(ctx context.Context, adm *kadm.Client, key int16) error {
	md, err := adm.BrokerMetadata(ctx)
	if err != nil {
		return err
	}
	vs, err := adm.ApiVersions(ctx)
	if err != nil {
		return err
	}
	for _, v := range vs.Sorted() {
		if md.Controller >= 0 && v.NodeID != md.Controller {
			continue
		}
		if v.Err != nil {
			return fmt.Errorf("ApiVersions from broker %d: %w", v.NodeID, v.Err)
		}
		if _, ok := v.KeyMaxVersion(key); !ok {
			return unsupportedAPI(v.NodeID, key)
		}
	}
	return nil
}

// unsupportedAPI is the one line for an API a broker does not serve.
func unsupportedAPI(broker int32, key int16) error {
	return fmt.Errorf("broker %d does not serve %s (API key %d): UNSUPPORTED_VERSION", broker, apiName(key), key)
}

// apiName is Kafka's name for an API key (kmsg names key 45 after its Go
// request type, AlterPartitionAssignments).
func apiName(key int16) string {
	if key == kmsg.AlterPartitionAssignments.Int16() {
		return "AlterPartitionReassignments"
	}
	return kmsg.NameForKey(key)
}

package kzk

import (
	"context"
	"errors"
	"math"

	"sluice/cluster/internal/zkdata"
	"sluice/cluster/internal/znode"
)

// ClaimProducerIDBlock claims the next block of zkdata.ProducerIDBlockSize
// producer ids for broker, as Kafka's ZkProducerIdManager does: read
// /latest_producer_id_block, write the next block conditional on the
// version read, and start over if another broker got there first. Blocks
// are disjoint across all claimers. (A claim whose answer was lost is
// retried as a new claim: its block is then skipped, never handed out
// twice.)
func (s *Store) ClaimProducerIDBlock(ctx context.Context, broker int32) (zkdata.ProducerIDBlock, error) {
	for {
		d, st, exists, err := s.getOpt(ctx, zkdata.ProducerIDBlockPath)
		if err != nil {
			return zkdata.ProducerIDBlock{}, err
		}
		next := zkdata.ProducerIDBlock{Broker: broker, First: 0, Last: zkdata.ProducerIDBlockSize - 1}
		if len(d) > 0 {
			prev, err := zkdata.DecodeProducerIDBlock(d)
			if err != nil {
				return zkdata.ProducerIDBlock{}, err
			}
			if prev.Last > math.MaxInt64-zkdata.ProducerIDBlockSize {
				return zkdata.ProducerIDBlock{}, ErrProducerIDsExhausted
			}
			next.First, next.Last = prev.Last+1, prev.Last+zkdata.ProducerIDBlockSize
		}
		data := zkdata.EncodeProducerIDBlock(next)
		if exists {
			_, err = s.tree.Set(ctx, zkdata.ProducerIDBlockPath, data, st.Version)
		} else {
			_, err = s.tree.Create(ctx, zkdata.ProducerIDBlockPath, data, znode.Persistent)
		}
		switch {
		case err == nil:
			return next, nil
		case lost(err), errors.Is(err, znode.ErrBadVersion), errors.Is(err, znode.ErrNodeExists), errors.Is(err, znode.ErrNoNode):
			if lost(err) {
				if err := s.pause(ctx); err != nil {
					return zkdata.ProducerIDBlock{}, err
				}
			}
			continue
		}
		return zkdata.ProducerIDBlock{}, err
	}
}

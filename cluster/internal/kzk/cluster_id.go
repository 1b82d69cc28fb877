package kzk

import (
	"context"
	"errors"
	"fmt"

	"sluice/cluster/internal/zkdata"
	"sluice/cluster/internal/znode"
)

// ClusterID reads /cluster/id (ok false if absent).
func (s *Store) ClusterID(ctx context.Context) (string, bool, error) {
	d, _, ok, err := s.getOpt(ctx, zkdata.ClusterIDPath)
	if err != nil || !ok {
		return "", false, err
	}
	id, err := zkdata.DecodeClusterID(d)
	return id, err == nil, err
}

// CreateOrGetClusterID creates /cluster/id with proposed unless it exists,
// and returns the cluster id in force.
func (s *Store) CreateOrGetClusterID(ctx context.Context, proposed string) (string, error) {
	err := s.createRecursive(ctx, zkdata.ClusterIDPath, zkdata.EncodeClusterID(proposed), true)
	if err == nil {
		return proposed, nil
	}
	if !errors.Is(err, znode.ErrNodeExists) {
		return "", err
	}
	id, ok, err := s.ClusterID(ctx)
	if err != nil {
		return "", err
	}
	if !ok {
		return "", fmt.Errorf("kzk: %s was deleted while being read", zkdata.ClusterIDPath)
	}
	return id, nil
}

package zkdata

import "sort"

// Feature znode statuses (FeatureZNodeStatus).
const (
	FeatureDisabled int32 = 0
	FeatureEnabled  int32 = 1
)

// Feature is /feature: the cluster's finalized feature levels (KIP-584).
// A Kafka 3.9 controller in ZooKeeper mode writes it enabled, version 2,
// with no features (its brokers support none).
type Feature struct {
	Version  int32 // 1 or 2
	Status   int32 // FeatureEnabled or FeatureDisabled
	Features map[string]int16
}

// EncodeFeature writes /feature as Kafka 3.9 does.
func EncodeFeature(f Feature) []byte {
	names := keysOf(f.Features)
	sort.Strings(names)
	feats := map[string]value{}
	for _, n := range names {
		lv := jint(f.Features[n])
		if f.Version == 1 {
			feats[n] = ordered([]string{"max_version_level", "min_version_level"}, map[string]value{
				"max_version_level": lv, "min_version_level": lv,
			})
		} else {
			feats[n] = ordered([]string{"max_version_level"}, map[string]value{"max_version_level": lv})
		}
	}
	keys := []string{"version", "status", "features"}
	return encode(ordered(orderScalaMutable(scalaMutableInitialTable(3), keys), map[string]value{
		"version":  jint(f.Version),
		"status":   jint(f.Status),
		"features": ordered(orderScalaImmutable(names), feats),
	}))
}

// DecodeFeature reads /feature with Kafka's checks: version 1 or 2, a
// known status, a features map whose entries have max_version_level >= 1
// (and, in version 1, 1 <= min_version_level <= max_version_level).
func DecodeFeature(data []byte) (Feature, error) {
	o, err := parseObject(FeaturePath, data)
	if err != nil {
		return Feature{}, err
	}
	var f Feature
	if f.Version, err = o.requireInt32("version"); err != nil {
		return f, err
	}
	if f.Version != 1 && f.Version != 2 {
		return f, o.fieldErr("version", "unsupported feature znode version %d", f.Version)
	}
	if f.Status, err = o.requireInt32("status"); err != nil {
		return f, err
	}
	if f.Status != FeatureDisabled && f.Status != FeatureEnabled {
		return f, o.fieldErr("status", "unknown status %d", f.Status)
	}
	feats, err := o.requireObject("features")
	if err != nil {
		return f, err
	}
	f.Features = make(map[string]int16, len(feats.m))
	for name := range feats.m {
		lv, err := feats.requireObject(name)
		if err != nil {
			return f, err
		}
		max, err := lv.requireInt32("max_version_level")
		if err != nil {
			return f, err
		}
		if max < 1 || max > 1<<15-1 {
			return f, lv.fieldErr("max_version_level", "want 1..32767, got %d", max)
		}
		if f.Version == 1 {
			min, err := lv.requireInt32("min_version_level")
			if err != nil {
				return f, err
			}
			if min < 1 || min > max {
				return f, lv.fieldErr("min_version_level", "want 1..%d, got %d", max, min)
			}
		}
		f.Features[name] = int16(max)
	}
	return f, nil
}

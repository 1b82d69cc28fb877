package zkdata

import (
	"strconv"
	"strings"
)

// ControllerInfo is the ephemeral /controller znode.
type ControllerInfo struct {
	BrokerID  int32
	Timestamp int64 // election time, ms since the epoch
	// KRaftControllerEpoch is -1 for a ZooKeeper-mode controller (it is
	// set only by a KRaft controller during a migration).
	KRaftControllerEpoch int32
}

// EncodeController writes /controller as Kafka 3.9 does (version 2).
func EncodeController(c ControllerInfo) []byte {
	keys := []string{"version", "brokerid", "timestamp", "kraftControllerEpoch"}
	return encode(ordered(orderScalaImmutable(keys), map[string]value{
		"version":              jint(2),
		"brokerid":             jint(c.BrokerID),
		"timestamp":            jstr(strconv.FormatInt(c.Timestamp, 10)),
		"kraftControllerEpoch": jint(c.KRaftControllerEpoch),
	}))
}

// DecodeController reads /controller; brokerid is required,
// kraftControllerEpoch defaults to -1, timestamp to 0.
func DecodeController(data []byte) (ControllerInfo, error) {
	o, err := parseObject(ControllerPath, data)
	if err != nil {
		return ControllerInfo{}, err
	}
	var c ControllerInfo
	if c.BrokerID, err = o.requireInt32("brokerid"); err != nil {
		return c, err
	}
	if c.KRaftControllerEpoch, err = o.optInt32("kraftControllerEpoch", -1); err != nil {
		return c, err
	}
	if ts, ok, err := o.optString("timestamp"); err != nil {
		return c, err
	} else if ok {
		if c.Timestamp, err = strconv.ParseInt(ts, 10, 64); err != nil {
			return c, o.fieldErr("timestamp", "want milliseconds in a string, got %q", ts)
		}
	}
	return c, nil
}

// EncodeControllerEpoch writes /controller_epoch: the epoch in decimal,
// no JSON.
func EncodeControllerEpoch(epoch int32) []byte { return []byte(strconv.Itoa(int(epoch))) }

// DecodeControllerEpoch reads /controller_epoch as Java's Integer.parseInt
// does (an optional sign, decimal digits, nothing else).
func DecodeControllerEpoch(data []byte) (int32, error) {
	s := string(data)
	if s == "" || strings.ContainsAny(s, " \t\r\n_") {
		return 0, malformed(ControllerEpochPath, data, "want a decimal 32-bit integer")
	}
	v, err := strconv.ParseInt(s, 10, 32)
	if err != nil {
		return 0, malformed(ControllerEpochPath, data, "want a decimal 32-bit integer")
	}
	return int32(v), nil
}

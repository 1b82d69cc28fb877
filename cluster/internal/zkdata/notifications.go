package zkdata

// partitionsArray writes [{"topic":..,"partition":..},...] in the given
// order. Kafka writes these from a hash set, in its iteration order;
// readers do not depend on the order.
func partitionsArray(tps []TopicPartition) jarr {
	out := make(jarr, len(tps))
	for i, tp := range tps {
		out[i] = ordered([]string{"topic", "partition"}, map[string]value{
			"topic": jstr(tp.Topic), "partition": jint(tp.Partition),
		})
	}
	return out
}

func decodePartitionsArray(o object) ([]TopicPartition, error) {
	elems, err := o.requireArray("partitions")
	if err != nil {
		return nil, err
	}
	out := make([]TopicPartition, 0, len(elems))
	for i, raw := range elems {
		e, err := o.element("partitions", i, raw)
		if err != nil {
			return nil, err
		}
		t, err := e.requireString("topic")
		if err != nil {
			return nil, err
		}
		p, err := e.requireInt32("partition")
		if err != nil {
			return nil, err
		}
		if p < 0 {
			return nil, e.fieldErr("partition", "negative partition %d", p)
		}
		out = append(out, TopicPartition{t, p})
	}
	return out, nil
}

// EncodeIsrChange writes /isr_change_notification/isr_change_<seq>
// (version 1). Kafka brokers write these only with IBP < 2.7; later ones
// send AlterPartition to the controller instead.
func EncodeIsrChange(tps []TopicPartition) []byte {
	return encode(ordered([]string{"version", "partitions"}, map[string]value{
		"version": jint(1), "partitions": partitionsArray(tps),
	}))
}

// DecodeIsrChange reads an ISR change notification at path.
func DecodeIsrChange(path string, data []byte) ([]TopicPartition, error) {
	o, err := parseObject(path, data)
	if err != nil {
		return nil, err
	}
	return decodePartitionsArray(o)
}

// LogDirFailureEvent is the only log dir event Kafka writes.
const LogDirFailureEvent = 1

// EncodeLogDirEvent writes /log_dir_event_notification/log_dir_event_<seq>:
// a log dir of the broker failed.
func EncodeLogDirEvent(broker int32) []byte {
	return encode(ordered([]string{"version", "broker", "event"}, map[string]value{
		"version": jint(1), "broker": jint(broker), "event": jint(LogDirFailureEvent),
	}))
}

// DecodeLogDirEvent reads a log dir event notification and returns the
// broker; "broker" is required.
func DecodeLogDirEvent(path string, data []byte) (int32, error) {
	o, err := parseObject(path, data)
	if err != nil {
		return 0, err
	}
	return o.requireInt32("broker")
}

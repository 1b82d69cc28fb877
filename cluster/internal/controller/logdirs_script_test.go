package controller

import "strings"

// runLogDir runs the log dir commands of the scripts:
//
//	logdir-event brokers=1,2              LogDirEvent
//	storage-error broker=N [epoch=E] tps=t-0,u-1   ReplicasOffline (the broker's
//	                                      KAFKA_STORAGE_ERROR answers to a LeaderAndIsr)
func (s *script) runLogDir(cmd string, args map[string]string) bool {
	switch cmd {
	case "logdir-event":
		s.step(LogDirEvent{Brokers: s.idList(args["brokers"])})
	case "storage-error":
		b := s.int32(args["broker"])
		ev := ReplicasOffline{Broker: b, BrokerEpoch: s.epochArg(b, args)}
		for _, f := range strings.Split(args["tps"], ",") {
			i := strings.LastIndexByte(f, '-')
			if i <= 0 {
				s.t.Fatalf("bad partition %q", f)
			}
			ev.Partitions = append(ev.Partitions, TP{f[:i], s.int32(f[i+1:])})
		}
		s.step(ev)
	default:
		return false
	}
	return true
}

package obs

import (
	"strconv"

	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kmsg"
)

// apiName is Kafka's request name for an API key ("Produce", "Fetch"), as
// in the request label of kafka.network:type=RequestMetrics.
func apiName(key int16) string {
	if n := kmsg.NameForKey(key); n != "Unknown" {
		return n
	}
	return "Unknown" + strconv.Itoa(int(key))
}

// errorName is Kafka's error name for a code ("NONE" for 0), as in the
// error label of kafka.network:type=RequestMetrics,name=ErrorsPerSec.
func errorName(code int16) string {
	if code == 0 {
		return "NONE"
	}
	if e := kerr.TypedErrorForCode(code); e != nil && e.Code == code {
		return e.Message
	}
	return "UNKNOWN_" + strconv.Itoa(int(code))
}

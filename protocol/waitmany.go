package protocol

import (
	"context"
	"reflect"
	"time"
)

// waitMany is waitAny for several channels (a fetch of many partitions).
func waitMany(ctx context.Context, chans []<-chan struct{}, timer <-chan time.Time) bool {
	cases := make([]reflect.SelectCase, 0, len(chans)+2)
	cases = append(cases,
		reflect.SelectCase{Dir: reflect.SelectRecv, Chan: reflect.ValueOf(timer)},
		reflect.SelectCase{Dir: reflect.SelectRecv, Chan: reflect.ValueOf(ctx.Done())})
	for _, ch := range chans {
		if ch != nil {
			cases = append(cases, reflect.SelectCase{Dir: reflect.SelectRecv, Chan: reflect.ValueOf(ch)})
		}
	}
	i, _, _ := reflect.Select(cases)
	return i < 2
}

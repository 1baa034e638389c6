package gateway

import (
	"context"
	"net"
	"net/http"
	"runtime/debug"
	"sync/atomic"
	"time"

	"crmgw/core"
)

// Refusals of a server whose shared limits are spent: the dialect's 503, which
// its clients retry after Retry-After.
var (
	errBodyBudget = &core.Error{Code: core.EUNAVAILABLE, RetryAfter: time.Second,
		Message: "the request bodies being read fill limits.max_buffered_body_bytes"}
	errConnections = &core.Error{Code: core.EUNAVAILABLE, RetryAfter: time.Second,
		Message: "more than limits.max_connections connections are open"}
)

// freeDelay is how long after a burst of bodies memory is handed back to the
// OS: it spaces the returns (each a full garbage collection) at least so far apart.
const freeDelay = time.Second

// bodyBudget is the bytes of request bodies that all requests may hold at once.
// Bodies are read whole before anyone is authenticated, so without it a crowd
// of slow clients could take all the memory. It never blocks: a request that
// does not fit is refused at once.
type bodyBudget struct {
	limit   int64
	used    atomic.Int64
	high    atomic.Bool // used passed a quarter of limit since memory was last returned
	freeing atomic.Bool // a return of memory is due
}

// take reserves n bytes, or reports that they do not fit.
func (b *bodyBudget) take(n int64) bool {
	for {
		used := b.used.Load()
		if used+n > b.limit {
			return false
		}
		if b.used.CompareAndSwap(used, used+n) {
			if used+n > b.limit/4 {
				b.high.Store(true)
			}
			return true
		}
	}
}

// give releases n bytes. Once a burst is over (nothing held after much was)
// the runtime is asked to return the freed memory: the collector alone keeps
// it, sized for the burst, until the heap grows that large again.
func (b *bodyBudget) give(n int64) {
	if b.used.Add(-n) == 0 && b.high.Swap(false) && !b.freeing.Swap(true) {
		time.AfterFunc(freeDelay, func() {
			b.freeing.Store(false)
			debug.FreeOSMemory()
		})
	}
}

// connCount counts the server's open connections and marks those past max.
type connCount struct {
	max  int64
	open atomic.Int64
}

type overCapacity struct{}

// connContext counts a new connection. One past the cap carries overCapacity
// in its requests' contexts, to be answered 503 in the dialect's shape; one
// past twice the cap (and at least 64 past it, for the connections whose
// close is still being counted) is closed at once, so that clients that
// never finish their headers cannot hold more than that many descriptors.
func (cc *connCount) connContext(ctx context.Context, conn net.Conn) context.Context {
	switch open := cc.open.Add(1); {
	case open > max(2*cc.max, cc.max+64):
		conn.Close()
	case open > cc.max:
		return context.WithValue(ctx, overCapacity{}, true)
	}
	return ctx
}

func (cc *connCount) connState(_ net.Conn, st http.ConnState) {
	if st == http.StateClosed || st == http.StateHijacked {
		cc.open.Add(-1)
	}
}

// isOverCapacity reports whether r came on a connection past the cap.
func isOverCapacity(r *http.Request) bool { return r.Context().Value(overCapacity{}) != nil }

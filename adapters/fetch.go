package adapters

// What the dialects' crawls (crmgw import oa, ikcrm) share: reading an old
// server's records several at a time.

import (
	"context"
	"sync"
)

// fetchers is how many requests a crawl has in flight at once: the old
// server's answers are what an import waits for, over a network's latency.
const fetchers = 8

// FetchEach runs fetch(0) … fetch(n-1), fetchers at a time, and returns the
// first error; the rest stop early once one fails.
func FetchEach(ctx context.Context, n int, fetch func(i int) error) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	next := make(chan int)
	errs := make(chan error, fetchers)
	var wg sync.WaitGroup
	for range min(fetchers, n) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range next {
				if err := fetch(i); err != nil {
					errs <- err
					cancel()
					return
				}
			}
		}()
	}
	go func() {
		defer close(next)
		for i := range n {
			select {
			case next <- i:
			case <-ctx.Done():
				return
			}
		}
	}()
	wg.Wait()
	close(errs)
	return <-errs
}

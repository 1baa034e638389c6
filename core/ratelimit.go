package core

import (
	"sync"
	"time"

	"golang.org/x/time/rate"
)

// rateLimiter keeps a token bucket per credential, so that one client cannot
// take the server from the others. Buckets idle long enough to have refilled
// are dropped, so memory follows the credentials in use, not all ever seen.
// A nil rateLimiter allows everything.
type rateLimiter struct {
	limit rate.Limit
	burst int

	mu      sync.Mutex
	buckets map[string]*rate.Limiter
	swept   time.Time
}

func newRateLimiter(perSecond float64, burst int) *rateLimiter {
	if perSecond <= 0 {
		return nil
	}
	return &rateLimiter{limit: rate.Limit(perSecond), burst: max(burst, 1), buckets: map[string]*rate.Limiter{}}
}

// wait takes one request from key's bucket at now and returns 0, or, when the
// bucket is empty, takes nothing and returns how long until it holds one.
func (l *rateLimiter) wait(key string, now time.Time) time.Duration {
	if l == nil {
		return 0
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	if now.Sub(l.swept) >= time.Minute {
		l.swept = now
		for k, b := range l.buckets {
			if b.TokensAt(now) >= float64(l.burst) {
				delete(l.buckets, k)
			}
		}
	}
	b, ok := l.buckets[key]
	if !ok {
		b = rate.NewLimiter(l.limit, l.burst)
		l.buckets[key] = b
	}
	r := b.ReserveN(now, 1)
	if d := r.DelayFrom(now); d > 0 {
		r.CancelAt(now)
		return d
	}
	return 0
}

// limited is the error for a credential over its rate.
func limited(wait time.Duration) *Error {
	return &Error{Code: ELIMITED, Message: "too many requests", RetryAfter: wait}
}

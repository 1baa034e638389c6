package core

import (
	"context"
	"sync"
	"time"

	"golang.org/x/crypto/bcrypt"
)

// LoginLimits bound what failed logins may cost. Zero fields take the defaults.
type LoginLimits struct {
	// MaxFailures failed logins of one login name within Window refuse that
	// name's further logins until the window ends; MaxFailuresPerAddress do the
	// same for one client address, whatever names it tries.
	MaxFailures, MaxFailuresPerAddress int
	Window                             time.Duration
	// MaxHashing bounds the password comparisons running at once: each is
	// tens of milliseconds of one core's time (bcrypt), by design.
	MaxHashing int
	// RefusalDelay holds the answer to a throttled login: a client that waits
	// for each answer, as a guessing loop does, then tries once a RefusalDelay
	// instead of as fast as refusals can be written. Waiting costs no CPU.
	// Zero holds nothing.
	RefusalDelay time.Duration
}

// Default login limits (RefusalDelay's is config's: login.refusal_delay).
const (
	DefaultLoginMaxFailures           = 5
	DefaultLoginMaxFailuresPerAddress = 20
	DefaultLoginWindow                = 15 * time.Minute
	DefaultLoginMaxHashing            = 2
)

// loginKeys bounds the failure counts kept: past it they are swept, and if
// none has expired new ones go uncounted (the hashing bound still holds).
const loginKeys = 100_000

// loginGuard throttles failed logins per login name and per client address,
// and bounds the bcrypt work in flight.
type loginGuard struct {
	limits   LoginLimits
	hashing  chan struct{} // a slot per comparison running
	mu       sync.Mutex
	failures map[string]*failureCount // "n:" + login name, "a:" + address
}

type failureCount struct {
	n     int
	since time.Time // the window's start
}

func newLoginGuard(l LoginLimits) *loginGuard {
	if l.MaxFailures <= 0 {
		l.MaxFailures = DefaultLoginMaxFailures
	}
	if l.MaxFailuresPerAddress <= 0 {
		l.MaxFailuresPerAddress = DefaultLoginMaxFailuresPerAddress
	}
	if l.Window <= 0 {
		l.Window = DefaultLoginWindow
	}
	if l.MaxHashing <= 0 {
		l.MaxHashing = DefaultLoginMaxHashing
	}
	return &loginGuard{limits: l, hashing: make(chan struct{}, l.MaxHashing), failures: map[string]*failureCount{}}
}

func (g *loginGuard) keys(name, address string) [2]string {
	return [2]string{"n:" + name, "a:" + address}
}

// refused is how long logins of name from address must wait, 0 if they may try.
func (g *loginGuard) refused(name, address string, now time.Time) time.Duration {
	g.mu.Lock()
	defer g.mu.Unlock()
	var wait time.Duration
	for i, k := range g.keys(name, address) {
		limit := g.limits.MaxFailures
		if i == 1 {
			limit = g.limits.MaxFailuresPerAddress
		}
		if f := g.failures[k]; f != nil && f.n >= limit {
			wait = max(wait, f.since.Add(g.limits.Window).Sub(now))
		}
	}
	return wait
}

// hold waits RefusalDelay, or less if ctx ends first.
func (g *loginGuard) hold(ctx context.Context) {
	t := time.NewTimer(g.limits.RefusalDelay)
	defer t.Stop()
	select {
	case <-t.C:
	case <-ctx.Done():
	}
}

// failed counts a failed login of name from address.
func (g *loginGuard) failed(name, address string, now time.Time) {
	g.mu.Lock()
	defer g.mu.Unlock()
	for _, k := range g.keys(name, address) {
		f := g.failures[k]
		if f == nil || now.Sub(f.since) >= g.limits.Window {
			if f == nil && len(g.failures) >= loginKeys && !g.sweep(now) {
				continue
			}
			f = &failureCount{since: now}
			g.failures[k] = f
		}
		f.n++
	}
}

// succeeded forgets the failures of name and of address: the person at that
// address knew the password.
func (g *loginGuard) succeeded(name, address string) {
	g.mu.Lock()
	defer g.mu.Unlock()
	for _, k := range g.keys(name, address) {
		delete(g.failures, k)
	}
}

// sweep drops the counts whose window has ended and reports whether any went.
func (g *loginGuard) sweep(now time.Time) bool {
	n := len(g.failures)
	for k, f := range g.failures {
		if now.Sub(f.since) >= g.limits.Window {
			delete(g.failures, k)
		}
	}
	return len(g.failures) < n
}

// matches compares password with a bcrypt hash, waiting for a free slot first.
func (g *loginGuard) matches(ctx context.Context, hash, password string) (bool, error) {
	select {
	case g.hashing <- struct{}{}:
	case <-ctx.Done():
		return false, ctx.Err()
	}
	defer func() { <-g.hashing }()
	return bcrypt.CompareHashAndPassword([]byte(hash), []byte(password)) == nil, nil
}

// dummyHash stands in for the password of a login name that does not exist
// (or has no password), so that refusing it costs what a wrong password does
// and the time taken tells nobody which names exist.
var dummyHash = sync.OnceValue(func() string {
	h, err := bcrypt.GenerateFromPassword([]byte(NewTokenValue()), bcrypt.DefaultCost)
	if err != nil {
		panic(err) // only for a cost out of range
	}
	return string(h)
})

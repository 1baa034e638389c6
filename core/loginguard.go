package core

import (
	"context"
	"net"
	"sync"
	"time"

	"golang.org/x/crypto/bcrypt"
)

// LoginLimits bound what failed logins may cost. Zero fields but RefusalDelay take the defaults.
type LoginLimits struct {
	// MaxFailures failed logins of one login name from one client address
	// within Window refuse that name from that address until the window ends.
	// MaxFailuresPerName do the same for the name from every address (a guess
	// spread over many addresses), MaxFailuresPerAddress for the address,
	// whatever names it tries. Every attempt counts as a failure from the
	// moment it starts, so a burst of guesses sent at once is counted too.
	MaxFailures, MaxFailuresPerName, MaxFailuresPerAddress int
	Window                                                 time.Duration
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
	DefaultLoginMaxFailuresPerName    = 100
	DefaultLoginMaxFailuresPerAddress = 20
	DefaultLoginWindow                = 15 * time.Minute
	DefaultLoginMaxHashing            = 2
)

// loginKeys bounds the failure counts kept. Past it, expired counts are swept
// (at most once a minute) and, if that is not enough, others dropped at random.
const loginKeys = 100_000

// maxLoginCandidates bounds the users one login compares its password with
// when it names no tenant (a login name may be held in several).
const maxLoginCandidates = 32

// loginGuard throttles failed logins and bounds the bcrypt work in flight.
type loginGuard struct {
	limits   LoginLimits
	hashing  chan struct{} // a slot per comparison running
	mu       sync.Mutex
	failures map[string]*failureCount
	swept    time.Time
}

type failureCount struct {
	n     int
	since time.Time // the window's start
}

func newLoginGuard(l LoginLimits) *loginGuard {
	for _, f := range []struct {
		v   *int
		def int
	}{{&l.MaxFailures, DefaultLoginMaxFailures}, {&l.MaxFailuresPerName, DefaultLoginMaxFailuresPerName},
		{&l.MaxFailuresPerAddress, DefaultLoginMaxFailuresPerAddress}, {&l.MaxHashing, DefaultLoginMaxHashing}} {
		if *f.v <= 0 {
			*f.v = f.def
		}
	}
	if l.Window <= 0 {
		l.Window = DefaultLoginWindow
	}
	return &loginGuard{limits: l, hashing: make(chan struct{}, l.MaxHashing), failures: map[string]*failureCount{}}
}

// attempt is the counts one login attempt adds to, each with its limit.
type attempt struct {
	keys   [3]string // the name from the address, the name, the address
	limits [3]int
}

func (g *loginGuard) attempt(name, address string) attempt {
	address = addressGroup(address)
	return attempt{
		keys:   [3]string{"na:" + name + "\x00" + address, "n:" + name, "a:" + address},
		limits: [3]int{g.limits.MaxFailures, g.limits.MaxFailuresPerName, g.limits.MaxFailuresPerAddress},
	}
}

// addressGroup is the part of a client address its throttle counts: the
// address, or for IPv6 its /64, which one client is commonly handed whole.
func addressGroup(address string) string {
	ip := net.ParseIP(address)
	if ip == nil || ip.To4() != nil {
		return address
	}
	return ip.Mask(net.CIDRMask(64, 128)).String() + "/64"
}

// begin counts a login attempt of name from address as a failure until it
// succeeds, or, if one of its counts is at its limit, counts nothing and
// returns how long until the attempt may be made.
func (g *loginGuard) begin(a attempt, now time.Time) (wait time.Duration) {
	g.mu.Lock()
	defer g.mu.Unlock()
	for i, k := range a.keys {
		if f := g.failures[k]; f != nil && now.Sub(f.since) < g.limits.Window && f.n >= a.limits[i] {
			wait = max(wait, f.since.Add(g.limits.Window).Sub(now))
		}
	}
	if wait > 0 {
		return wait
	}
	for _, k := range a.keys {
		f := g.failures[k]
		if f == nil || now.Sub(f.since) >= g.limits.Window {
			if f == nil && len(g.failures) >= loginKeys {
				g.makeRoom(now)
			}
			f = &failureCount{since: now}
			g.failures[k] = f
		}
		f.n++
	}
	return 0
}

// succeeded forgets the failures of the name (its user knew the password)
// and takes this attempt back from the address's count, which other names'
// guesses from there keep.
func (g *loginGuard) succeeded(a attempt) {
	g.mu.Lock()
	defer g.mu.Unlock()
	delete(g.failures, a.keys[0])
	delete(g.failures, a.keys[1])
	if f := g.failures[a.keys[2]]; f != nil && f.n > 0 {
		f.n--
	}
}

// makeRoom drops expired counts (at most once a minute: it reads them all),
// then, while the table is still full, others at random.
func (g *loginGuard) makeRoom(now time.Time) {
	if now.Sub(g.swept) >= time.Minute {
		g.swept = now
		for k, f := range g.failures {
			if now.Sub(f.since) >= g.limits.Window {
				delete(g.failures, k)
			}
		}
	}
	for k := range g.failures {
		if len(g.failures) < loginKeys {
			break
		}
		delete(g.failures, k)
	}
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

// matches compares password with a bcrypt hash, waiting for a free slot
// first; a request whose time is up compares nothing.
func (g *loginGuard) matches(ctx context.Context, hash, password string) (bool, error) {
	if err := ctx.Err(); err != nil {
		return false, err
	}
	select {
	case g.hashing <- struct{}{}:
	case <-ctx.Done():
		return false, ctx.Err()
	}
	defer func() { <-g.hashing }()
	if err := ctx.Err(); err != nil { // a slot and the deadline came at once
		return false, err
	}
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

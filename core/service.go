// Package core is the canonical CRM: its entities, the use cases every dialect
// shares, its typed errors and its persistence. It knows no wire format.
package core

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"reflect"
	"sync"
	"time"

	"github.com/go-playground/validator/v10"
	"gorm.io/gorm"
)

// Service runs the use cases. It is safe for concurrent use.
type Service struct {
	db        *gorm.DB // statements outside transactions, through the statement cache (cachedStatements)
	begin     *gorm.DB // where transactions start, never through that cache
	clock     Clock
	validate  *validator.Validate
	defaultTZ string
	zones     *sync.Map // time zone name → *time.Location; shared by InTransaction's copies
	limiter   *rateLimiter
	logins    *loginGuard
	maxPage   int
	callers   *authCache // shared by InTransaction's copies
	// writeSlot, on SQLite, lets one transaction at a time hold a connection:
	// SQLite has one writer at a time anyway, and transactions waiting for it
	// in its busy handler held every connection of the pool, the readers'
	// too. Nil on MySQL, and in InTransaction's copies, whose transaction
	// holds it already.
	writeSlot chan struct{}
	attempts  int // how often tx runs a transaction chosen to break a deadlock; 1 in InTransaction's copies
}

// Options configures a Service.
type Options struct {
	Clock    Clock  // defaults to SystemClock
	TimeZone string // for new tenants; defaults to Asia/Shanghai
	// RateLimit is how many requests a second one token or site key may make
	// on average, RateBurst how many at once; 0 means no limit.
	RateLimit float64
	RateBurst int
	// MaxPageSize bounds the rows of one page; 0 means DefaultMaxPageSize.
	MaxPageSize int
	Logins      LoginLimits
}

// DefaultTimeZone is the time zone of a tenant created without one.
const DefaultTimeZone = "Asia/Shanghai"

// NewService returns a Service over db, which must come from OpenDB and be migrated.
func NewService(db *gorm.DB, opts Options) *Service {
	if opts.Clock == nil {
		opts.Clock = SystemClock{}
	}
	if opts.TimeZone == "" {
		opts.TimeZone = DefaultTimeZone
	}
	v := validator.New(validator.WithRequiredStructEnabled())
	// Name fields in errors by their `name` tag: the canonical field name every adapter maps from.
	v.RegisterTagNameFunc(func(f reflect.StructField) string {
		if n := f.Tag.Get("name"); n != "" {
			return n
		}
		return f.Name
	})
	if opts.MaxPageSize <= 0 {
		opts.MaxPageSize = DefaultMaxPageSize
	}
	return &Service{db: cachedStatements(db), begin: db, clock: opts.Clock, validate: v, defaultTZ: opts.TimeZone, zones: &sync.Map{},
		limiter: newRateLimiter(opts.RateLimit, opts.RateBurst), logins: newLoginGuard(opts.Logins), maxPage: opts.MaxPageSize,
		callers: newAuthCache(cachedStatements(db)), writeSlot: writeSlot(db), attempts: txAttempts}
}

// now is the time as stored: UTC, to the second.
func (s *Service) now() time.Time { return s.clock.Now().UTC().Truncate(time.Second) }

// Now is the service clock's time.
func (s *Service) Now() time.Time { return s.clock.Now() }

// Caller is who a request acts for. Every use case takes one and sees only its tenant.
type Caller struct {
	TenantID     uint64
	UserID       uint64
	DepartmentID uint64
	Location     *time.Location // the tenant's time zone
	Devices      []string       // the client editions its tenant allows (Tenant.Devices); none: any
	Dialects     DialectIDs     // its tenant's ids in the dialects
}

// CurrentMonth is the month it is now in the caller's tenant.
func (s *Service) CurrentMonth(c Caller) Month { return MonthOf(s.clock.Now().In(c.Location)) }

// check validates an input struct and returns the first problem as an EINVALID error.
func (s *Service) check(in any) error {
	err := s.validate.Struct(in)
	var verrs validator.ValidationErrors
	if errors.As(err, &verrs) && len(verrs) > 0 {
		f := verrs[0]
		field := Field(f.Field())
		switch f.Tag() {
		case "required":
			return Invalidf(field, "%s is required", field)
		case "max":
			return Invalidf(field, "%s is longer than %s", field, f.Param())
		default:
			return Invalidf(field, "%s is invalid (%s)", field, f.Tag())
		}
	}
	return err
}

// location loads a time zone once.
func (s *Service) location(name string) (*time.Location, error) {
	if l, ok := s.zones.Load(name); ok {
		return l.(*time.Location), nil
	}
	l, err := time.LoadLocation(name)
	if err != nil {
		return nil, fmt.Errorf("time zone %q: %w", name, err)
	}
	s.zones.Store(name, l)
	return l, nil
}

// tx runs fn in one transaction: a failed write leaves nothing behind. A
// transaction the database rolled back whole to break a deadlock (on Galera,
// also one that lost certification to a write on another node) is run again
// from the start, after a short random pause, up to s.attempts times; so fn
// builds everything it writes anew on each call, and changes nothing outside
// it but what it assigns. Inside InTransaction, a deadlock goes up to its
// caller.
func (s *Service) tx(ctx context.Context, fn func(tx *gorm.DB) error) error {
	return s.transaction(ctx, s.attempts, fn)
}

func (s *Service) transaction(ctx context.Context, attempts int, fn func(tx *gorm.DB) error) error {
	if s.writeSlot != nil {
		select {
		case s.writeSlot <- struct{}{}:
			defer func() { <-s.writeSlot }()
		case <-ctx.Done():
			return fmt.Errorf("waiting for the database's writer: %w", ctx.Err())
		}
	}
	for attempt := 1; ; attempt++ {
		before := s.callers.generation()
		err := s.begin.WithContext(ctx).Transaction(fn)
		s.callers.settled(before)
		s.space().note(err) // a COMMIT that finds no room runs no callback
		if attempt >= attempts || !deadlocked(err) {
			return err
		}
		pause := time.NewTimer(rand.N(min(time.Millisecond<<attempt, maxTxPause)))
		select {
		case <-pause.C:
		case <-ctx.Done():
			pause.Stop()
			return err
		}
	}
}

// txAttempts bounds how often tx runs a transaction that keeps being chosen
// to break a deadlock, and maxTxPause the random pause before each attempt
// (up to 2, 4, 8 … ms, then up to maxTxPause): they add up to 1.8 s at most,
// half that on average, well inside a request's timeout. A hot row written
// through every node of a Galera cluster (a contract 25 writers change at
// once through three nodes) loses its certification so often that eight
// attempts, and once in a few runs sixteen, were not enough.
const (
	txAttempts = 32
	maxTxPause = 64 * time.Millisecond
)

// InTransaction runs fn with a Service whose every use case writes in one
// transaction, committed when fn returns nil: all of fn's writes are kept, or
// none. Each use case still makes all its own checks, so a batch of writes
// (an import's, a seed's) keeps every invariant that a single request keeps,
// and commits once. A use case's own transaction is no savepoint within it
// (savepoints cost SQLite dearly in a long transaction), so fn must return
// the first error a use case returns, which rolls everything back. Unlike a
// use case's, this transaction is not run again after a deadlock: its callers
// keep what a batch did (counts, progress, what is written) outside it, and
// each of them (an import, a seed, a token import) can be run again and
// carries on where it failed.
func (s *Service) InTransaction(ctx context.Context, fn func(tx *Service) error) error {
	return s.transaction(ctx, 1, func(tx *gorm.DB) error {
		in := *s
		in.db = tx.Session(&gorm.Session{DisableNestedTransaction: true})
		in.begin, in.writeSlot, in.attempts = in.db, nil, 1
		return fn(&in)
	})
}

// mustExist checks that every id names a row of model in the caller's tenant.
func (s *Service) mustExist(ctx context.Context, c Caller, model any, entity string, ids []uint64) error {
	return mustExistAll(s.db.WithContext(ctx), c, model, entity, ids)
}

// mustExistAll checks in db that every id names a row of model in the caller's tenant.
func mustExistAll(db *gorm.DB, c Caller, model any, entity string, ids []uint64) error {
	if len(ids) == 0 {
		return nil
	}
	var n int64
	err := db.Model(model).Scopes(inTenant(c.TenantID)).Where("id IN ?", ids).Count(&n).Error
	if err != nil {
		return storeError(err, entity)
	}
	if int(n) != len(uniq(ids)) {
		return NotFoundf(entity, "%s %v not found", entity, ids)
	}
	return nil
}

// mustExistTx checks inside a transaction that id names a row of model in the caller's tenant.
func (s *Service) mustExistTx(tx *gorm.DB, c Caller, model any, entity string, id uint64) error {
	var n int64
	if err := tx.Model(model).Scopes(inTenant(c.TenantID)).Where("id = ?", id).Count(&n).Error; err != nil {
		return storeError(err, entity)
	}
	if n == 0 {
		return NotFoundf(entity, "%s %d not found", entity, id)
	}
	return nil
}

package core

import (
	"sync/atomic"
	"time"

	"github.com/hashicorp/golang-lru/v2/expirable"
	"gorm.io/gorm"
)

// AuthCacheTTL bounds how long a credential revoked, or a user or tenant
// changed, by another process on the same database (the CLI, another crmgw
// behind the same balancer) is still seen as it was here. This process's
// own writes take effect on its next request: they invalidate the cache.
const AuthCacheTTL = 2 * time.Second

// authCacheSize is how many credentials' callers are kept: the live
// tokens and site keys a busy tenant's clients send at once, and more.
const authCacheSize = 16384

// The cache's keys: a credential's kind, then its hash. A site key is
// public in a shop's pages: it must never pass for a token, nor a token for one.
const (
	tokenKey   = "token:"
	siteKeyKey = "site:"
)

// authTables are the tables an authenticated caller is read from.
var authTables = map[string]bool{"api_tokens": true, "site_keys": true, "users": true, "tenants": true}

// unreadColumns are columns of authTables no caller is read from: the
// tenant's contract numbering and name checks, which writers take at every
// numbered contract and every customer whose name must be unique.
var unreadColumns = map[string]bool{"contract_seq": true, "name_checks": true}

// countersOnly tells an update of unreadColumns alone (gorm's UpdateColumn),
// which leaves every cached caller as it was: counted, it made every request
// beside such writers authenticate from the database again.
func countersOnly(stmt *gorm.Statement) bool {
	cols, ok := stmt.Dest.(map[string]any)
	if !ok || len(cols) == 0 {
		return false
	}
	for col := range cols {
		if !unreadColumns[col] {
			return false
		}
	}
	return true
}

// authWrites is the store's count of the writes to authTables (any raw
// statement included): a caller cached before a write is not used after it.
// It counts once a write is committed, so that a caller read between the
// statement and its commit is not taken for a fresh one: after gorm's own
// transaction of a statement, and after Service.tx's (settled).
type authWrites struct{ generation atomic.Uint64 }

func (w *authWrites) Name() string { return "crmgw:auth_writes" }

func (w *authWrites) Initialize(db *gorm.DB) error {
	bump := func(db *gorm.DB) {
		if db.Error == nil && (db.Statement.Schema == nil || authTables[db.Statement.Schema.Table]) && !countersOnly(db.Statement) {
			w.generation.Add(1)
		}
	}
	cb := db.Callback()
	for _, err := range []error{
		cb.Create().After("gorm:commit_or_rollback_transaction").Register("crmgw:auth_writes", bump),
		cb.Update().After("gorm:commit_or_rollback_transaction").Register("crmgw:auth_writes", bump),
		cb.Delete().After("gorm:commit_or_rollback_transaction").Register("crmgw:auth_writes", bump),
		cb.Raw().After("gorm:raw").Register("crmgw:auth_writes", bump),
	} {
		if err != nil {
			return err
		}
	}
	return nil
}

// authCache keeps, by credential hash, the caller a token or site key was
// found to be, for AuthCacheTTL: the hot path of every request reads no
// table. An entry is used only while the store has seen no write to
// authTables since it was read.
type authCache struct {
	writes  *authWrites // nil: a store opened elsewhere, nothing cached
	entries *expirable.LRU[string, authEntry]
}

type authEntry struct {
	caller     Caller
	expiresAt  *time.Time // the credential's own expiry, checked on every use
	generation uint64
}

func newAuthCache(db *gorm.DB) *authCache {
	c := &authCache{entries: expirable.NewLRU[string, authEntry](authCacheSize, nil, AuthCacheTTL)}
	if db != nil {
		c.writes, _ = db.Config.Plugins[(&authWrites{}).Name()].(*authWrites)
	}
	return c
}

// generation is the count of writes to read before a lookup, so that an
// entry read before a write is stored as older than it.
func (c *authCache) generation() uint64 {
	if c.writes == nil {
		return 0
	}
	return c.writes.generation.Load()
}

// settled counts a transaction's end, committed or rolled back, if any
// write was counted since before (what generation read as it began): its
// statements were counted before its commit, and the callers read inside it
// may hold rows it rolled back.
func (c *authCache) settled(before uint64) {
	if c.writes != nil && c.writes.generation.Load() != before {
		c.writes.generation.Add(1)
	}
}

func (c *authCache) get(hash string) (authEntry, bool) {
	if c.writes == nil {
		return authEntry{}, false
	}
	e, ok := c.entries.Get(hash)
	return e, ok && e.generation == c.writes.generation.Load()
}

func (c *authCache) put(hash string, e authEntry) {
	if c.writes != nil {
		c.entries.Add(hash, e)
	}
}

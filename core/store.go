package core

import (
	"context"
	"crypto/rand"
	"database/sql"
	"database/sql/driver"
	"errors"
	"fmt"
	"io/fs"
	"net"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync/atomic"
	"time"

	"github.com/go-sql-driver/mysql"
	"github.com/ncruces/go-sqlite3"
	"github.com/ncruces/go-sqlite3/gormlite"
	gormmysql "gorm.io/driver/mysql"
	"gorm.io/gorm"
	"gorm.io/gorm/clause"
	"gorm.io/gorm/logger"
)

// Supported database drivers.
const (
	DriverSQLite = "sqlite"
	DriverMySQL  = "mysql"
)

// Pool bounds MySQL's connection pool in one process; zero leaves the
// driver's default. SQLite's pool is the engine's own (see sizePool).
type Pool struct {
	MaxOpenConns    int
	ConnMaxLifetime time.Duration
}

// Open opens the database with its pool sized, and migrates it: the store
// crmgw runs on.
func Open(driver, dsn string, pool Pool, clock Clock) (*gorm.DB, error) {
	db, err := openDB(driver, dsn, pool, clock)
	if err != nil {
		return nil, err
	}
	if err := Migrate(db); err != nil {
		if sqlDB, err := db.DB(); err == nil {
			_ = sqlDB.Close()
		}
		return nil, fmt.Errorf("migrate: %w", err)
	}
	return db, nil
}

// OpenDB opens the database, unmigrated, MySQL's pool the driver's default.
// For sqlite, dsn is a file path; for mysql, a go-sql-driver DSN. Times are
// kept in UTC to the second on both engines.
func OpenDB(driver, dsn string, clock Clock) (*gorm.DB, error) {
	return openDB(driver, dsn, Pool{}, clock)
}

func openDB(driver, dsn string, pool Pool, clock Clock) (*gorm.DB, error) {
	var dialector gorm.Dialector
	var idPool *sql.DB // MySQL's sequences' own connections (ids.go)
	switch driver {
	case DriverSQLite:
		if dir := filepath.Dir(dsn); dir != "." {
			if err := os.MkdirAll(dir, 0o755); err != nil {
				return nil, fmt.Errorf("create database folder: %w", err)
			}
		}
		dialector = gormlite.Open(sqliteDSN(dsn))
	case DriverMySQL:
		cfg, err := mysql.ParseDSN(dsn)
		if err != nil {
			return nil, fmt.Errorf("db.dsn: %w", err)
		}
		cfg.ParseTime = true
		cfg.Loc = time.UTC
		if cfg.Params == nil {
			cfg.Params = map[string]string{}
		}
		cfg.Params["charset"] = "utf8mb4"
		// A server that stops answering fails the request, not hangs it: the
		// request's deadline reaches queries, but not the driver's COMMIT and
		// ROLLBACK, which only these bound (and with them any single statement).
		// Arguments are put into the query's text by the driver: one round
		// trip per query, where a server-side statement took three (prepare,
		// execute, close). Statements kept prepared instead would count, per
		// connection of every process, against the server's
		// max_prepared_stmt_count, which refuses queries once reached.
		cfg.InterpolateParams = true
		if cfg.Timeout == 0 {
			cfg.Timeout = 5 * time.Second
		}
		if cfg.ReadTimeout == 0 {
			cfg.ReadTimeout = 30 * time.Second
		}
		if cfg.WriteTimeout == 0 {
			cfg.WriteTimeout = 30 * time.Second
		}
		dialector = gormmysql.Open(cfg.FormatDSN())
		if idPool, err = openIDPool(cfg); err != nil {
			return nil, err
		}
	default:
		return nil, fmt.Errorf("db.driver: unknown driver %q (sqlite or mysql)", driver)
	}
	db, err := gorm.Open(dialector, &gorm.Config{
		PrepareStmtMaxSize: preparedStatements, // cachedStatements'
		TranslateError:     true,
		Logger:             logger.Discard,
		NowFunc:            func() time.Time { return clock.Now().UTC().Truncate(time.Second) },
	})
	if err != nil {
		return nil, err
	}
	if err := registerColumnChecks(db); err != nil {
		return nil, err
	}
	if err := db.Use(&idSequences{pool: idPool}); err != nil {
		return nil, err
	}
	if err := db.Use(&spaceWatch{}); err != nil {
		return nil, err
	}
	if err := db.Use(&authWrites{}); err != nil {
		return nil, err
	}
	sqlDB, err := db.DB()
	if err != nil {
		return nil, err
	}
	sizePool(sqlDB, driver, pool)
	return db, nil
}

// openIDPool opens the few connections of MySQL's id sequences (takeIDsApart),
// apart from the writers' pool so that a writer holding its connection never
// waits for another from the same pool. They close when idle, so a store
// closed without them (a test's) leaves none open for long.
func openIDPool(cfg *mysql.Config) (*sql.DB, error) {
	cfg, err := mysql.ParseDSN(cfg.FormatDSN()) // a copy, its charset parameter read as such
	if err != nil {
		return nil, fmt.Errorf("db.dsn: %w", err)
	}
	cfg.ClientFoundRows = true
	connector, err := mysql.NewConnector(cfg)
	if err != nil {
		return nil, fmt.Errorf("db.dsn: %w", err)
	}
	pool := sql.OpenDB(connector)
	pool.SetMaxOpenConns(4)
	pool.SetMaxIdleConns(2)
	pool.SetConnMaxIdleTime(30 * time.Second)
	return pool, nil
}

const (
	sqliteConns        = 8
	preparedStatements = 256 // SQLite's, per process, each prepared on the connections that run it
)

// writeSlot is Service.writeSlot for db: one slot on SQLite, none on MySQL.
func writeSlot(db *gorm.DB) chan struct{} {
	if db == nil || db.Dialector.Name() != DriverSQLite {
		return nil
	}
	return make(chan struct{}, 1)
}

// cachedStatements is db with SQLite's statements compiled once per
// connection, not on every call (its parser was over a quarter of a read's
// CPU); bounded, as queries with IN lists vary in length. Only for statements
// outside transactions: a transaction that finds its statement being prepared
// elsewhere waits for it, and that preparation waits for a free connection,
// which transactions waiting on the one writer may all hold — the writer's
// included. MySQL needs no cache (see InterpolateParams in openDB).
func cachedStatements(db *gorm.DB) *gorm.DB {
	if db == nil || db.Dialector.Name() != DriverSQLite {
		return db
	}
	return db.Session(&gorm.Session{PrepareStmt: true})
}

// sizePool is the one place a connection pool is sized.
func sizePool(db *sql.DB, driver string, pool Pool) {
	if driver == DriverSQLite {
		// One writer at a time is all SQLite allows; a small pool keeps readers
		// concurrent under WAL. All kept open when idle: a connection closed
		// loses its page cache and its prepared statements.
		db.SetMaxOpenConns(sqliteConns)
		db.SetMaxIdleConns(sqliteConns)
		return
	}
	if pool.MaxOpenConns > 0 {
		db.SetMaxOpenConns(pool.MaxOpenConns)
		db.SetMaxIdleConns(pool.MaxOpenConns)
	}
	if pool.ConnMaxLifetime > 0 {
		db.SetConnMaxLifetime(pool.ConnMaxLifetime)
	}
}

// sqliteDSN turns a file path into the driver's URI: WAL for concurrent readers,
// a busy timeout instead of immediate SQLITE_BUSY, immediate transactions so a
// read-then-write never fails on a stale snapshot, a larger page cache, a fixed-width UTC time
// format that sorts as text, and a LIKE that matches case as MySQL's exact
// collation does (SQLite's folds ASCII case), so a search answers alike on both.
func sqliteDSN(path string) string {
	q := url.Values{}
	q.Add("_pragma", "busy_timeout(10000)")
	q.Add("_pragma", "journal_mode(wal)")
	q.Add("_pragma", "synchronous(normal)")
	q.Add("_pragma", "cache_size(-8000)") // 8 MiB of pages per connection (8 at most) instead of 2: big indexes stay warm
	q.Add("_pragma", "case_sensitive_like(1)")
	q.Add("_txlock", "immediate")
	q.Add("_timefmt", "2006-01-02 15:04:05")
	return "file:" + (&url.URL{Path: path}).EscapedPath() + "?" + q.Encode()
}

// Migrate creates or upgrades the schema and gives every tenant its default
// dictionaries. It is idempotent.
func Migrate(db *gorm.DB) error {
	if db.Dialector.Name() == DriverMySQL {
		collation, err := exactCollation(db)
		if err != nil {
			return err
		}
		// A new session: the statements below must not build on one another.
		db = db.Set("gorm:table_options", "ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE="+collation).Session(&gorm.Session{})
	}
	if err := db.AutoMigrate(allModels...); err != nil {
		return err
	}

	// Indexes replaced by wider ones. A record's last follow-up is read
	// through (…, contacted_at) on its own key: without it the planners walk
	// ix_histories_contacted back through every follow-up of the tenant. The
	// contracts' newest-first pages are read by (created_at, id), the
	// payments' by (direction, paid_on, id), a month's contracts of the
	// tenant or a department by (sign_date, id): no sort (SQLite sorted a
	// whole day's contracts for each page).
	m := db.Migrator()
	for _, old := range []struct {
		model any
		name  string
	}{{&Contract{}, "ix_contracts_owner_signed"}, {&ContactHistory{}, "ix_histories_customer"}, {&ContactHistory{}, "ix_histories_subject"},
		{&Contract{}, "ix_contracts_created"}, {&Payment{}, "ix_payments_paid"}, {&Contract{}, "ix_contracts_signed"},
		{&Contract{}, "ix_contracts_department_signed"}} {
		if m.HasIndex(old.model, old.name) {
			if err := m.DropIndex(old.model, old.name); err != nil {
				return err
			}
		}
	}
	// Payments recorded before they carried their contract's owner (owners are never 0);
	// checked at every start, so an upgrade cut short is finished by the next.
	if err := db.Exec(`UPDATE payments SET owner_id = (SELECT k.owner_id FROM contracts k
  WHERE k.id = payments.contract_id AND k.tenant_id = payments.tenant_id)
  WHERE owner_id = 0 AND EXISTS (SELECT 1 FROM contracts k WHERE k.id = payments.contract_id AND k.tenant_id = payments.tenant_id)`).Error; err != nil {
		return err
	}
	// Records written before the month counters or the employees' figures
	// were kept: counted once.
	monthsMissing, err := countersMissing(db)
	if err != nil {
		return err
	}
	usersMissing, err := userFiguresMissing(db)
	if err != nil {
		return err
	}
	if monthsMissing || usersMissing {
		if err := RecountFigures(db); err != nil {
			return fmt.Errorf("count the months' figures: %w", err)
		}
	}
	if err := fillDialectIDs(db); err != nil {
		return err
	}
	return seedDictionaries(db)
}

// exactCollation is the server's utf8mb4 collation that compares text as SQLite
// does, byte for byte, so that uniqueness and duplicate checks answer the same
// on both engines: binary, and with trailing spaces significant ("a " is not
// "a"), which utf8mb4_bin, a PAD SPACE collation, does not give. MariaDB has
// utf8mb4_nopad_bin, MySQL 8 utf8mb4_0900_bin (which MariaDB from 11.4.5 lists
// too, as a mere alias of utf8mb4_bin: hence nopad first); older servers only
// utf8mb4_bin.
func exactCollation(db *gorm.DB) (string, error) {
	var have []string
	if err := db.Raw(`SELECT COLLATION_NAME FROM information_schema.COLLATIONS
  WHERE COLLATION_NAME IN ('utf8mb4_0900_bin', 'utf8mb4_nopad_bin')`).Scan(&have).Error; err != nil {
		return "", err
	}
	for _, c := range []string{"utf8mb4_nopad_bin", "utf8mb4_0900_bin"} {
		if slices.Contains(have, c) {
			return c, nil
		}
	}
	return "utf8mb4_bin", nil
}

// ConvertCollation gives crmgw's MySQL tables made under another collation
// (utf8mb4_bin, before crmgw chose one with trailing spaces significant) the
// exact one. It rebuilds each such table — on MySQL 8 a copy that blocks
// writes to it meanwhile — so only `crmgw migrate` runs it, never a start;
// once done, it finds nothing to do. On SQLite it does nothing.
func ConvertCollation(db *gorm.DB) error {
	if db.Dialector.Name() != DriverMySQL {
		return nil
	}
	collation, err := exactCollation(db)
	if err != nil {
		return err
	}
	var tables []string
	for _, m := range allModels {
		stmt := &gorm.Statement{DB: db}
		if err := stmt.Parse(m); err != nil {
			return err
		}
		tables = append(tables, stmt.Schema.Table)
	}
	var stale []string
	if err := db.Raw(`SELECT TABLE_NAME FROM information_schema.TABLES
  WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME IN ? AND TABLE_COLLATION <> ?`, tables, collation).Scan(&stale).Error; err != nil {
		return err
	}
	for _, t := range stale {
		if err := db.Exec("ALTER TABLE " + db.Statement.Quote(t) + " CONVERT TO CHARACTER SET utf8mb4 COLLATE " + collation).Error; err != nil {
			return fmt.Errorf("table %s: %w", t, err)
		}
	}
	return nil
}

// SQLDB is the service's connection pool, for its statistics.
func (s *Service) SQLDB() (*sql.DB, error) {
	if s.db == nil {
		return nil, errors.New("no database")
	}
	return s.db.DB()
}

// Ping checks that the database answers; on SQLite, that its files can still
// be written; and, once a write has failed for lack of space, that there is
// room again (see probeSpace).
func (s *Service) Ping(ctx context.Context) error {
	sqlDB, err := s.db.DB()
	if err != nil {
		return err
	}
	if err := sqlDB.PingContext(ctx); err != nil {
		return err
	}
	switch s.db.Dialector.Name() {
	case DriverSQLite:
		if err := s.filesWritable(ctx); err != nil {
			return err
		}
	case DriverMySQL:
		if err := s.nodeSynced(ctx); err != nil {
			return err
		}
	}
	return s.probeSpace(ctx)
}

// nodeSynced checks, on a node of a Galera cluster, that the node is synced
// with the cluster's primary component (wsrep_local_state 4), as Galera's
// own clustercheck does: a node that is joining or cut off from the others
// answers pings but refuses queries (error 1047), and one donating its state
// by rsync holds every write until the transfer ends; a balancer asking
// /readyz must take either out. A server that does not replicate that way
// (wsrep_on OFF, or MySQL, which has no such variable) is ready once it answers.
func (s *Service) nodeSynced(ctx context.Context) error {
	var v struct{ VariableName, Value string }
	db := s.db.WithContext(ctx)
	if err := db.Raw("SHOW GLOBAL VARIABLES LIKE 'wsrep_on'").Scan(&v).Error; err != nil || !strings.EqualFold(v.Value, "ON") {
		return err
	}
	v = struct{ VariableName, Value string }{}
	if err := db.Raw("SHOW GLOBAL STATUS LIKE 'wsrep_local_state'").Scan(&v).Error; err != nil {
		return err
	}
	if v.Value != "4" {
		return fmt.Errorf("this Galera node is not synced with the cluster's primary component (wsrep_local_state %s)", v.Value)
	}
	return nil
}

// filesWritable checks that SQLite's files can be opened for writing: an
// unwritable file (read-only, immutable, on a file system gone read-only)
// goes on answering reads while every write fails.
func (s *Service) filesWritable(ctx context.Context) error {
	var files []struct{ File string }
	if err := s.db.WithContext(ctx).Raw("PRAGMA database_list").Scan(&files).Error; err != nil {
		return err
	}
	for _, f := range files {
		if f.File == "" { // a database in memory
			continue
		}
		for _, path := range []string{f.File, f.File + "-wal"} {
			// Opened for writing, not written: the open alone meets what would stop a write.
			w, err := os.OpenFile(path, os.O_WRONLY, 0)
			if errors.Is(err, fs.ErrNotExist) && path != f.File {
				continue // no WAL yet
			}
			if err != nil {
				return err
			}
			w.Close()
		}
	}
	return nil
}

// probeBytes is what the space probe writes: more than a usual write needs, so
// that a disk with room for the probe alone but not for the writes clients
// make does not look ready.
const probeBytes = 64 << 10

// spaceProbe is the one row probeSpace writes.
type spaceProbe struct {
	ID        uint64 `gorm:"primaryKey"`
	Filler    []byte `gorm:"not null"`
	WrittenAt time.Time
}

// probeSpace, once a write has failed for lack of space, writes the probe's
// row, and is ready again only when that succeeds: a full disk goes on
// answering pings and reads while every write fails, and nothing but a write
// tells when space is back. The filler is random, so that neither a
// compressing file system nor an unchanged row makes the write free.
func (s *Service) probeSpace(ctx context.Context) error {
	if !s.space().full.Load() {
		return nil
	}
	p := spaceProbe{ID: 1, Filler: make([]byte, probeBytes), WrittenAt: s.now()}
	_, _ = rand.Read(p.Filler)
	if err := s.db.WithContext(ctx).Clauses(clause.OnConflict{UpdateAll: true}).Create(&p).Error; err != nil {
		return fmt.Errorf("no room for writes: %w", err)
	}
	s.space().full.Store(false)
	return nil
}

// spaceWatch notes that a write failed for lack of space, for Ping. A gorm
// plugin, so that every Service over one database shares it.
type spaceWatch struct{ full atomic.Bool }

// spacePlugin is spaceWatch's name among db's plugins.
const spacePlugin = "crmgw:space"

func (*spaceWatch) Name() string { return spacePlugin }

// Initialize watches every write's outcome, COMMIT included: outside a
// transaction gorm commits in gorm:commit_or_rollback_transaction, and SQLite
// may find no room only then. (Service.tx watches its own COMMIT, which runs
// no callback.)
func (w *spaceWatch) Initialize(db *gorm.DB) error {
	note := func(db *gorm.DB) { w.note(db.Error) }
	cb := db.Callback()
	const after = "gorm:commit_or_rollback_transaction"
	return errors.Join(
		cb.Create().After(after).Register(spacePlugin, note),
		cb.Update().After(after).Register(spacePlugin, note),
		cb.Delete().After(after).Register(spacePlugin, note),
		cb.Raw().After("gorm:raw").Register(spacePlugin, note),
	)
}

// space is the spaceWatch OpenDB gave s's database.
func (s *Service) space() *spaceWatch { return s.db.Config.Plugins[spacePlugin].(*spaceWatch) }

func (w *spaceWatch) note(err error) {
	if noSpace(err) {
		w.full.Store(true)
	}
}

// inTenant scopes a query to one tenant's rows: the one helper every query goes through.
func inTenant(tenantID uint64) func(*gorm.DB) *gorm.DB {
	return func(db *gorm.DB) *gorm.DB {
		return db.Where(clause.Eq{Column: clause.Column{Table: clause.CurrentTable, Name: "tenant_id"}, Value: tenantID})
	}
}

// unavailable tells a database that is out of reach — refused, cut, gone away,
// read-only, full, locked for longer than the busy timeout, or slower than the
// request's deadline — from everything else, which is a bug.
func unavailable(err error) bool {
	var netErr net.Error
	var myErr *mysql.MySQLError
	switch {
	case errors.Is(err, context.DeadlineExceeded), errors.Is(err, context.Canceled),
		errors.Is(err, driver.ErrBadConn), errors.Is(err, mysql.ErrInvalidConn),
		errors.As(err, &netErr), noSpace(err):
		return true
	case errors.As(err, &myErr):
		switch myErr.Number {
		case 1040, // too many connections
			1053, // server shutdown in progress
			1205, // lock wait timeout
			1213, // deadlock, after tx's attempts
			1290, // the server runs --read-only
			1317, // query interrupted
			1927, // connection killed
			4031: // disconnected for inactivity
			return true
		case 1047, // the server refuses commands: a Galera node out of the primary component, or not yet synced
			1180: // the COMMIT failed, so nothing was written (a Galera node shutting down)
			return true
		}
	}
	for _, code := range []sqlite3.ErrorCode{sqlite3.BUSY, sqlite3.LOCKED, sqlite3.READONLY, sqlite3.CANTOPEN,
		sqlite3.IOERR, sqlite3.PERM, sqlite3.INTERRUPT} {
		if errors.Is(err, code) {
			return true
		}
	}
	return false
}

// deadlocked tells a transaction that the database rolled back to break a
// deadlock; Galera reports a lost certification the same way.
func deadlocked(err error) bool {
	var myErr *mysql.MySQLError
	return errors.As(err, &myErr) && myErr.Number == 1213
}

// noSpace tells a write that failed for lack of space: MySQL's disk full and
// table full (InnoDB's answer when a tablespace cannot grow); SQLite's FULL,
// and its IOERR_WRITE, which is what the driver makes of ENOSPC on Unix (it
// looks for the errno itself, not inside the *os.PathError it gets). A write
// error of another cause costs Ping one probe write, nothing more.
func noSpace(err error) bool {
	var myErr *mysql.MySQLError
	if errors.As(err, &myErr) {
		return myErr.Number == 1021 || myErr.Number == 1114
	}
	return errors.Is(err, sqlite3.FULL) || errors.Is(err, sqlite3.IOERR_WRITE)
}

// likeEscaper escapes LIKE's wildcards with '!': a backslash means different
// things in MySQL and SQLite string literals.
var likeEscaper = strings.NewReplacer("!", "!!", "%", "!%", "_", "!_")

// containsPattern is the LIKE pattern (with ESCAPE '!') of text anywhere,
// taken literally. A NUL is refused: SQLite's LIKE stops reading the pattern
// there, so "a\x00b" would match whatever holds "a".
func containsPattern(field Field, text string) (string, error) {
	if strings.ContainsRune(text, 0) {
		return "", Invalidf(field, "%s contains a NUL character", field)
	}
	return "%" + likeEscaper.Replace(text) + "%", nil
}

// storeError turns persistence errors into core errors, so no adapter sees gorm.
// what names the record for not-found and conflict messages.
func storeError(err error, entity string) error {
	switch {
	case err == nil:
		return nil
	case errors.Is(err, gorm.ErrRecordNotFound):
		return NotFoundf(entity, "%s not found", entity)
	case errors.Is(err, gorm.ErrDuplicatedKey):
		return Errorf(ECONFLICT, "%s already exists", entity)
	default:
		var e *Error
		if errors.As(err, &e) {
			return e
		}
		return fmt.Errorf("%s: %w", entity, err)
	}
}

// bulkTables are the models a bulk load fills.
var bulkTables = []any{&Customer{}, &CustomerTag{}, &ContactHistory{}, &Opportunity{}, &Contract{}, &Payment{}}

// BulkLoad runs load, which fills an empty store with many records (crmgw
// seed bench), with the tables it fills stripped of their non-unique indexes,
// and builds those after, each from its rows sorted once: kept during the
// load, every index took every row at a random place, and at a million
// contracts that was most of SQLite's time. The unique indexes stay, and go on
// checking. A store that holds customers already is loaded as it is, indexes
// and all; an empty one must not be served meanwhile, as its queries would
// read whole tables. Should the process die, the next Migrate (each start runs
// one) builds the missing indexes.
func (s *Service) BulkLoad(ctx context.Context, load func() error) error {
	db := s.begin.WithContext(ctx)
	var some []uint64
	if err := db.Model(&Customer{}).Limit(1).Pluck("tenant_id", &some).Error; err != nil {
		return storeError(err, "customer")
	}
	if len(some) > 0 {
		return load()
	}
	m := db.Migrator()
	for _, model := range bulkTables {
		stmt := &gorm.Statement{DB: db}
		if err := stmt.Parse(model); err != nil {
			return err
		}
		for _, ix := range stmt.Schema.ParseIndexes() {
			if ix.Class == "" && m.HasIndex(model, ix.Name) {
				if err := m.DropIndex(model, ix.Name); err != nil {
					return fmt.Errorf("index %s: %w", ix.Name, err)
				}
			}
		}
	}
	err := load()
	// Built even when the load was cancelled: the store must not stay without them.
	if err := Migrate(s.begin.WithContext(context.WithoutCancel(ctx))); err != nil {
		return fmt.Errorf("build the indexes again: %w", err)
	}
	return err
}

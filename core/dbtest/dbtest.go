// Package dbtest runs a storage test on every engine: always on a fresh SQLite
// file, and on a fresh MySQL database when CRMGW_TEST_MYSQL_DSN is set.
package dbtest

import (
	"crypto/rand"
	"encoding/hex"
	"os"
	"path/filepath"
	"testing"

	"github.com/go-sql-driver/mysql"
	"gorm.io/gorm"

	"crmgw/core"
)

// MySQLEnv names the variable holding a MySQL DSN (no database needed) for tests.
const MySQLEnv = "CRMGW_TEST_MYSQL_DSN"

// Run runs fn as a subtest per engine, each on a fresh, migrated database that
// is removed at the end.
func Run(t *testing.T, clock core.Clock, fn func(t *testing.T, db *gorm.DB)) {
	t.Helper()
	for _, driver := range Drivers() {
		t.Run(driver, func(t *testing.T) { fn(t, Open(t, driver, clock)) })
	}
}

// Drivers are the engines to test on: SQLite, and MySQL when CRMGW_TEST_MYSQL_DSN is set.
func Drivers() []string {
	if os.Getenv(MySQLEnv) != "" {
		return []string{core.DriverSQLite, core.DriverMySQL}
	}
	return []string{core.DriverSQLite}
}

// Open opens a fresh, migrated database on driver, removed when t ends.
func Open(t testing.TB, driver string, clock core.Clock) *gorm.DB {
	t.Helper()
	if driver == core.DriverMySQL {
		return openMySQL(t, os.Getenv(MySQLEnv), clock)
	}
	return openSQLite(t, clock)
}

func openSQLite(t testing.TB, clock core.Clock) *gorm.DB {
	t.Helper()
	db, err := core.OpenDB(core.DriverSQLite, filepath.Join(t.TempDir(), "crmgw.db"), clock)
	if err != nil {
		t.Fatal(err)
	}
	return migrated(t, db)
}

// openMySQL creates a database of its own for this test and drops it afterwards.
func openMySQL(t testing.TB, dsn string, clock core.Clock) *gorm.DB {
	t.Helper()
	cfg, err := mysql.ParseDSN(dsn)
	if err != nil {
		t.Fatalf("%s: %v", MySQLEnv, err)
	}
	suffix := make([]byte, 6)
	_, _ = rand.Read(suffix)
	name := "crmgw_test_" + hex.EncodeToString(suffix)
	cfg.DBName = ""
	admin, err := core.OpenDB(core.DriverMySQL, cfg.FormatDSN(), clock)
	if err != nil {
		t.Fatal(err)
	}
	if err := admin.Exec("CREATE DATABASE " + name + " CHARACTER SET utf8mb4 COLLATE utf8mb4_bin").Error; err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := admin.Exec("DROP DATABASE " + name).Error; err != nil {
			t.Errorf("drop %s: %v", name, err)
		}
		closeDB(admin)
	})
	cfg.DBName = name
	db, err := core.OpenDB(core.DriverMySQL, cfg.FormatDSN(), clock)
	if err != nil {
		t.Fatal(err)
	}
	return migrated(t, db)
}

func migrated(t testing.TB, db *gorm.DB) *gorm.DB {
	t.Helper()
	if err := core.Migrate(db); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { closeDB(db) })
	return db
}

func closeDB(db *gorm.DB) {
	if sqlDB, err := db.DB(); err == nil {
		_ = sqlDB.Close()
	}
}

// Again opens another handle on db's database, as another process on the
// same database would (its own pool, its own plugins' state), closed when t ends.
func Again(t testing.TB, db *gorm.DB, clock core.Clock) *gorm.DB {
	t.Helper()
	var dsn string
	switch db.Dialector.Name() {
	case core.DriverMySQL:
		cfg, err := mysql.ParseDSN(os.Getenv(MySQLEnv))
		if err != nil {
			t.Fatal(err)
		}
		if err := db.Raw("SELECT DATABASE()").Scan(&cfg.DBName).Error; err != nil {
			t.Fatal(err)
		}
		dsn = cfg.FormatDSN()
	default:
		var files []struct{ Name, File string }
		if err := db.Raw("PRAGMA database_list").Scan(&files).Error; err != nil || len(files) == 0 {
			t.Fatalf("the SQLite file: %v %v", files, err)
		}
		dsn = files[0].File
	}
	again, err := core.OpenDB(db.Dialector.Name(), dsn, clock)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { closeDB(again) })
	return again
}

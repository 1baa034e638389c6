package main

import (
	"context"
	"io"
	"path/filepath"
	"testing"
	"time"

	"gorm.io/gorm"

	"crmgw/app"
	"crmgw/config"
	"crmgw/core"
)

// tokenDB is a test's SQLite database, open beside the command under test.
type tokenDB struct {
	t   *testing.T
	app *app.App
	db  *gorm.DB
	svc *core.Service
}

func openTokenDB(t *testing.T, dsn string) *tokenDB {
	t.Helper()
	cfg, err := config.Load(nil)
	if err != nil {
		t.Fatal(err)
	}
	cfg.DB.DSN = dsn
	a, err := app.Open(cfg, app.Seams{Logs: io.Discard})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = a.Close() })
	return &tokenDB{t: t, app: a, db: a.DB, svc: a.Service}
}

func (d *tokenDB) must(err error) {
	d.t.Helper()
	if err != nil {
		d.t.Fatal(err)
	}
}

// seed gives the database a registered token, a login token that expired a
// day ago and one valid for an hour more, and returns the two that work.
func (d *tokenDB) seed() []string {
	d.t.Helper()
	ctx := context.Background()
	tn, err := d.svc.EnsureTenant(ctx, "acme")
	d.must(err)
	u, err := d.svc.EnsureUser(ctx, tn.ID, "ann", 0)
	d.must(err)
	registered, err := d.svc.RegisterToken(ctx, tn.ID, u.ID, "")
	d.must(err)
	d.must(d.svc.SetPassword(ctx, tn.ID, "ann", "s3cret"))
	yesterday := app.New(d.app.Config, d.db, app.Seams{Clock: core.FixedClock(time.Now().Add(-24 * time.Hour)), Logs: io.Discard}).Service
	_, err = yesterday.Login(ctx, core.LoginRequest{UserName: "ann", Password: "s3cret", Token: core.NewTokenValue(), TTL: time.Hour})
	d.must(err)
	s, err := d.svc.Login(ctx, core.LoginRequest{UserName: "ann", Password: "s3cret", Token: core.NewTokenValue(), TTL: time.Hour})
	d.must(err)
	return []string{registered, s.Token}
}

func (d *tokenDB) count() int64 {
	d.t.Helper()
	var n int64
	d.must(d.db.Model(&core.APIToken{}).Count(&n).Error)
	return n
}

// expectOnly checks that the working tokens alone are left, and work.
func (d *tokenDB) expectOnly(when string, working []string) {
	d.t.Helper()
	if n := d.count(); n != int64(len(working)) {
		d.t.Errorf("%s: %d tokens left, want %d (the expired one deleted)", when, n, len(working))
	}
	for _, tok := range working {
		if _, err := d.svc.Authenticate(context.Background(), tok); err != nil {
			d.t.Errorf("%s: a token that should work: %v", when, err)
		}
	}
}

func TestMigrateSweepsExpiredTokens(t *testing.T) {
	dsn := filepath.Join(t.TempDir(), "crmgw.db")
	d := openTokenDB(t, dsn)
	working := d.seed()
	if _, err := run(t, dsn, "", "migrate"); err != nil {
		t.Fatal(err)
	}
	d.expectOnly("after migrate", working)
}

// serve sweeps at start (and then every few minutes, which no test waits
// for), and the sweep stops with the server.
func TestServeSweepsExpiredTokensAtStart(t *testing.T) {
	dsn := filepath.Join(t.TempDir(), "crmgw.db")
	d := openTokenDB(t, dsn)
	working := d.seed()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	done := serveInProcess(ctx, "--listen", "127.0.0.1:0", "--admin-listen", "127.0.0.1:0", "--db-dsn", dsn)
	for begin := time.Now(); d.count() > int64(len(working)); time.Sleep(20 * time.Millisecond) {
		select {
		case err := <-done:
			t.Fatalf("serve ended before sweeping: %v", err)
		default:
		}
		if time.Since(begin) > time.Minute {
			t.Fatal("serve has not swept the expired token")
		}
	}
	cancel()
	if err := <-done; err != nil {
		t.Fatalf("serve: %v", err)
	}
	d.expectOnly("after serve", working)
}

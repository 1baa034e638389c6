package core_test

import (
	"context"
	"fmt"
	"sync/atomic"
	"testing"

	"github.com/go-sql-driver/mysql"
	"github.com/ncruces/go-sqlite3"
	"gorm.io/gorm"

	"crmgw/core"
)

// A write that fails for lack of space makes Ping fail until a write succeeds
// again, on both engines and whichever engine's error it is: a full disk goes
// on answering pings and reads. The errors are injected before every create
// and update, the space probe's included; a real full disk is the SQLite
// tmpfs test in test/. Other unavailable errors leave readiness to the ping.
func TestPingFailsWhileWritesFindNoSpace(t *testing.T) {
	eachEngine(t, func(t *testing.T, db *gorm.DB, svc *core.Service) {
		ctx := context.Background()
		o := newOrg(t, svc, "acme", "sales", "ann")
		var inject atomic.Pointer[error]
		fail := func(db *gorm.DB) {
			if err := inject.Load(); err != nil {
				db.AddError(*err)
			}
		}
		must(t, db.Callback().Create().Before("gorm:create").Register("test:inject_create", fail))
		must(t, db.Callback().Update().Before("gorm:update").Register("test:inject_update", fail))

		writes := []struct {
			name  string
			write func() error
		}{
			{"in a transaction", func() error {
				_, err := svc.CreateCustomer(ctx, o.caller, core.NewCustomer{Name: "c"})
				return err
			}},
			{"alone", func() error {
				_, err := svc.RegisterToken(ctx, o.tenant.ID, o.caller.UserID, "")
				return err
			}},
		}
		for _, c := range []struct {
			err     error
			noSpace bool
		}{
			{&mysql.MySQLError{Number: 1114, Message: "The table 'customers' is full"}, true},
			{&mysql.MySQLError{Number: 1021, Message: "Disk full (./crmgw/); waiting for someone to free some space..."}, true},
			{fmt.Errorf("commit: %w", sqlite3.FULL), true},
			{fmt.Errorf("commit: %w", sqlite3.IOERR_WRITE), true},
			{&mysql.MySQLError{Number: 1205, Message: "Lock wait timeout exceeded"}, false},
			{fmt.Errorf("customer: %w", sqlite3.BUSY), false},
		} {
			for _, w := range writes {
				inject.Store(&c.err)
				if err := w.write(); core.ErrorCode(err) != core.EUNAVAILABLE {
					t.Fatalf("%v, a write %s: %v, want unavailable", c.err, w.name, err)
				}
				err := svc.Ping(ctx)
				switch {
				case c.noSpace && err == nil:
					t.Errorf("%v, a write %s failed: Ping succeeds while writes find no space", c.err, w.name)
				case !c.noSpace && err != nil:
					t.Errorf("%v, a write %s failed: Ping %v, want the ping's answer alone", c.err, w.name, err)
				}
				if c.noSpace {
					if err := svc.Ping(ctx); err == nil {
						t.Errorf("%v, a write %s failed: a second Ping succeeds while the probe finds no space", c.err, w.name)
					}
				}
				inject.Store(nil)
				if err := svc.Ping(ctx); err != nil {
					t.Errorf("%v, a write %s failed, then space came back: Ping %v", c.err, w.name, err)
				}
				must(t, w.write())
				must(t, svc.Ping(ctx))
			}
		}
	})
}

package core

import (
	"context"
	"errors"
	"fmt"
	"net"
	"testing"
	"time"

	"github.com/go-sql-driver/mysql"
	"github.com/ncruces/go-sqlite3"
)

func TestRateLimiterBucketPerKey(t *testing.T) {
	l := newRateLimiter(1, 2)
	t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	for i := range 2 {
		if wait := l.wait("a", t0); wait != 0 {
			t.Fatalf("request %d within the burst waits %s", i+1, wait)
		}
	}
	if wait := l.wait("a", t0); wait != time.Second {
		t.Errorf("past the burst: wait %s, want 1s", wait)
	}
	if wait := l.wait("a", t0); wait != time.Second {
		t.Errorf("a refused request must take nothing from the bucket: wait %s, want 1s", wait)
	}
	if wait := l.wait("b", t0); wait != 0 {
		t.Errorf("another key waits %s", wait)
	}
	if wait := l.wait("a", t0.Add(time.Second)); wait != 0 {
		t.Errorf("a second later: wait %s", wait)
	}
	l.wait("c", t0.Add(2*time.Minute)) // a minute on, the sweep drops the refilled buckets of a and b
	if len(l.buckets) != 1 {
		t.Errorf("%d buckets kept after the sweep, want 1 (c's)", len(l.buckets))
	}
	off := newRateLimiter(0, 20)
	for range 1000 {
		if off.wait("a", t0) != 0 {
			t.Fatal("a rate of 0 limits")
		}
	}
}

func TestDatabaseOutOfReachIsUnavailable(t *testing.T) {
	for _, c := range []struct {
		err  error
		want string
	}{
		{fmt.Errorf("contract: %w", context.DeadlineExceeded), EUNAVAILABLE},
		{&net.OpError{Op: "dial", Net: "tcp", Err: errors.New("connection refused")}, EUNAVAILABLE},
		{fmt.Errorf("token: %w", mysql.ErrInvalidConn), EUNAVAILABLE},
		{&mysql.MySQLError{Number: 1053, Message: "Server shutdown in progress"}, EUNAVAILABLE},
		{&mysql.MySQLError{Number: 1290, Message: "--read-only"}, EUNAVAILABLE},
		{fmt.Errorf("payment: %w", &mysql.MySQLError{Number: 1213, Message: "Deadlock found"}), EUNAVAILABLE}, // after every attempt
		{fmt.Errorf("customer: %w", sqlite3.READONLY), EUNAVAILABLE},
		{fmt.Errorf("customer: %w", sqlite3.BUSY), EUNAVAILABLE},
		{&mysql.MySQLError{Number: 1064, Message: "You have an error in your SQL syntax"}, EINTERNAL},
		{fmt.Errorf("customer: %w", sqlite3.CONSTRAINT), EINTERNAL},
		{errors.New("nil pointer"), EINTERNAL},
		{Invalidf("name", "empty"), EINVALID},
	} {
		if got := ErrorCode(c.err); got != c.want {
			t.Errorf("%v: %s, want %s", c.err, got, c.want)
		}
	}
	if e := AsError(context.DeadlineExceeded); e.RetryAfter <= 0 || e.Message != "the database is unavailable" {
		t.Errorf("unavailable: %+v", e)
	}
}

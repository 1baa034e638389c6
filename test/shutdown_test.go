package test

import (
	"context"
	"io"
	"log/slog"
	"net"
	"net/http"
	"testing"
	"time"

	"gorm.io/gorm"

	"crmgw/config"
	"crmgw/core"
	"crmgw/core/dbtest"
	"crmgw/gateway"
)

// Cancelling Serve's context (what SIGINT/SIGTERM do) stops it cleanly: it returns nil.
func TestServeStopsCleanlyWhenToldTo(t *testing.T) {
	dbtest.Run(t, core.FixedClock(now), func(t *testing.T, db *gorm.DB) {
		cfg, err := config.Load(nil)
		if err != nil {
			t.Fatal(err)
		}
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		ctx, cancel := context.WithCancel(context.Background())
		srv := gateway.New(cfg, core.NewService(db, core.Options{}), slog.New(slog.NewTextHandler(io.Discard, nil)))
		done := make(chan error, 1)
		go func() { done <- srv.Serve(ctx, ln) }()
		res, err := http.Get("http://" + ln.Addr().String() + "/healthz")
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		cancel()
		select {
		case err := <-done:
			if err != nil {
				t.Fatalf("Serve returned %v, want nil", err)
			}
		case <-time.After(cfg.ShutdownGrace + 5*time.Second):
			t.Fatal("Serve did not stop")
		}
		if _, err := http.Get("http://" + ln.Addr().String() + "/healthz"); err == nil {
			t.Fatal("the server still answers after shutdown")
		}
	})
}

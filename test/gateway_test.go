package test

import (
	"net/http"
	"testing"
)

func TestHealthAndReadiness(t *testing.T) {
	eachEngine(t, func(e *env) {
		if status, body := e.get("/healthz"); status != http.StatusOK || string(body) != "{\"status\":\"ok\"}\n" {
			t.Errorf("healthz: %d %s", status, body)
		}
		if status, body := e.get("/readyz"); status != http.StatusOK || string(body) != "{\"status\":\"ready\"}\n" {
			t.Errorf("readyz: %d %s", status, body)
		}
		sqlDB, err := e.db.DB()
		e.must(err)
		e.must(sqlDB.Close())
		if status, _ := e.get("/readyz"); status != http.StatusServiceUnavailable {
			t.Errorf("readyz with the database closed: %d, want 503", status)
		}
		if status, _ := e.get("/healthz"); status != http.StatusOK {
			t.Errorf("healthz with the database closed: %d, want 200", status)
		}
	})
}

package main

import (
	"path/filepath"
	"strings"
	"testing"
)

// admin token add prints a made token once and nothing of a given one; list
// shows ids and names, never values; revoke takes an id.
func TestAdminTokenCommands(t *testing.T) {
	dsn := filepath.Join(t.TempDir(), "crmgw.db")
	made, err := run(t, dsn, "", "admin", "token", "add", "--name", "ops")
	if err != nil || strings.Count(made, "\n") != 1 || len(made) < 32 {
		t.Fatalf("admin token add: %q, %v", made, err)
	}
	if out, err := run(t, dsn, "", "admin", "token", "add", "--name", "ci", "--value", "the-ci-admin-token"); err != nil || out != "" {
		t.Fatalf("admin token add --value: %q, %v", out, err)
	}
	if _, err := run(t, dsn, "", "admin", "token", "add", "--value", "the-ci-admin-token"); err == nil {
		t.Fatal("the same value twice was registered")
	}
	list, err := run(t, dsn, "", "admin", "token", "list")
	if err != nil || !strings.Contains(list, "1   ops") || !strings.Contains(list, "2   ci") ||
		strings.Contains(list, strings.TrimSpace(made)) || strings.Contains(list, "the-ci-admin-token") {
		t.Fatalf("admin token list: %q, %v", list, err)
	}
	if _, err := run(t, dsn, "", "admin", "token", "revoke", "1"); err != nil {
		t.Fatal(err)
	}
	if _, err := run(t, dsn, "", "admin", "token", "revoke", "1"); err == nil {
		t.Fatal("revoking a revoked token succeeded")
	}
	if _, err := run(t, dsn, "", "admin", "token", "revoke", "ops"); err == nil {
		t.Fatal("revoking by a name succeeded")
	}
	if list, _ := run(t, dsn, "", "admin", "token", "list"); strings.Contains(list, "ops") || !strings.Contains(list, "ci") {
		t.Fatalf("after the revoke: %q", list)
	}
}

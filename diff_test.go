package main

import (
	"context"
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"crmgw/core"
)

// crmgw diff report prints, per endpoint compared, its counters, its last
// error and its most frequent differing fields with an example each; as JSON
// too; one dialect's alone with --dialect, a name no dialect has refused.
func TestDiffReport(t *testing.T) {
	dsn := filepath.Join(t.TempDir(), "crmgw.db")
	if out, err := run(t, dsn, "", "diff", "report"); err != nil || out != "no comparisons recorded\n" {
		t.Fatalf("diff report before any comparison: %q, %v", out, err)
	}
	if out, err := run(t, dsn, "", "diff", "report", "--json"); err != nil || out != "[]\n" {
		t.Fatalf("diff report --json before any comparison: %q, %v", out, err)
	}

	at := time.Date(2026, 12, 1, 9, 30, 0, 0, time.UTC)
	db, err := core.Open(core.DriverSQLite, dsn, core.Pool{}, core.SystemClock{})
	if err != nil {
		t.Fatal(err)
	}
	svc := core.NewService(db, core.Options{})
	ctx := context.Background()
	for _, c := range []core.Comparison{
		{Dialect: "ikcrm", Endpoint: "/api/v2/contracts/:id", Result: core.MirrorIdentical, At: at},
		{Dialect: "ikcrm", Endpoint: "/api/v2/contracts/:id", Result: core.MirrorDifferent, At: at, Diffs: []core.FieldDiff{
			{Path: "data.total_amount", Upstream: `"100.0"`, Local: `"100.00"`},
			{Path: "data.title", Upstream: "\"line\\nbreak\x1b[2J\"", Local: `"x"`}}},
		{Dialect: "ikcrm", Endpoint: "/api/v2/contracts/:id", Result: core.MirrorDifferent, At: at, Diffs: []core.FieldDiff{
			{Path: "data.total_amount", Upstream: `"200.0"`, Local: `"200.00"`}}},
		{Dialect: "ikcrm", Endpoint: "/api/v2/contracts/:id", Result: core.MirrorError, At: at, Error: "timeout after 5s"},
		{Dialect: "oa", Endpoint: "/oa/crm/home", Result: core.MirrorIdentical, At: at},
	} {
		if err := svc.RecordComparison(ctx, c, 5); err != nil {
			t.Fatal(err)
		}
	}
	if sqlDB, err := db.DB(); err == nil {
		_ = sqlDB.Close()
	}

	out, err := run(t, dsn, "", "diff", "report", "--json", "--fields", "1")
	if err != nil {
		t.Fatal(err)
	}
	var rows []diffEndpoint
	if err := json.Unmarshal([]byte(out), &rows); err != nil || len(rows) != 2 {
		t.Fatalf("diff report --json: %q, %v", out, err)
	}
	ik := rows[0]
	if ik.Dialect != "ikcrm" || ik.Endpoint != "/api/v2/contracts/:id" || ik.Compared != 4 || ik.Identical != 1 ||
		ik.Different != 2 || ik.Errors != 1 || ik.LastError != "timeout after 5s" {
		t.Errorf("ikcrm's endpoint: %+v", ik)
	}
	want := diffField{Path: "data.total_amount", Count: 2, SeenAt: at, Upstream: `"200.0"`, Local: `"200.00"`}
	if len(ik.Fields) != 1 || ik.Fields[0] != want {
		t.Errorf("ikcrm's top field: %+v, want %+v", ik.Fields, want)
	}
	if oa := rows[1]; oa.Dialect != "oa" || oa.Compared != 1 || oa.Identical != 1 || oa.Fields == nil || len(oa.Fields) != 0 {
		t.Errorf("oa's endpoint: %+v, want one identical comparison and an empty list of fields", oa)
	}

	table, err := run(t, dsn, "", "diff", "report", "--dialect", "ikcrm")
	if err != nil {
		t.Fatal(err)
	}
	for _, line := range []string{
		"ikcrm /api/v2/contracts/:id: compared 4, identical 1, different 2, errors 1\n",
		"  last error: timeout after 5s\n",
		`  data.total_amount  2×  last seen 2026-12-01 09:30:00 UTC  upstream "200.0"`,
		`  data.title         1×  last seen 2026-12-01 09:30:00 UTC  upstream "line\nbreak\x1b[2J"  crmgw "x"`,
	} {
		if !strings.Contains(table, line) {
			t.Errorf("diff report --dialect ikcrm lacks %q:\n%s", line, table)
		}
	}
	if strings.Contains(table, "oa/crm") || strings.Contains(table, "\x1b") {
		t.Errorf("diff report --dialect ikcrm shows another dialect or a raw escape:\n%s", table)
	}

	if _, err := run(t, dsn, "", "diff", "report", "--dialect", "fifth"); err == nil || !strings.Contains(err.Error(), "ikcrm") {
		t.Errorf("diff report --dialect fifth: %v, want an error naming the dialects", err)
	}
	if _, err := run(t, dsn, "", "diff", "report", "--fields", "0"); err == nil {
		t.Error("diff report --fields 0 succeeded")
	}
}

package main

import (
	"path/filepath"
	"testing"

	"crmgw/core"
)

func TestFieldSet(t *testing.T) {
	dsn := filepath.Join(t.TempDir(), "crmgw.db")
	if _, err := run(t, dsn, "", "token", "add", "--tenant", "acme", "--user", "ann"); err != nil {
		t.Fatal(err)
	}
	args := []string{"field", "set", "--tenant", "acme", "--entity", "customer", "--key", "text_asset_6f4e3b", "--label", "客户级别",
		"--option", "sel_7179=A级", "--option", "sel_717a=B级", "--group", "基本信息"}
	if _, err := run(t, dsn, "", args...); err != nil {
		t.Fatal(err)
	}
	if _, err := run(t, dsn, "", append(args[:8], "--label", "级别", "--option", "sel_7179=A")...); err != nil { // redefined
		t.Fatal(err)
	}
	for _, bad := range [][]string{
		{"--entity", "customer", "--key", "text_asset_xyz", "--label", "x"}, // not hex
		{"--entity", "lead", "--key", "text_asset_1", "--label", "x"},       // no such records
		{"--entity", "customer", "--key", "text_asset_1", "--label", "x", "--option", "A级"},
		{"--entity", "customer", "--key", "text_asset_1", "--label", "x", "--option", "7179=A级"},
	} {
		if _, err := run(t, dsn, "", append([]string{"field", "set", "--tenant", "acme"}, bad...)...); err == nil {
			t.Errorf("%v was taken", bad)
		}
	}
	db, err := core.OpenDB(core.DriverSQLite, dsn, core.SystemClock{})
	if err != nil {
		t.Fatal(err)
	}
	var fields []core.CustomField
	if err := db.Find(&fields).Error; err != nil {
		t.Fatal(err)
	}
	if len(fields) != 1 || fields[0].Label != "级别" || fields[0].FieldType != core.FieldTypeSelect || fields[0].GroupName != core.DefaultFieldGroup ||
		fields[0].Options != `[{"value":"sel_7179","label":"A"}]` {
		t.Fatalf("catalogue: %+v", fields)
	}
}

package core_test

import (
	"context"
	"sync"
	"testing"

	"gorm.io/gorm"

	"crmgw/core"
)

func TestCustomerWritesRejectBadInputAndWriteNothing(t *testing.T) {
	eachEngine(t, func(t *testing.T, db *gorm.DB, svc *core.Service) {
		ctx := context.Background()
		o := newOrg(t, svc, "acme", "sales", "ann")
		cu, err := svc.CreateCustomer(ctx, o.caller, core.NewCustomer{Name: "甲", CustomFields: map[string]any{"text_asset_a1": "x"}})
		must(t, err)
		for _, c := range []struct {
			name, code string
			field      core.Field
			in         core.NewCustomer
		}{
			{"level past 3", core.EINVALID, core.FieldLevel, core.NewCustomer{Name: "乙", Level: ptr(4)}},
			{"unknown status", core.ENOTFOUND, "", core.NewCustomer{Name: "乙", StatusID: 999, CheckCodes: true}},
			{"unknown tag", core.ENOTFOUND, core.FieldTags, core.NewCustomer{Name: "乙", TagIDs: []uint64{1, 999}}},
			{"a name taken", core.ECONFLICT, core.FieldName, core.NewCustomer{Name: "甲", UniqueName: true}},
			{"no contact name", core.EINVALID, core.FieldName, core.NewCustomer{Name: "乙", Contacts: []core.NewContact{{Phone: "1"}}}},
			{"a custom key", core.EINVALID, core.FieldCustomFields, core.NewCustomer{Name: "乙", CustomFields: map[string]any{"status": "x"}}},
			{"not a number", core.EINVALID, core.FieldCustomFields, core.NewCustomer{Name: "乙", CustomFields: map[string]any{"numeric_asset_1": "1e3"}}},
			{"a fax too long", core.EINVALID, core.FieldFax, core.NewCustomer{Name: "乙", CustomerDetails: core.CustomerDetails{Fax: string(make([]byte, 65))}}},
		} {
			_, err := svc.CreateCustomer(ctx, o.caller, c.in)
			if e := core.AsError(err); err == nil || e.Code != c.code || e.Field != c.field {
				t.Errorf("%s: %v (field %q), want %s on %q", c.name, err, e.Field, c.code, c.field)
			}
		}
		if n, k, f := count(t, db, &core.Customer{}), count(t, db, &core.Contact{}), count(t, db, &core.CustomField{}); n != 1 || k != 0 || f != 1 {
			t.Fatalf("rejected customers wrote rows: %d customers, %d contacts, %d fields", n, k, f)
		}

		// A change applies what it carries and keeps the rest.
		name := "甲二"
		got, err := svc.ChangeCustomer(ctx, o.caller, cu.ID, core.CustomerChange{Name: &name, Level: ptr(0),
			CustomFields: map[string]any{"text_asset_a1": nil, "numeric_asset_b2": "7"}, MainContactName: ptr("联系人")})
		must(t, err)
		d, err := svc.GetCustomerDetail(ctx, o.caller, cu.ID)
		must(t, err)
		if got.Name != name || d.Level != 0 || d.CustomFields != `{"numeric_asset_b2":7}` || len(d.Contacts) != 1 || !d.Contacts[0].IsMain {
			t.Fatalf("changed: %+v", d)
		}
		// A code kept as another dialect gave it stays, while a change sets others.
		kept, err := svc.CreateCustomer(ctx, o.caller, core.NewCustomer{Name: "丙", CategoryID: 77})
		must(t, err)
		if _, err := svc.ChangeCustomer(ctx, o.caller, kept.ID, core.CustomerChange{Note: ptr("备注")}); err != nil {
			t.Errorf("a change of the note refused the kept category: %v", err)
		}
		if _, err := svc.ChangeCustomer(ctx, o.caller, kept.ID, core.CustomerChange{CategoryID: ptr(uint64(78))}); core.ErrorCode(err) != core.ENOTFOUND {
			t.Errorf("a change to an unknown category: %v", err)
		}
		_, err = svc.ChangeCustomer(ctx, o.caller, cu.ID, core.CustomerChange{MainContactName: ptr("改名")})
		must(t, err)
		if d, _ = svc.GetCustomerDetail(ctx, o.caller, cu.ID); len(d.Contacts) != 1 || d.Contacts[0].Name != "改名" {
			t.Fatalf("the main contact is not renamed: %+v", d.Contacts)
		}
	})
}

// The tenant alone (no user) makes a customer in the public pool, owned by
// none, as an import writes one whose vendor shows no owner; any other
// customer it makes names no user, and is refused.
func TestPublicCustomerOfTheTenantAlone(t *testing.T) {
	eachEngine(t, func(t *testing.T, db *gorm.DB, svc *core.Service) {
		ctx := context.Background()
		o := newOrg(t, svc, "acme", "sales", "ann")
		tenantAlone := core.Caller{TenantID: o.caller.TenantID, Location: o.caller.Location}
		cu, err := svc.CreateCustomer(ctx, tenantAlone, core.NewCustomer{Name: "公海客户", Public: true})
		must(t, err)
		if !cu.IsPublic || cu.OwnerID != 0 || cu.CreatorID != 0 {
			t.Errorf("public customer of the tenant alone: public %v, owner %d, creator %d", cu.IsPublic, cu.OwnerID, cu.CreatorID)
		}
		if _, err := svc.CreateCustomer(ctx, tenantAlone, core.NewCustomer{Name: "无主客户"}); core.ErrorCode(err) != core.ENOTFOUND {
			t.Errorf("an owned customer of the tenant alone: %v, want %s", err, core.ENOTFOUND)
		}
		if _, err := svc.CreateCustomer(ctx, tenantAlone, core.NewCustomer{Name: "他人公海", Public: true, OwnerID: 999}); core.ErrorCode(err) != core.ENOTFOUND {
			t.Errorf("a public customer naming an unknown user: %v, want %s", err, core.ENOTFOUND)
		}
		if n := count(t, db, &core.Customer{}); n != 1 {
			t.Errorf("%d customers, want 1", n)
		}
	})
}

// A tenant's default customer sign is set to 1 or 2, and tells whether it
// changed; any other is refused and changes nothing.
func TestSetCustomerSign(t *testing.T) {
	eachEngine(t, func(t *testing.T, db *gorm.DB, svc *core.Service) {
		ctx := context.Background()
		o := newOrg(t, svc, "acme", "sales", "ann")
		for _, c := range []struct {
			sign    int
			changed bool
			code    string
			want    int
		}{{2, true, "", 2}, {2, false, "", 2}, {3, false, core.EINVALID, 2}, {0, false, core.EINVALID, 2}, {1, true, "", 1}} {
			changed, err := svc.SetCustomerSign(ctx, o.caller, c.sign)
			got, gerr := svc.CustomerSign(ctx, o.caller)
			must(t, gerr)
			code := ""
			if err != nil {
				code = core.ErrorCode(err)
			}
			if changed != c.changed || code != c.code || got != c.want {
				t.Errorf("sign %d: changed %v, %v, now %d; want %v, %q, %d", c.sign, changed, err, got, c.changed, c.code, c.want)
			}
		}
	})
}

// Concurrent writes that check a name: one takes it, the others are refused.
func TestUniqueCustomerNamesUnderConcurrency(t *testing.T) {
	eachEngine(t, func(t *testing.T, db *gorm.DB, svc *core.Service) {
		o := newOrg(t, svc, "acme", "sales", "ann")
		var wg sync.WaitGroup
		for range 8 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				_, _ = svc.CreateCustomer(context.Background(), o.caller, core.NewCustomer{Name: "同名", UniqueName: true})
			}()
		}
		wg.Wait()
		if n := count(t, db, &core.Customer{}); n != 1 {
			t.Fatalf("%d customers named alike", n)
		}
	})
}

func TestDefineCustomField(t *testing.T) {
	eachEngine(t, func(t *testing.T, db *gorm.DB, svc *core.Service) {
		ctx := context.Background()
		o := newOrg(t, svc, "acme", "sales", "ann")
		def := core.CustomFieldDefinition{Entity: core.EntityContact, Key: "text_asset_c1", Label: "爱好",
			Options: []core.CustomFieldOption{{Value: "sel_1", Label: "钓鱼"}}}
		f, err := svc.DefineCustomField(ctx, o.tenant.ID, def)
		must(t, err)
		if f.FieldType != core.FieldTypeSelect || f.Display("sel_1") != "钓鱼" || f.Display("sel_2") != "sel_2" {
			t.Fatalf("defined: %+v", f)
		}
		for _, bad := range []core.CustomFieldDefinition{
			{Entity: "lead", Key: "text_asset_c1", Label: "x"},
			{Entity: core.EntityContact, Key: "asset_c1", Label: "x"},
			{Entity: core.EntityContact, Key: "text_asset_c1", Label: ""},
			{Entity: core.EntityContact, Key: "text_asset_c1", Label: "x", Options: []core.CustomFieldOption{{Value: "1", Label: "x"}}},
		} {
			if _, err := svc.DefineCustomField(ctx, o.tenant.ID, bad); core.ErrorCode(err) != core.EINVALID {
				t.Errorf("%+v: %v", bad, err)
			}
		}
		if _, err := svc.DefineCustomField(ctx, 999, def); core.ErrorCode(err) != core.ENOTFOUND {
			t.Errorf("an unknown tenant: %v", err)
		}
		fields, err := svc.CustomFields(ctx, o.caller, core.EntityContact)
		must(t, err)
		if len(fields) != 1 || fields[0].Label != "爱好" {
			t.Fatalf("catalogue: %+v", fields)
		}
	})
}

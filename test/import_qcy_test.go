package test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"crmgw/adapters/qcy"
	"crmgw/core"
)

// qcyAt posts a WebApi handler's form to the server at base.
func qcyAt(e *env, base, handler string, form url.Values) []byte {
	e.t.Helper()
	res, err := http.PostForm(base+qcyBase+handler+".ashx", form)
	e.must(err)
	defer res.Body.Close()
	body, err := io.ReadAll(res.Body)
	e.must(err)
	return body
}

// The WebApi round trip: crmgw A serves as the old WebApi; crmgw B imports
// the demo tenant from it through the WebApi, logged in through Token/Get;
// then every read handler answers on B, for the same ids and the same token,
// in JSON and in XML, byte for byte what it answers on A, and a second
// import changes nothing. B's ids are the WebApi's though B's own sequences
// were elsewhere. Nothing of the import's own time shows: every time the
// WebApi shows is kept.
func TestImportqcyRoundTrip(t *testing.T) {
	eachEngine(t, func(e *env) {
		ctx := context.Background()
		res := seedOldVendor(e)
		var err error
		e.must(e.svc.SetPassword(ctx, res.TenantID, "zhangsan", "s3cret"))

		// The WebApi's own writes, as its clients make them: a customer saved with
		// its codes, a contact added as the new main one, a main mark cancelled
		// (a customer with no main contact), a customer sent to the public pool,
		// a follow-up and a plan.
		tok := res.Token
		write := func(handler string, kv ...string) {
			t.Helper()
			body := qcyAt(e, e.url, handler, with(vals("token", tok), kv...))
			if strings.Contains(string(body), "error_code") {
				t.Fatalf("%s: %s", handler, body)
			}
		}
		write("Customer/Save", "json", `{"PK_ID":0,"CustName":"宁波海川贸易","Tel":"0574-87001234","Address":"宁波市 <海曙> & 区","IndustryID":3,"SourceID":2,"ProgressID":2,"KindID":1,"StateID":1}`)
		customers := customerIDs(e, res.TenantID)
		newest := customers[len(customers)-1]
		write("LinkMan/InsertLinkMan", "man", fmt.Sprintf(`{"FK_CustID":%d,"LinkManName":"陈经理","Post":"采购","Mobile":"13600000000","Email":"chen@example.com","IsMainMan":true}`, newest))
		write("LinkMan/InsertLinkMan", "man", fmt.Sprintf(`{"FK_CustID":%d,"LinkManName":"周会计","IsMainMan":false}`, newest))
		var contacts []core.Contact
		e.must(e.db.Where("tenant_id = ?", res.TenantID).Order("id").Find(&contacts).Error)
		write("LinkMan/CancelMainMan", "id", fmt.Sprint(contacts[0].ID))
		write("Sale/SetPublicCust", "pkidList", fmt.Sprint(customers[1]))
		write("ContactHistory/Add", "customer_id", fmt.Sprint(newest), "type_id", "2", "route_id", "1",
			"link_man_id", fmt.Sprint(contacts[len(contacts)-1].ID), "title", "回访", "content", "满意")
		var histories []core.ContactHistory
		e.must(e.db.Where("tenant_id = ?", res.TenantID).Order("id").Find(&histories).Error)
		write("ContactPlan/InsertContactPlan", "title", "再访", "customer_id", fmt.Sprint(newest), "type_id", "3", "route_id", "1",
			"link_man_id", fmt.Sprint(contacts[len(contacts)-1].ID), "history_id", fmt.Sprint(histories[len(histories)-1].ID),
			"next_time", "2030-01-02 10:00:00")

		// No handler writes the default customer sign: the tenant's own setting, made a person's.
		owner, err := e.svc.CallerFor(core.Tenant{ID: res.TenantID}, core.User{TenantID: res.TenantID})
		e.must(err)
		_, err = e.svc.SetCustomerSign(ctx, owner, 2)
		e.must(err)

		b := e.secondServer()
		occupy(e, b)
		moved, err := b.svc.AddTenant(ctx, "demo", "", core.TenantIDChange{})
		e.must(err)

		crawl := func(dryRun bool) map[string]*core.ImportStats {
			im := b.svc.NewImport(moved)
			c := &qcy.Crawl{Client: http.DefaultClient, Base: e.url, OrgID: res.TenantID, Login: "zhangsan", Password: "s3cret", DryRun: dryRun}
			e.must(c.Run(ctx, im))
			return im.Stats
		}
		var wantContacts int64
		e.must(e.db.Model(&core.Contact{}).Where("tenant_id = ?", res.TenantID).Count(&wantContacts).Error)
		// A dry run reads and checks everything, each record against those before it, and writes nothing.
		empty := tableCounts(e, b.db, moved.ID)
		if st := crawl(true)[core.ImportContact]; st == nil || int64(st.Written) != wantContacts || st.Refused != 0 {
			t.Errorf("dry run: contacts %+v, want %d checked as written", st, wantContacts)
		}
		if after := tableCounts(e, b.db, moved.ID); fmt.Sprint(after) != fmt.Sprint(empty) {
			t.Errorf("a dry run wrote rows: %v → %v", empty, after)
		}
		stats := crawl(false)
		if st := stats[core.ImportCustomer]; st == nil || st.Written != len(customers) {
			t.Fatalf("first import: %+v customers, want %d written", st, len(customers))
		}
		// The old clients' token, registered for its user (crmgw token import does this from a CSV).
		_, err = b.svc.RegisterToken(ctx, moved.ID, res.UserID, res.Token)
		e.must(err)

		before := tableCounts(e, b.db, moved.ID)
		again := crawl(false)
		for kind, st := range again {
			if st.Written != 0 || st.Refused != 0 || st.Skipped == 0 && st.Read != 0 {
				t.Errorf("second import, %s: %+v, want all skipped", kind, st)
			}
		}
		if after := tableCounts(e, b.db, moved.ID); fmt.Sprint(after) != fmt.Sprint(before) {
			t.Errorf("second import changed rows: %v → %v", before, after)
		}

		type call struct {
			handler string
			form    url.Values
		}
		calls := []call{{"CustomerSign/GetClientSignDefault", vals()}, {"CustomerSign/GetCustTypeBdefault", vals()},
			{"Customer/GetAllList", vals("pageIndex", "1", "pageSize", "100")}, {"Customer/GetAllList", vals("pageIndex", "1")},
			{"Customer/GetAllList", vals("pageIndex", "2", "pageSize", "3")}, {"BaseType/GetBaseType", vals("par_id", "ContactType")}}
		for par := 1; par <= 12; par++ {
			calls = append(calls, call{"BaseType/GetBaseType", vals("par_id", fmt.Sprint(par))})
		}
		var types []core.DictEntry
		e.must(e.db.Where("tenant_id = ? AND kind = ?", res.TenantID, core.DictCustomerType).Find(&types).Error)
		calls = append(calls, call{"CustomerType/GetTypeList", vals("parent_id", "0")})
		for _, ty := range types {
			calls = append(calls, call{"CustomerType/GetTypeList", vals("parent_id", fmt.Sprint(ty.Code))})
		}
		var all []core.Customer
		e.must(e.db.Where("tenant_id = ?", res.TenantID).Order("id").Find(&all).Error)
		for _, cu := range all {
			id := fmt.Sprint(cu.ID)
			calls = append(calls, call{"Customer/Get", vals("id", id)}, call{"LinkMan/GetList", vals("custId", id)},
				call{"LinkMan/GetLinkManList", vals("cust_id", id)}, call{"Customer/NameIsRepeat", vals("sName", cu.Name, "id", "0")},
				call{"Customer/TelIsRepeat", vals("tel", cu.Tel, "id", id)})
		}
		e.must(e.db.Where("tenant_id = ?", res.TenantID).Order("id").Find(&contacts).Error)
		for _, ct := range contacts {
			calls = append(calls, call{"LinkMan/GetLinkMan", vals("id", fmt.Sprint(ct.ID))})
		}
		for _, c := range calls {
			for _, format := range []string{"json", "xml"} {
				form := with(c.form, "token", tok, "format", format)
				fromA, fromB := qcyAt(e, e.url, c.handler, form), qcyAt(e, b.url, c.handler, form)
				if string(fromA) != string(fromB) || strings.Contains(string(fromA), "error_code") {
					t.Errorf("%s %v\nA: %s\nB: %s", c.handler, c.form, fromA, fromB)
				}
			}
		}
		// Left out of the comparison: ContactHistory/Get, ContactPlan/GetContactPlan and
		// GetContactPlanCount. The WebApi reads follow-ups and plans by id only and lists
		// them nowhere, so an import over it cannot find them: they come with crmgw import
		// file. B says so as the WebApi does, by not knowing the ids. Token/Get too: the
		// WebApi shows no password; crmgw user passwd sets them on B.
		for _, h := range histories {
			if got := qcyAt(e, b.url, "ContactHistory/Get", vals("token", tok, "id", fmt.Sprint(h.ID))); !strings.Contains(string(got), `"error_code":"20003"`) {
				t.Errorf("follow-up %d on B: %s, want 20003 (not imported)", h.ID, got)
			}
		}

		// The other dialects on B show the imported customers as A does: the OA's
		// customer detail, its creator aside (the WebApi shows owners, not creators,
		// and users by id alone, so B's creator is the owner, named user<id>).
		oaView := func(base string, id uint64) string {
			r, err := http.Get(fmt.Sprintf("%s/oa/customers/%d?access_token=%s", base, id, url.QueryEscape(tok)))
			e.must(err)
			defer r.Body.Close()
			var o struct {
				StatusCode string `json:"statuscode"`
				Data       struct {
					ID, Name, Tel, Address, Contact, Industry string
					CreateTime                                string `json:"createtime"`
					ModifyTime                                string `json:"modifytime"`
				}
			}
			e.must(json.NewDecoder(r.Body).Decode(&o))
			return fmt.Sprintf("%s %+v", o.StatusCode, o.Data)
		}
		for _, cu := range all {
			if a, bb := oaView(e.url, cu.ID), oaView(b.url, cu.ID); a != bb || !strings.HasPrefix(a, "0000 ") {
				t.Errorf("OA customer %d: A %s, B %s", cu.ID, a, bb)
			}
		}
	})
}

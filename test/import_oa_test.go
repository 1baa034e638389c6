package test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"gorm.io/gorm"

	"crmgw/adapters/oa"
	"crmgw/app"
	"crmgw/config"
	"crmgw/core"
	"crmgw/core/dbtest"
	"crmgw/seed"
)

// vendor is a second crmgw, on a database of its own on the env's engine.
type vendor struct {
	url string
	svc *core.Service
	db  *gorm.DB
}

func (e *env) secondServer() vendor {
	db := dbtest.Open(e.t, e.db.Dialector.Name(), e.clock)
	cfg, err := config.Load(nil)
	e.must(err)
	a := app.New(cfg, db, app.Seams{Clock: e.clock, Logs: &logBuffer{}})
	srv := httptest.NewServer(a.Gateway.Handler())
	e.t.Cleanup(srv.Close)
	return vendor{url: srv.URL, svc: a.Service, db: db}
}

// seedOldVendor fills A, the old vendor, with the demo tenant, made after
// another tenant's customers so that the demo's ids are not the first ones.
func seedOldVendor(e *env) seed.Result {
	ctx := context.Background()
	pre := seedLimits(e)
	preUser, err := e.svc.EnsureUser(ctx, pre.ID, "ann", 0)
	e.must(err)
	pc, err := e.svc.CallerFor(pre, preUser)
	e.must(err)
	for i := range 7 {
		_, err := e.svc.CreateCustomer(ctx, pc, core.NewCustomer{Name: fmt.Sprint("先来的", i)})
		e.must(err)
	}
	res, err := seed.Demo(ctx, e.svc, nil)
	e.must(err)
	return res
}

// occupy gives B a tenant holding records already, so that B's own next
// ids are past the ones an import brings.
func occupy(e *env, b vendor) {
	ctx := context.Background()
	occupied, err := b.svc.AddTenant(ctx, "occupied", "", core.TenantIDChange{})
	e.must(err)
	d, err := b.svc.EnsureDepartment(ctx, occupied.ID, "x")
	e.must(err)
	u, err := b.svc.EnsureUser(ctx, occupied.ID, "x", d.ID)
	e.must(err)
	oc, err := b.svc.CallerFor(occupied, u)
	e.must(err)
	for i := range 30 {
		_, err := b.svc.CreateCustomer(ctx, oc, core.NewCustomer{Name: fmt.Sprint("占位", i)})
		e.must(err)
	}
}

// tableCounts counts a tenant's rows in the tables an import writes.
func tableCounts(e *env, db *gorm.DB, tenantID uint64) map[string]int64 {
	out := map[string]int64{}
	for _, table := range []string{"departments", "users", "customers", "contacts", "contact_histories", "contact_plans",
		"opportunities", "contracts", "payment_plans", "payments", "monthly_targets", "dict_entries", "custom_fields"} {
		var n int64
		e.must(db.Table(table).Where("tenant_id = ?", tenantID).Count(&n).Error)
		out[table] = n
	}
	return out
}

// The OA round trip: crmgw A serves as the old OA; crmgw B imports the demo
// tenant from it through the OA's API; then every read endpoint of the OA
// answers on B, for the same ids and the same token, byte for byte what it
// answers on A, and a second import changes nothing. B's ids are the OA's
// even though B's own sequences were elsewhere, and beside another tenant
// of B that holds the same ids.
func TestImportOARoundTrip(t *testing.T) {
	eachEngine(t, func(e *env) {
		ctx := context.Background()
		res := seedOldVendor(e)
		var err error
		e.must(e.svc.SetPassword(ctx, res.TenantID, "zhangsan", "s3cret"))

		// A customer of an OA always has a status (0 初步接触 …), which the OA's
		// own writes keep as progress 1 …; the demo's were made with none, which
		// the OA cannot tell from 0: give them theirs as an OA client would.
		for _, id := range customerIDs(e, res.TenantID) {
			req, err := http.NewRequest(http.MethodPatch, fmt.Sprintf("%s/oa/customers/%d?access_token=%s", e.url, id, url.QueryEscape(res.Token)),
				strings.NewReader("status=0"))
			e.must(err)
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			r, err := http.DefaultClient.Do(req)
			e.must(err)
			body, err := io.ReadAll(r.Body)
			r.Body.Close()
			e.must(err)
			if !strings.Contains(string(body), `"statuscode":"0000"`) {
				t.Fatalf("PATCH customer %d: %s", id, body)
			}
		}

		b := e.secondServer()
		occupy(e, b)
		moved, err := b.svc.AddTenant(ctx, "demo", "", core.TenantIDChange{})
		e.must(err)

		crawl := func(dryRun bool) map[string]*core.ImportStats {
			im := b.svc.NewImport(moved)
			c := &oa.Crawl{Client: http.DefaultClient, Base: e.url, Login: "zhangsan", Password: "s3cret", DryRun: dryRun}
			e.must(c.Run(ctx, im))
			return im.Stats
		}
		// A dry run reads and checks everything, each record against those before it, and writes nothing.
		empty := tableCounts(e, b.db, moved.ID)
		if st := crawl(true)[core.ImportPayment]; st == nil || st.Written != 8 || st.Refused != 0 {
			t.Errorf("dry run: payments %+v, want 8 (6 receipts, 2 payments out) checked as written", st)
		}
		if after := tableCounts(e, b.db, moved.ID); fmt.Sprint(after) != fmt.Sprint(empty) {
			t.Errorf("a dry run wrote rows: %v → %v", empty, after)
		}
		stats := crawl(false)
		if st := stats[core.ImportContract]; st == nil || st.Written != 6 {
			t.Fatalf("first import: %+v contracts, want 6 written", st)
		}
		// The old clients' token, registered for its user (crmgw token import does this from a CSV).
		zhangsan, err := b.svc.Profile(ctx, core.Caller{TenantID: moved.ID, UserID: res.UserID})
		e.must(err)
		if zhangsan.User.Name != "zhangsan" {
			t.Fatalf("user %d on B is %q, want zhangsan with the OA's id", res.UserID, zhangsan.User.Name)
		}
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

		token := url.QueryEscape(res.Token)
		var contracts []string
		for _, id := range contractIDs(e, res.TenantID) {
			contracts = append(contracts, fmt.Sprint(id))
		}
		var customers []string
		for _, id := range customerIDs(e, res.TenantID) {
			customers = append(customers, fmt.Sprint(id))
		}
		paths := []string{"/oa/crm/home", "/oa/crm/contracts/count", "/oa/crm/contracts/count?flag=2", "/oa/crm/contracts/count?flag=0&ids=" + fmt.Sprint(res.UserID),
			"/oa/contracts", "/oa/contracts?size=2&page=1", "/oa/contracts?status=1", "/oa/crm/contracts/receiving/all",
			"/oa/customers", "/oa/customers?order=name", "/oa/customers?size=4&page=1"}
		for _, id := range contracts {
			paths = append(paths, "/oa/contracts/"+id, "/oa/contracts/"+id+"/receiving", "/oa/contracts/"+id+"/spending")
		}
		for _, id := range customers {
			paths = append(paths, "/oa/customers/"+id)
		}
		// Left out: contracts/count?flag=1 (a department's), whose other members the OA never shows;
		// their departments come with crmgw import file.
		for _, p := range paths {
			sep := "?"
			if u, _ := url.Parse(p); u.RawQuery != "" {
				sep = "&"
			}
			full := p + sep + "access_token=" + token
			statusA, bodyA := e.get(full)
			bodyB := getFrom(e, b.url+full)
			if statusA != http.StatusOK || string(bodyA) != string(bodyB) {
				t.Errorf("%s\nA (HTTP %d): %s\nB: %s", p, statusA, bodyA, bodyB)
			}
		}
		// The other dialects on B show the imported figures as A does: each contract's
		// amounts in the ikcrm, the month's statistics in the WebApi.
		auth := fmt.Sprintf(`Token token="%s",device="open_api"`, res.Token)
		figures := func(base, id string) string {
			req, err := http.NewRequest(http.MethodGet, base+"/api/v2/contracts/"+id, nil)
			e.must(err)
			req.Header.Set("Authorization", auth)
			r, err := http.DefaultClient.Do(req)
			e.must(err)
			defer r.Body.Close()
			var k struct {
				Code int
				Data struct {
					SN                     string          `json:"sn"`
					TotalAmount            json.RawMessage `json:"total_amount"`
					ReceivedPaymentsAmount json.RawMessage `json:"received_payments_amount"`
					UnreceivedAmount       json.RawMessage `json:"unreceived_amount"`
					User                   struct{ ID uint64 }
				}
			}
			e.must(json.NewDecoder(r.Body).Decode(&k))
			return fmt.Sprintf("%d %s %s %s %s owner %d", k.Code, k.Data.SN, k.Data.TotalAmount, k.Data.ReceivedPaymentsAmount, k.Data.UnreceivedAmount, k.Data.User.ID)
		}
		for _, id := range contracts {
			if a, bb := figures(e.url, id), figures(b.url, id); a != bb || !strings.HasPrefix(a, "0 ") {
				t.Errorf("ikcrm contract %s: A %s, B %s", id, a, bb)
			}
		}
		for _, id := range customers {
			p := "/WebApi/Handler/1.0/CRM/Customer/Get.ashx?" + url.Values{"token": {res.Token}, "format": {"json"}, "id": {id}}.Encode()
			_, fromA := e.get(p)
			if fromB := getFrom(e, b.url+p); string(fromA) != string(fromB) || !strings.Contains(string(fromA), `"PK_ID":`+id) {
				t.Errorf("qcy customer %s\nA: %s\nB: %s", id, fromA, fromB)
			}
		}
	})
}

func getFrom(e *env, u string) []byte {
	e.t.Helper()
	res, err := http.Get(u)
	e.must(err)
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	e.must(err)
	return b
}

func contractIDs(e *env, tenantID uint64) []uint64 {
	var ids []uint64
	e.must(e.db.Model(&core.Contract{}).Where("tenant_id = ?", tenantID).Order("id").Pluck("id", &ids).Error)
	return ids
}

func customerIDs(e *env, tenantID uint64) []uint64 {
	var ids []uint64
	e.must(e.db.Model(&core.Customer{}).Where("tenant_id = ?", tenantID).Order("id").Pluck("id", &ids).Error)
	return ids
}

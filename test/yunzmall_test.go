package test

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"os"
	"testing"
	"time"

	"crmgw/core"
)

const yzToken = "yz-0f3b9c1d2e4a"

func yzPath(tenantID uint64) string {
	return fmt.Sprintf("/business/%d/plugin/CustomerManage/getStatisticsList", tenantID)
}

// yzPost posts form to the statistics with a Bearer token (none when token is "").
func (e *env) yzPost(path, token, contentType string, body []byte, header ...string) (int, []byte) {
	e.t.Helper()
	req, err := http.NewRequest(http.MethodPost, e.url+path, bytes.NewReader(body))
	e.must(err)
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	for i := 0; i < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	res, err := http.DefaultClient.Do(req)
	e.must(err)
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	e.must(err)
	return res.StatusCode, b
}

// shanghai reads a time of the doc's example, in the tenant's zone.
func shanghai(e *env, s string) time.Time {
	loc, err := time.LoadLocation("Asia/Shanghai")
	e.must(err)
	t, err := time.ParseInLocation("2006-01-02 15:04:05", s, loc)
	e.must(err)
	return t
}

// The doc's example: 43 employees, page 1 of 5, reproduced from seeded data.
func TestYunzmallDocExample(t *testing.T) {
	eachEngine(t, func(e *env) {
		ctx := context.Background()
		e.must(e.db.Create(&core.Tenant{ID: 25, Name: "yunzmall", TimeZone: "Asia/Shanghai"}).Error)
		tn, err := e.svc.EnsureTenant(ctx, "yunzmall")
		e.must(err)
		e.must(e.svc.SetTenantSettings(ctx, tn.ID, core.TenantSettings{ContractPrefix: "HT", Opportunities: true}))
		d, err := e.svc.EnsureDepartment(ctx, tn.ID, "客服部")
		e.must(err)
		employee := func(name string) core.Caller {
			u, err := e.svc.EnsureUser(ctx, tn.ID, name, d.ID)
			e.must(err)
			return core.Caller{TenantID: tn.ID, UserID: u.ID, DepartmentID: d.ID, Location: shanghai(e, "2023-01-01 00:00:00").Location()}
		}
		rows := []struct {
			name                     string
			follows, customers       int
			opportunities            int
			customerLast, followLast string
		}{
			{"谢梓杰", 65, 73, 14, "2023-03-30 14:41:18", "2023-03-07 17:19:04"},
			{"柏丽芬", 0, 13, 0, "2023-05-05 11:26:13", "-"},
			{"韦平", 0, 6, 0, "2023-05-05 09:44:14", "-"},
			{"覆面系蓝孩", 4, 5, 0, "2023-02-20 14:40:04", "2023-03-07 17:28:35"},
			{"嗨", 0, 4, 0, "2023-05-05 09:21:47", "-"},
			{"刘洁", 58, 4, 0, "2023-05-04 16:03:14", "2023-03-09 14:32:39"},
			{"韦安", 0, 3, 0, "2023-05-05 09:21:47", "-"},
			{"售后客服-栗子", 0, 2, 0, "-", "-"},
			{"lay测试", 0, 2, 0, "-", "-"},
			{"阿部", 0, 2, 0, "-", "-"},
		}
		callers := make([]core.Caller, len(rows))
		for i, r := range rows {
			callers[i] = employee(r.name)
		}
		// 33 more employees without customers; the first of them creates the
		// customers the last three were given (so they created none).
		admin := employee("管理员")
		for i := 1; i < 33; i++ {
			employee(fmt.Sprintf("员工%02d", i))
		}
		for i, r := range rows {
			me := callers[i]
			for n := 0; n < r.customers; n++ {
				by, at := me, shanghai(e, "2023-01-01 09:00:00").Add(time.Duration(n)*time.Minute)
				if r.customerLast == "-" {
					by = admin
				} else if n == r.customers-1 {
					at = shanghai(e, r.customerLast)
				}
				_, err := e.svc.CreateCustomer(ctx, by, core.NewCustomer{Name: fmt.Sprintf("%s的客户%d", r.name, n), OwnerID: me.UserID, CreatedAt: at})
				e.must(err)
			}
			var customer core.Customer
			if r.customers > 0 {
				e.must(e.db.Where("owner_id = ?", me.UserID).Order("id").Take(&customer).Error)
			}
			for n := 0; n < r.follows; n++ {
				at := shanghai(e, "2023-02-01 10:00:00").Add(time.Duration(n) * time.Hour)
				if n == r.follows-1 {
					at = shanghai(e, r.followLast)
				}
				_, err := e.svc.AddContactHistory(ctx, me, core.NewContactHistory{CustomerID: customer.ID, Title: "跟进", ContactedAt: at})
				e.must(err)
			}
			for n := 0; n < r.opportunities; n++ {
				e.must(e.db.Create(&core.Opportunity{TenantID: tn.ID, OwnerID: me.UserID, CustomerID: customer.ID, Title: "商机", Stage: "open"}).Error)
			}
		}
		_, err = e.svc.RegisterToken(ctx, tn.ID, admin.UserID, yzToken)
		e.must(err)

		status, body := e.yzPost(yzPath(25), yzToken, "application/x-www-form-urlencoded", []byte("page=1"),
			"X-Forwarded-Proto", "https", "X-Forwarded-Host", "dev15.yunzmall.com")
		doc, err := os.ReadFile("testdata/yunzmall/doc_statistics_response.json")
		e.must(err)
		want := compactJSON(t, string(doc))
		for _, n := range normalisers {
			want = n.re.ReplaceAll(want, []byte(n.with))
		}
		golden(t, "yunzmall/doc_example", body)
		got := body
		for _, n := range normalisers {
			got = n.re.ReplaceAll(got, []byte(n.with))
		}
		if status != http.StatusOK || !bytes.Equal(got, want) {
			t.Errorf("HTTP %d\n got: %s\nwant: %s", status, got, want)
		}
	})
}

package test

import (
	"bytes"
	"context"
	"encoding/json"
	"encoding/xml"
	"fmt"
	"net/http"
	"net/url"
	"sort"
	"strings"
	"testing"

	"crmgw/core"
)

// injHostile are strings a client may store: SQL metacharacters and classic
// injections, XML's specials, LIKE's wildcards and the escape character core
// uses for them, and control characters. Each is distinct from the others and
// none is a part of another's neighbour by accident; none starts or ends with
// white space, which the WebApi trims from its parameters as .NET clients expect.
var injHostile = []string{
	`O'Brien`,
	`say "hi"`,
	`a;b`,
	`x -- y`,
	`/* c */`,
	`back\slash`,
	`\'; \"`,
	`100%`,
	`a_b`,
	"back`tick",
	`' OR 1=1 --`,
	`Robert'); DROP TABLE customers;--`,
	`" OR ""="`,
	`a!b`,
	`50!%`,
	`<b>&amp;</b>`,
	`x]]>y`,
	`'single' & "double"`,
	"tab\there",
	"line\nbreak",
	"cr\rhere",
	"crlf\r\nhere",
	"名称\u00a0全角\u3000空格",
}

// injLikeQueries are searches whose wildcards must match only themselves. A
// search of white space alone is no search, as a blank form field is none.
// (A NUL in a search is refused: TestInjectionSearchForNUL.)
var injLikeQueries = []string{"%", "_", "!", "\\", "'", `"`, "`", ";", "--", "/*", "%%", "_%", "!%", "\\%", "\\_", "' OR 1=1 --",
	`' OR '1'='1`, "]]>", "<", "&", "b\th", "e\nb", "r\rh", "f\r\nh", "\r\n", " \t"}

// injWrite calls a write handler by GET (query), POST form or POST multipart, by
// the turn'th of them, and fails unless it answers {"value":true} or {"value":1}.
func (e *env) injWrite(turn int, handler string, p url.Values) {
	e.t.Helper()
	var status int
	var body []byte
	switch turn % 3 {
	case 0:
		status, body = e.call(http.MethodGet, handler, p)
	case 1:
		status, body = e.call(http.MethodPost, handler, p)
	default:
		var pairs []Pair
		for k, vs := range p {
			for _, v := range vs {
				pairs = append(pairs, Pair{k, v})
			}
		}
		b, contentType := multipartBody(e.t, pairs)
		status, body = e.do(http.MethodPost, qcyBase+handler+".ashx", contentType, bytes.NewReader(b))
	}
	if status != http.StatusOK || (string(body) != "{\"value\":true}\n" && string(body) != "{\"value\":1}\n") {
		e.t.Fatalf("%s %q (turn %d): HTTP %d %s", handler, p, turn, status, body)
	}
}

// injRead calls a read handler in JSON and in XML, checks the XML is well-formed,
// and returns the value as each format carries it.
func injRead[T any](e *env, handler string, p url.Values) (fromJSON, fromXML T) {
	e.t.Helper()
	return injReadAs[T, T](e, handler, p)
}

// injList reads a list handler's items in JSON and in XML.
func injList[T any](e *env, handler string, p url.Values) (fromJSON, fromXML []T) {
	e.t.Helper()
	j, x := injReadAs[[]T, injItems[T]](e, handler, p)
	return j, x.Items
}

func injReadAs[J, X any](e *env, handler string, p url.Values) (fromJSON J, fromXML X) {
	e.t.Helper()
	for _, format := range []string{"json", "xml"} {
		q := url.Values{}
		for k, v := range p {
			q[k] = v
		}
		q.Set("format", format)
		status, body := e.call(http.MethodGet, handler, q)
		if status != http.StatusOK || bytes.Contains(body, []byte("error_code")) {
			e.t.Fatalf("%s %s: HTTP %d %s", handler, format, status, body)
		}
		if format == "json" {
			var v struct{ Value J }
			if err := json.Unmarshal(body, &v); err != nil {
				e.t.Fatalf("%s json: %v\n%s", handler, err, body)
			}
			fromJSON = v.Value
			continue
		}
		wellFormed(e.t, body)
		var v struct {
			Value X `xml:"value"`
		}
		if err := xml.Unmarshal(body, &v); err != nil {
			e.t.Fatalf("%s xml: %v\n%s", handler, err, body)
		}
		fromXML = v.Value
	}
	return fromJSON, fromXML
}

// injItems reads a list's repeated elements, whatever they are named.
type injItems[T any] struct {
	Items []T `xml:",any"`
}

// The WebApi's objects as the tests read them (JSON keys and XML elements alike).
type (
	injCustomer struct {
		PK_ID                  uint64
		CustName, Tel, Address string
		FK_UserID              uint64
		IsPublic               bool
	}
	injLinkMan struct {
		PK_ID, FK_CustID                 uint64
		LinkManName, Post, Mobile, Email string
	}
	injHistory struct {
		PK_ID, FK_CustID uint64
		Title, Content   string
	}
	injPlan struct {
		PK_ID, FK_CustID uint64
		Title            string
	}
)

// injSame fails unless every got equals want, byte for byte.
func injSame(t *testing.T, what, want string, got ...string) {
	t.Helper()
	for i, g := range got {
		if g != want {
			t.Errorf("%s (#%d): stored %q, read back %q", what, i, want, g)
		}
	}
}

// injectionOrg: tenant acme (the ikcrm suite's, its token working in every
// dialect) and tenant other, whose rows carry the same injHostile names, so that
// a search leaking across tenants shows.
type injectionOrg struct {
	ik         ikOrg
	otherToken string
	otherIK    string // the other tenant's ikcrm Authorization header
}

func seedInjection(e *env) injectionOrg {
	ctx := context.Background()
	o := injectionOrg{ik: seedIKContracts(e)}
	other, err := e.svc.EnsureTenant(ctx, "other")
	e.must(err)
	d, err := e.svc.EnsureDepartment(ctx, other.ID, "d")
	e.must(err)
	u, err := e.svc.EnsureUser(ctx, other.ID, "u", d.ID)
	e.must(err)
	o.otherToken, err = e.svc.RegisterToken(ctx, other.ID, u.ID, "injection-other-token")
	e.must(err)
	o.otherIK = `Token token="` + o.otherToken + `",device="open_api"`
	oc, err := e.svc.Authenticate(ctx, o.otherToken)
	e.must(err)
	for i, s := range injHostile {
		oaContract(e, oc, fmt.Sprintf("B%02d", i), s, "1", "2015-10-08", core.ContractExecuting)
		_, err := e.svc.CreateCustomer(ctx, oc, core.NewCustomer{Name: s, Tel: s, Address: s})
		e.must(err)
		_, err = e.svc.EnsureUser(ctx, other.ID, "u"+s, d.ID)
		e.must(err)
	}
	return o
}

// injOtherView is what the other tenant sees of its own rows through two dialects.
func (e *env) injOtherView(o injectionOrg) string {
	e.t.Helper()
	status, list := e.ikGet("/api/v2/contracts?per_page=1000&sort=sign_date&order=asc", o.otherIK)
	if status != http.StatusOK {
		e.t.Fatalf("the other tenant's contracts: HTTP %d %s", status, list)
	}
	var v struct {
		Data struct {
			Contracts []struct {
				ID    uint64
				Title string
			}
			TotalCount int64 `json:"total_count"`
		}
	}
	e.must(json.Unmarshal(list, &v))
	_, customers := e.call(http.MethodGet, "Customer/GetAllList", vals("token", o.otherToken, "pageIndex", "1", "pageSize", "100"))
	return fmt.Sprintf("%+v\n%s", v.Data, customers)
}

// Hostile strings written through every dialect's stored fields read back
// through every dialect unchanged, byte for byte, in JSON and in XML; searches
// carrying them match only themselves, in the caller's tenant only.
func TestInjectionRoundTrip(t *testing.T) {
	eachEngine(t, func(e *env) {
		t := e.t // failures belong to the engine's subtest
		ctx := context.Background()
		o := seedInjection(e)
		me := o.ik.me
		before := e.injOtherView(o)
		tok := func(kv ...string) url.Values { return vals(append([]string{"token", ikToken}, kv...)...) }

		type written struct {
			customer, contact, history, plan, contract uint64
			sn                                         string
		}
		rows := make([]written, len(injHostile))
		for i, s := range injHostile {
			w := &rows[i]
			// The WebApi: a customer (JSON object parameter), then changed.
			obj, err := json.Marshal(injCustomer{CustName: s, Tel: s, Address: s})
			e.must(err)
			e.injWrite(i, "Customer/Save", tok("json", string(obj)))
			var cu core.Customer
			e.must(e.db.Where("tenant_id = ? AND name = ?", me.TenantID, s).Take(&cu).Error)
			w.customer = cu.ID
			injSame(t, "customer stored", s, cu.Name, cu.Tel, cu.Address)
			obj, err = json.Marshal(injCustomer{PK_ID: cu.ID, CustName: s, Tel: s, Address: "新" + s})
			e.must(err)
			e.injWrite(i+1, "Customer/Update", tok("customer", string(obj), "tran", "x"))
			j, x := injRead[injCustomer](e, "Customer/Get", tok("id", id(cu.ID)))
			injSame(t, "Customer/Get CustName", s, j.CustName, x.CustName)
			injSame(t, "Customer/Get Tel", s, j.Tel, x.Tel)
			injSame(t, "Customer/Get Address", "新"+s, j.Address, x.Address)

			// A contact person.
			obj, err = json.Marshal(injLinkMan{FK_CustID: cu.ID, LinkManName: s, Post: s, Mobile: s, Email: s})
			e.must(err)
			e.injWrite(i+2, "LinkMan/InsertLinkMan", tok("man", string(obj)))
			jl, xl := injList[injLinkMan](e, "LinkMan/GetLinkManList", tok("cust_id", id(cu.ID)))
			jl2, xl2 := injList[injLinkMan](e, "LinkMan/GetList", tok("custId", id(cu.ID)))
			if len(jl) != 1 || len(xl) != 1 || len(jl2) != 1 || len(xl2) != 1 {
				t.Fatalf("contacts of customer %d: %d, %d in JSON, %d, %d in XML", cu.ID, len(jl), len(jl2), len(xl), len(xl2))
			}
			w.contact = jl[0].PK_ID
			for _, m := range []injLinkMan{jl[0], xl[0], jl2[0], xl2[0]} {
				injSame(t, "contact", s, m.LinkManName, m.Post, m.Mobile, m.Email)
			}
			obj, err = json.Marshal(injLinkMan{PK_ID: w.contact, FK_CustID: cu.ID, LinkManName: s, Post: "新" + s, Mobile: s, Email: s})
			e.must(err)
			e.injWrite(i, "LinkMan/SaveLinkMan", tok("man", string(obj)))
			jm, xm := injRead[injLinkMan](e, "LinkMan/GetLinkMan", tok("id", id(w.contact)))
			injSame(t, "LinkMan/GetLinkMan", s, jm.LinkManName, xm.LinkManName, jm.Email, xm.Email)
			injSame(t, "LinkMan/GetLinkMan Post", "新"+s, jm.Post, xm.Post)

			// A follow-up (form parameters), a plan, and the plan carried out.
			e.injWrite(i+1, "ContactHistory/Add", tok("customer_id", id(cu.ID), "type_id", "1", "route_id", "1",
				"link_man_id", id(w.contact), "title", s, "content", "内容"+s))
			var h core.ContactHistory
			e.must(e.db.Where("tenant_id = ? AND customer_id = ?", me.TenantID, cu.ID).Take(&h).Error)
			w.history = h.ID
			injSame(t, "follow-up stored", s, h.Title)
			jh, xh := injRead[injHistory](e, "ContactHistory/Get", tok("id", id(h.ID)))
			injSame(t, "ContactHistory/Get Title", s, jh.Title, xh.Title)
			injSame(t, "ContactHistory/Get Content", "内容"+s, jh.Content, xh.Content)

			e.injWrite(i+2, "ContactPlan/InsertContactPlan", tok("plan_id", "0", "title", s, "customer_id", id(cu.ID),
				"type_id", "3", "route_id", "1", "link_man_id", id(w.contact), "history_id", id(h.ID), "next_time", "2015-10-20 09:30:00"))
			var plan core.ContactPlan
			e.must(e.db.Where("tenant_id = ? AND customer_id = ?", me.TenantID, cu.ID).Take(&plan).Error)
			w.plan = plan.ID
			jp, xp := injRead[injPlan](e, "ContactPlan/GetContactPlan", tok("id", id(plan.ID)))
			injSame(t, "ContactPlan/GetContactPlan Title", s, jp.Title, xp.Title)
			e.injWrite(i, "ContactPlan/SaveContactPlan", tok("plan_id", id(plan.ID), "customer_id", id(cu.ID), "type_id", "2",
				"route_id", "2", "link_man_id", id(w.contact), "title", "再"+s, "content", s, "next_time", "2015-11-01 09:00:00"))
			var done core.ContactHistory
			e.must(e.db.Where("tenant_id = ? AND customer_id = ? AND id <> ?", me.TenantID, cu.ID, h.ID).Take(&done).Error)
			jh, xh = injRead[injHistory](e, "ContactHistory/Get", tok("id", id(done.ID)))
			injSame(t, "SaveContactPlan's follow-up Title", "再"+s, jh.Title, xh.Title)
			injSame(t, "SaveContactPlan's follow-up Content", s, jh.Content, xh.Content)

			// Exact comparisons: the name itself, in this tenant, not another customer's.
			for _, c := range []struct {
				handler, param, value string
				except                uint64
				want                  string
			}{
				{"Customer/NameIsRepeat", "sName", s, 0, "true"},
				{"Customer/NameIsRepeat", "sName", s, cu.ID, "false"},
				{"Customer/NameIsRepeat", "sName", s + "x", 0, "false"},
				{"Customer/TelIsRepeat", "tel", s, 0, "true"},
				{"Customer/TelIsRepeat", "tel", s, cu.ID, "false"},
			} {
				for _, format := range []string{"json", "xml"} {
					_, body := e.call(http.MethodPost, c.handler, tok(c.param, c.value, "id", id(c.except), "format", format))
					want := `{"value":` + c.want + "}\n"
					if format == "xml" {
						want = xml.Header + "<root><value>" + c.want + "</value></root>"
					}
					if string(body) != want {
						t.Errorf("%s %s=%q id=%d (%s): %s, want %s", c.handler, c.param, c.value, c.except, format, body, want)
					}
				}
			}

			// ikcrm: a contract with every text field set, by JSON, form and multipart in turn.
			unit := s // a sale unit holds at most 32 characters
			if r := []rune(s); len(r) > 32 {
				unit = string(r[:32])
			}
			contract := map[string]any{"title": s, "customer_id": cu.ID, "start_at": "2015-10-01", "end_at": "2015-12-31",
				"sign_date": fmt.Sprintf("2015-10-%02d", 1+i%28), "total_amount": "100", "customer_signer": s, "our_signer": s,
				"special_terms": s, "self_note": s, "product_assets_attributes": []map[string]any{{"product_name": s,
					"product_no": s, "quantity": "2", "recommended_unit_price": "50", "sale_unit": unit, "spec": s, "remark": s}}}
			var status int
			var body []byte
			switch i % 3 {
			case 0:
				b, err := json.Marshal(map[string]any{"contract": contract})
				e.must(err)
				status, body = e.ikSend(http.MethodPost, "/api/v2/contracts", "application/json", b)
			default:
				pairs := []Pair{{"contract[product_assets_attributes][0][quantity]", "2"},
					{"contract[product_assets_attributes][0][recommended_unit_price]", "50"}}
				for k, v := range contract {
					if s, ok := v.(string); ok {
						pairs = append(pairs, Pair{"contract[" + k + "]", s})
					}
				}
				pairs = append(pairs, Pair{"contract[customer_id]", id(cu.ID)})
				for _, k := range []string{"product_name", "product_no", "spec", "remark"} {
					pairs = append(pairs, Pair{"contract[product_assets_attributes][0][" + k + "]", s})
				}
				pairs = append(pairs, Pair{"contract[product_assets_attributes][0][sale_unit]", unit})
				if i%3 == 1 {
					status, body = e.ikSend(http.MethodPost, "/api/v2/contracts", "application/x-www-form-urlencoded", formBody(pairs))
				} else {
					b, contentType := multipartBody(t, pairs)
					status, body = e.ikSend(http.MethodPost, "/api/v2/contracts", contentType, b)
				}
			}
			k := injContractOf(t, status, body)
			w.contract, w.sn = k.ID, k.SN
			_, body = e.ikGet("/api/v2/contracts/"+id(k.ID), ikAuth)
			for _, k := range []injContract{k, injContractOf(t, http.StatusOK, body)} {
				injSame(t, "ikcrm contract", s, k.Title, k.CustomerSigner, k.OurSigner, k.SpecialTerms, k.SelfNote, k.Customer.Name)
				injSame(t, "ikcrm customer address", "新"+s, k.Customer.Address.DetailAddress)
				if len(k.ProductAssets) != 1 {
					t.Fatalf("%d product lines", len(k.ProductAssets))
				}
				a := k.ProductAssets[0]
				injSame(t, "ikcrm product line", s, a.ProductName, a.ProductNo, a.Spec, a.Remark)
				injSame(t, "ikcrm product line sale_unit", unit, a.SaleUnit)
			}
		}

		// Lists: every name, once, in JSON and XML.
		jc, xc := injList[injCustomer](e, "Customer/GetAllList", tok("pageIndex", "1", "pageSize", "100"))
		names := func(cs []injCustomer) map[uint64]string {
			m := map[uint64]string{}
			for _, c := range cs {
				m[c.PK_ID] = c.CustName
			}
			return m
		}
		for _, got := range []map[uint64]string{names(jc), names(xc)} {
			for i, w := range rows {
				injSame(t, "Customer/GetAllList", injHostile[i], got[w.customer])
			}
		}

		// The OA lists the contracts of October with their names.
		_, body := e.get("/oa/crm/contracts/count?access_token=" + url.QueryEscape(ikToken) + "&year=2015&month=10&flag=2&size=1000")
		var oa struct {
			StatusCode string
			Data       []struct{ ID, Name string }
		}
		e.must(json.Unmarshal(body, &oa))
		if oa.StatusCode != "0000" {
			t.Fatalf("OA contracts/count: %s", body)
		}
		oaNames := map[string]string{}
		for _, r := range oa.Data {
			oaNames[r.ID] = r.Name
		}
		for i, w := range rows {
			injSame(t, "OA contracts/count name", injHostile[i], oaNames[id(w.contract)])
		}

		// ikcrm's search: a title or sn holding the query, literally; nothing of the other tenant.
		titles := map[uint64]string{}
		for i, w := range rows {
			titles[w.contract] = injHostile[i] + "\x00" + w.sn
		}
		var seeded []core.Contract
		e.must(e.db.Where("tenant_id = ?", me.TenantID).Find(&seeded).Error)
		for _, k := range seeded {
			if _, ok := titles[k.ID]; !ok {
				titles[k.ID] = k.Title + "\x00" + k.SN
			}
		}
		for _, q := range append(append([]string{}, injLikeQueries...), injHostile...) {
			var want []uint64
			for kid, text := range titles {
				title, sn, _ := strings.Cut(text, "\x00")
				if trimmed := strings.TrimSpace(q); trimmed == "" || strings.Contains(title, trimmed) || strings.Contains(sn, trimmed) {
					want = append(want, kid)
				}
			}
			got := injSearch(e, q)
			sort.Slice(want, func(i, j int) bool { return want[i] < want[j] })
			if fmt.Sprint(got) != fmt.Sprint(want) {
				t.Errorf("contracts matching %q: %v, want %v", q, got, want)
			}
		}

		// Nothing changed in the other tenant, and every table is still there.
		if after := e.injOtherView(o); after != before {
			t.Errorf("the other tenant's rows changed:\nbefore %s\nafter  %s", before, after)
		}
		for _, model := range []any{&core.Customer{}, &core.Contract{}, &core.Contact{}, &core.ContactHistory{}} {
			var n int64
			e.must(e.db.Model(model).Count(&n).Error)
			if n == 0 {
				t.Errorf("%T: no rows left", model)
			}
		}
		_ = ctx
	})
}

// injContract is the contract object's text fields.
type injContract struct {
	ID             uint64
	SN             string
	Title          string
	CustomerSigner string `json:"customer_signer"`
	OurSigner      string `json:"our_signer"`
	SpecialTerms   string `json:"special_terms"`
	SelfNote       string `json:"self_note"`
	ProductAssets  []struct {
		ProductName string `json:"product_name"`
		ProductNo   string `json:"product_no"`
		SaleUnit    string `json:"sale_unit"`
		Spec        string
		Remark      string
	} `json:"product_assets"`
	Customer struct {
		Name    string
		Address struct {
			DetailAddress string `json:"detail_address"`
		}
	}
}

func injContractOf(t *testing.T, status int, body []byte) injContract {
	t.Helper()
	var v struct {
		Code int
		Data injContract
	}
	if err := json.Unmarshal(body, &v); status != http.StatusOK || err != nil || v.Code != 0 {
		t.Fatalf("ikcrm contract: HTTP %d %v %s", status, err, body)
	}
	return v.Data
}

// injSearch lists the ids of the contracts whose title or sn holds q.
func injSearch(e *env, q string) []uint64 {
	e.t.Helper()
	status, body := e.ikGet("/api/v2/contracts?per_page=1000&query="+url.QueryEscape(q), ikAuth)
	var v struct {
		Code int
		Data struct {
			Contracts  []struct{ ID uint64 }
			TotalCount int `json:"total_count"`
		}
	}
	if err := json.Unmarshal(body, &v); status != http.StatusOK || err != nil || v.Code != 0 {
		e.t.Fatalf("search %q: HTTP %d %v %s", q, status, err, body)
	}
	ids := []uint64{}
	for _, k := range v.Data.Contracts {
		ids = append(ids, k.ID)
	}
	if v.Data.TotalCount != len(ids) {
		e.t.Errorf("search %q: total_count %d, %d contracts", q, v.Data.TotalCount, len(ids))
	}
	sort.Slice(ids, func(i, j int) bool { return ids[i] < ids[j] })
	return ids
}

// injUsers are login names a tenant may give its users.
var injUsers = []string{`O'Brien`, `' OR 1=1 --`, `100%`, `a_b`, `a!b`, `back\slash`}

// Hostile login names log in as themselves through the OA, ikcrm and the
// WebApi, and an injection in a login logs nobody in; the employee search
// matches names holding the text literally, in the caller's tenant only.
func TestInjectionUserNames(t *testing.T) {
	eachEngine(t, func(e *env) {
		t := e.t // failures belong to the engine's subtest
		ctx := context.Background()
		o := seedInjection(e) // the other tenant has users named "u" + each hostile string
		tn := o.ik.tenant
		users := map[uint64]string{}
		var all []core.User
		e.must(e.db.Where("tenant_id = ?", tn.ID).Find(&all).Error)
		for _, u := range all {
			users[u.ID] = u.Name
		}
		for _, name := range injUsers {
			u, err := e.svc.EnsureUser(ctx, tn.ID, name, o.ik.department)
			e.must(err)
			users[u.ID] = name
			password := name + `'pw`
			e.must(e.svc.SetPassword(ctx, tn.ID, name, password))

			_, body := e.postForm("/oa/users/login", vals("tt", "1", "vn", "1.0", "username", name, "password", password))
			var oa struct {
				StatusCode string
				Data       struct {
					ID                 uint64
					Username, RealName string
				}
			}
			e.must(json.Unmarshal(body, &oa))
			if oa.StatusCode != "0000" || oa.Data.ID != u.ID {
				t.Errorf("OA login as %q: %s", name, body)
			}
			injSame(t, "OA login username", name, oa.Data.Username, oa.Data.RealName)
			_, body = e.postForm("/oa/users/login", vals("username", name, "password", `' OR '1'='1`))
			if !bytes.Contains(body, []byte(`"statuscode":"10003"`)) {
				t.Errorf("OA login as %q with an injected password: %s", name, body)
			}

			_, body = e.postForm("/api/v2/auth/login", vals("login", name, "password", password, "corp_id", tn.Name, "device", "open_api"))
			var ik struct {
				Code int
				Data struct {
					UserID uint64 `json:"user_id"`
				}
			}
			e.must(json.Unmarshal(body, &ik))
			if ik.Code != 0 || ik.Data.UserID != u.ID {
				t.Errorf("ikcrm login as %q: %s", name, body)
			}

			_, body = e.postForm("/WebApi/Handler/1.0/Token/Get.ashx", vals("org_id", id(tn.ID), "login_name", name, "password", password))
			var tok struct{ Value string }
			e.must(json.Unmarshal(body, &tok))
			caller, err := e.svc.Authenticate(ctx, tok.Value)
			if err != nil || caller.UserID != u.ID {
				t.Errorf("WebApi Token/Get as %q: %s (%v)", name, body, err)
			}
		}
		for _, name := range []string{`x' OR 'x'='x`, `' OR 1=1; --`, `ann' --`, `%`, `_`, `O'Brien'--`} {
			_, body := e.postForm("/oa/users/login", vals("username", name, "password", `' OR '1'='1`))
			if !bytes.Contains(body, []byte(`"statuscode":"10003"`)) { // as any unknown name: as a wrong password
				t.Errorf("OA login as %q: %s", name, body)
			}
			_, body = e.postForm("/api/v2/auth/login", vals("login", name, "password", `' OR '1'='1`, "device", "open_api"))
			if !bytes.Contains(body, []byte(`"code":100400`)) {
				t.Errorf("ikcrm login as %q: %s", name, body)
			}
		}

		// The employee search: search[name] held literally by the name.
		for _, q := range append([]string{"%", "_", "!", "\\", "'", "--", "%%", "!%", "_b", "a%", "1=1"}, injUsers...) {
			body := formBody([]Pair{{"search[name]", q}})
			status, answer := e.yzPost(yzPath(tn.ID), ikToken, "application/x-www-form-urlencoded", body)
			var v struct {
				Result int
				Data   struct {
					Total int
					Data  []struct {
						ID   uint64
						Name string
					}
				}
			}
			if err := json.Unmarshal(answer, &v); status != http.StatusOK || err != nil || v.Result != 1 {
				t.Fatalf("search[name]=%q: HTTP %d %v %s", q, status, err, answer)
			}
			var want, got []string
			for uid, name := range users {
				if strings.Contains(name, q) {
					want = append(want, fmt.Sprintf("%d:%s", uid, name))
				}
			}
			for _, r := range v.Data.Data {
				got = append(got, fmt.Sprintf("%d:%s", r.ID, r.Name))
			}
			sort.Strings(want)
			sort.Strings(got)
			if strings.Join(got, "|") != strings.Join(want, "|") || v.Data.Total != len(want) {
				t.Errorf("search[name]=%q: %d %q, want %q", q, v.Data.Total, got, want)
			}
		}
	})
}

// A NUL is stored and read back as itself where the wire can carry it (JSON);
// XML 1.0 cannot carry it at all, so the WebApi's XML answers U+FFFD in its
// place and stays well-formed. White space at the ends of a JSON object's
// strings, which the WebApi does not trim, is kept, and names compare exactly.
func TestInjectionNULAndSpaces(t *testing.T) {
	eachEngine(t, func(e *env) {
		t := e.t
		o := seedInjection(e)
		me := o.ik.me
		tok := func(kv ...string) url.Values { return vals(append([]string{"token", ikToken}, kv...)...) }
		for i, s := range []string{"nul\x00name", "\x00", "Trail ", " lead", "tab\t"} {
			obj, err := json.Marshal(injCustomer{CustName: s, Tel: s, Address: s})
			e.must(err)
			e.injWrite(i, "Customer/Save", tok("json", string(obj)))
			var cus []core.Customer
			e.must(e.db.Where("tenant_id = ? AND address = ?", me.TenantID, s).Find(&cus).Error)
			if len(cus) != 1 {
				t.Fatalf("%d customers at the address %q", len(cus), s)
			}
			cu := cus[0]
			injSame(t, "customer stored", s, cu.Name, cu.Tel, cu.Address)
			j, x := injRead[injCustomer](e, "Customer/Get", tok("id", id(cu.ID)))
			injSame(t, "Customer/Get json", s, j.CustName, j.Tel, j.Address)
			injSame(t, "Customer/Get xml", strings.ReplaceAll(s, "\x00", "\uFFFD"), x.CustName, x.Tel, x.Address)
			// (the parameter itself is trimmed: "Trail " asks for "Trail")
			for _, other := range []string{strings.TrimSpace(s), strings.ReplaceAll(s, "\x00", "")} {
				if other == s {
					continue
				}
				_, body := e.call(http.MethodPost, "Customer/NameIsRepeat", tok("sName", other, "id", "0"))
				if other != "" && string(body) != "{\"value\":false}\n" {
					t.Errorf("NameIsRepeat %q with only %q stored: %s", other, s, body)
				}
			}

			if !strings.Contains(s, "\x00") {
				continue
			}
			ct, err := e.svc.CreateContact(context.Background(), me, core.NewContact{CustomerID: cu.ID, Name: "联系人"})
			e.must(err)
			e.injWrite(i, "ContactHistory/Add", tok("customer_id", id(cu.ID), "type_id", "1", "route_id", "1",
				"link_man_id", id(ct.ID), "title", s+"x", "content", s+"x"))
			var h core.ContactHistory
			e.must(e.db.Where("tenant_id = ? AND customer_id = ?", me.TenantID, cu.ID).Take(&h).Error)
			jh, xh := injRead[injHistory](e, "ContactHistory/Get", tok("id", id(h.ID)))
			injSame(t, "ContactHistory/Get json", s+"x", jh.Title, jh.Content)
			injSame(t, "ContactHistory/Get xml", strings.ReplaceAll(s+"x", "\x00", "\uFFFD"), xh.Title, xh.Content)

			b, err := json.Marshal(map[string]any{"contract": map[string]any{"title": s, "customer_id": cu.ID,
				"start_at": "2015-10-01", "end_at": "2015-10-31", "sign_date": "2015-10-09", "special_terms": s,
				"customer_signer": s, "our_signer": s, "product_assets_attributes": []map[string]any{{"product_name": s,
					"quantity": "1", "recommended_unit_price": "1", "remark": s}}}})
			e.must(err)
			k := injContractOf(t, http.StatusOK, func() []byte { _, b := e.ikSend(http.MethodPost, "/api/v2/contracts", "application/json", b); return b }())
			_, body := e.ikGet("/api/v2/contracts/"+id(k.ID), ikAuth)
			k2 := injContractOf(t, http.StatusOK, body)
			injSame(t, "ikcrm contract", s, k.Title, k.SpecialTerms, k.CustomerSigner, k2.Title, k2.SpecialTerms, k2.OurSigner, k2.Customer.Name)
			if len(k2.ProductAssets) != 1 {
				t.Fatalf("%d product lines", len(k2.ProductAssets))
			}
			injSame(t, "ikcrm product line", s, k2.ProductAssets[0].ProductName, k2.ProductAssets[0].Remark)
			_, body = e.get("/oa/crm/contracts/count?access_token=" + url.QueryEscape(ikToken) + "&year=2015&month=10&flag=2&size=1000")
			if !bytes.Contains(body, []byte(`"id":"`+id(k.ID)+`","name":`+strings.ReplaceAll(fmt.Sprintf("%q", s), `\x00`, `\u0000`)+`,`)) {
				t.Errorf("OA contracts/count does not list %q as written: %s", s, body)
			}
		}
	})
}

// A NUL in a search is refused as a bad parameter, in the dialect's shape:
// SQLite's LIKE would stop reading at it and match far more than the text.
func TestInjectionSearchForNUL(t *testing.T) {
	eachEngine(t, func(e *env) {
		t := e.t
		o := seedInjection(e)
		for _, q := range []string{"\x00", "a\x00", "%\x00"} {
			_, body := e.ikGet("/api/v2/contracts?query="+url.QueryEscape(q), ikAuth)
			if want := `{"code":100422,"message":"query contains a NUL character","error":"invalid_params"}`; strings.TrimSpace(string(body)) != want {
				t.Errorf("ikcrm query=%q: %s, want %s", q, body, want)
			}
			_, body = e.yzPost(yzPath(o.ik.tenant.ID), ikToken, "application/x-www-form-urlencoded", formBody([]Pair{{"search[name]", q}}))
			if want := `{"result":0,"msg":"search[name] 不能包含 NUL 字符","data":[]}`; strings.TrimSpace(string(body)) != want {
				t.Errorf("yunzmall search[name]=%q: %s, want %s", q, body, want)
			}
		}
	})
}

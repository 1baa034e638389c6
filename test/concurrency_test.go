package test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"crmgw/config"
	"crmgw/core"
)

// The storm: stormWriters goroutines, half in each of two tenants, each with the
// token of one of stormUsers users, send ten writes each through three
// dialects at once; afterwards every answer is checked against the database
// and every statistics endpoint against a recount of the acknowledged writes.
const (
	stormWriters = 50
	stormUsers   = 5 // per tenant; each user's token is shared by stormWriters/2/stormUsers writers
	stormSeeded  = 3 // customers per tenant before the storm
)

// stormMonth is the month of the suites' clock, "this month" of every figure.
const stormMonth = "2015-10"

// stormTenant is one tenant of the storm, as seeded before it.
type stormTenant struct {
	name      string
	id        uint64
	users     []core.Caller
	tokens    []string
	customers []core.Customer // stormSeeded, created and owned by users[0]
	contacts  []uint64        // the main contact of each of customers
	hot       core.Contract   // owned by users[0]; every writer of the tenant adds a custom field to it
	foreign   [2]uint64       // a customer of the other tenant and its contact
}

// A storm write: what was sent and what the server answered.
type stormWrite struct {
	writer, tenant, user int         // user: the index of the token's user in its tenant
	kind                 string      // see the kinds below
	key                  string      // what names the write in the database: sn, name, title, month, custom field
	owner                int         // contracts: the index of the owner in the tenant
	customer             uint64      // contracts and follow-ups
	contact              uint64      // follow-ups
	cents                int64       // contracts and targets: the amount
	signed               string      // contracts: the sign date
	typeID, routeID      uint64      // follow-ups; customers: industry and source
	text                 string      // follow-ups: the content; customers: the address; contracts: the title, where not the key's
	of                   *stormWrite // updates: the creation they change

	status int
	body   []byte
	err    error
	acked  bool   // the dialect's success answer
	code   string // the dialect's error code, when not acked
	id     uint64 // contracts: the id answered
	sn     string // contracts: the sn answered
}

// The kinds of write.
const (
	wRace     = "race sn creation"      // ikcrm POST, several writers per sn
	wContract = "contract creation"     // ikcrm POST with an sn of its own, often owned by a colleague
	wAuto     = "numbered creation"     // ikcrm POST without sn: numbered by the tenant's rule
	wUpdate   = "contract update"       // ikcrm PUT of the writer's own contract: title and amount
	wHot      = "hot contract field"    // ikcrm PUT of a custom field of its own on the tenant's hot contract
	wCustomer = "customer save"         // qcy Customer/Save
	wHistory  = "follow-up"             // qcy ContactHistory/Add
	wTarget   = "monthly target"        // oa monthplan
	wBadK     = "foreign contract"      // ikcrm POST naming the other tenant's customer: 100422
	wBadH     = "foreign follow-up"     // qcy ContactHistory/Add on the other tenant's customer: 20003
	wBadC     = "nameless customer"     // qcy Customer/Save without CustName: 10017
	wBadT     = "target with fractions" // oa monthplan of 1.001: 10004
)

// stormRefusals is the error code of each kind of write that must be refused.
var stormRefusals = map[string]string{wBadK: "100422", wBadH: "20003", wBadC: "10017", wBadT: "10004"}

// stormInternal are the dialects' internal-error codes: never acceptable.
var stormInternal = map[string]bool{"100500": true, "10001": true, "10500": true}

// TestConcurrentWriters runs 50 writers against every engine through the ikcrm,
// qcy and oa dialects (no dialect writes payments: they are seeded), all started
// at once, and checks that each acknowledged write is stored exactly once with
// its fields, that refused writes left nothing, that racing creations on one sn
// have one winner and clean conflicts for the others, that nothing answered an
// internal error, and that the oa, ikcrm and yunzmall figures afterwards equal
// a recount of the acknowledged writes.
func TestConcurrentWriters(t *testing.T) {
	eachEngine(t, func(e *env) {
		tenants := seedStorm(e)
		// A server of its own, whose log can be read once it is closed.
		logs := &logBuffer{}
		cfg, err := config.Load(nil)
		e.must(err)
		cfg.Log.Format = "json"
		srv := httptest.NewServer(e.rebuild(cfg, logs).Gateway.Handler())
		defer srv.Close()
		stormAndCheck(e, tenants, srv.URL, srv.Close, logs)
	})
}

// stormAndCheck runs the storm against the gateway at base and checks what
// it left in e's database and answers at base; closeServers closes the
// servers behind base, so that every request is done and logged, and logs
// are what they logged: none may be an error.
func stormAndCheck(e *env, tenants []*stormTenant, base string, closeServers func(), logs ...*logBuffer) {
	transport := &http.Transport{MaxIdleConnsPerHost: stormWriters}
	defer transport.CloseIdleConnections()
	c := &stormClient{url: base, http: &http.Client{Transport: transport, Timeout: 60 * time.Second}}

	start := time.Now()
	writes := storm(c, tenants)
	stormed := time.Since(start)

	f := &stormFaults{}
	checkStormAnswers(f, writes)
	checkStormRaces(f, e, tenants, writes)
	checkStormStored(f, e, tenants, writes)
	want := stormRecount(tenants, writes)
	checkStormFigures(f, e, c, tenants, want)
	closeServers()
	for _, l := range logs {
		for _, line := range l.errors() {
			f.add("server logged an error: %s", line)
		}
	}
	f.report(e.t)
	e.t.Logf("%d writes by %d writers in %v, checked in %v", len(writes), stormWriters, stormed, time.Since(start)-stormed)
}

// seedStorm makes two tenants of stormUsers users in two departments, with
// tokens, stormSeeded customers and a hot contract with payments.
func seedStorm(e *env) []*stormTenant {
	ctx := context.Background()
	var ts []*stormTenant
	for _, name := range []string{"north", "south"} {
		tn, err := e.svc.EnsureTenant(ctx, name)
		e.must(err)
		st := &stormTenant{name: name, id: tn.ID}
		var depts []core.Department
		for _, d := range []string{"销售部", "市场部"} {
			dep, err := e.svc.EnsureDepartment(ctx, tn.ID, d)
			e.must(err)
			depts = append(depts, dep)
		}
		for i := 0; i < stormUsers; i++ {
			u, err := e.svc.EnsureUser(ctx, tn.ID, fmt.Sprintf("u%d", i), depts[i*len(depts)/stormUsers].ID)
			e.must(err)
			tok, err := e.svc.RegisterToken(ctx, tn.ID, u.ID, fmt.Sprintf("storm-%s-%d", name, i))
			e.must(err)
			caller, err := e.svc.Authenticate(ctx, tok)
			e.must(err)
			st.users, st.tokens = append(st.users, caller), append(st.tokens, tok)
		}
		for i := 0; i < stormSeeded; i++ {
			cu, err := e.svc.CreateCustomer(ctx, st.users[0], core.NewCustomer{Name: fmt.Sprintf("%s-客户%d", name, i)})
			e.must(err)
			ct, err := e.svc.CreateContact(ctx, st.users[0], core.NewContact{CustomerID: cu.ID, Name: fmt.Sprintf("联系人%d", i), IsMain: true})
			e.must(err)
			st.customers, st.contacts = append(st.customers, cu), append(st.contacts, ct.ID)
		}
		st.hot, err = e.svc.CreateContract(ctx, st.users[0], core.NewContract{Title: "热合同", SN: "HOT", CustomerID: st.customers[0].ID,
			TotalAmount: mustMoney(e, "1000"), SignDate: mustDate(e, "2015-10-01"), StartDate: mustDate(e, "2015-10-01"),
			EndDate: mustDate(e, "2015-12-31"), Status: core.ContractExecuting})
		e.must(err)
		for _, p := range []struct{ dir, amount, on string }{
			{core.PaymentIn, "300", "2015-10-05"}, {core.PaymentIn, "99.90", "2015-09-30"}, {core.PaymentOut, "50", "2015-10-06"},
		} {
			_, err := e.svc.AddPayment(ctx, st.users[0], core.NewPayment{ContractID: st.hot.ID, Direction: p.dir,
				Amount: mustMoney(e, p.amount), PaidOn: mustDate(e, p.on)})
			e.must(err)
		}
		ts = append(ts, st)
	}
	ts[0].foreign = [2]uint64{ts[1].customers[0].ID, ts[1].contacts[0]}
	ts[1].foreign = [2]uint64{ts[0].customers[0].ID, ts[0].contacts[0]}
	return ts
}

// stormClient sends requests from many goroutines; it never fails the test itself.
type stormClient struct {
	url  string
	http *http.Client
}

func (c *stormClient) send(method, path string, header http.Header, body []byte) (int, []byte, error) {
	req, err := http.NewRequest(method, c.url+path, bytes.NewReader(body))
	if err != nil {
		return 0, nil, err
	}
	for k, v := range header {
		req.Header[k] = v
	}
	res, err := c.http.Do(req)
	if err != nil {
		return 0, nil, err
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	return res.StatusCode, b, err
}

func stormIKHeader(token string) http.Header {
	return http.Header{"Authorization": {`Token token="` + token + `",device="open_api"`}, "Content-Type": {"application/json"}}
}

var stormForm = http.Header{"Content-Type": {"application/x-www-form-urlencoded"}}

func stormCents(n int64) string { return fmt.Sprintf("%d.%02d", n/100, n%100) }

// storm runs the writers, all released at once, and returns every write they made.
func storm(c *stormClient, tenants []*stormTenant) []*stormWrite {
	scripts := make([][]*stormWrite, stormWriters)
	var ready, done sync.WaitGroup
	gate := make(chan struct{})
	for g := 0; g < stormWriters; g++ {
		ready.Add(1)
		done.Add(1)
		go func() {
			defer done.Done()
			ready.Done()
			<-gate
			scripts[g] = stormScript(c, tenants, g)
		}()
	}
	ready.Wait()
	close(gate)
	done.Wait()
	var all []*stormWrite
	for _, s := range scripts {
		all = append(all, s...)
	}
	return all
}

// stormScript is writer g's script. Writer g works in tenant g%2 as user l%stormUsers,
// l = g/2; writers l = 5j … 5j+4 (all five users) race for the sn RACE-j, which
// both tenants have.
func stormScript(c *stormClient, tenants []*stormTenant, g int) []*stormWrite {
	ti, l := g%2, g/2
	st := tenants[ti]
	u := l % stormUsers
	tok := st.tokens[u]
	day := fmt.Sprintf("2015-10-%02d", l%28+1)
	var out []*stormWrite
	w := func(kind, key string) *stormWrite {
		x := &stormWrite{writer: g, tenant: ti, user: u, kind: kind, key: key, owner: u}
		out = append(out, x)
		return x
	}
	contract := func(x *stormWrite, method, path string, fields map[string]any) {
		b, _ := json.Marshal(map[string]any{"contract": fields})
		x.status, x.body, x.err = c.send(method, path, stormIKHeader(tok), b)
		var a struct {
			Code int `json:"code"`
			Data struct {
				ID uint64 `json:"id"`
				SN string `json:"sn"`
			} `json:"data"`
		}
		if x.err == nil && json.Unmarshal(x.body, &a) == nil {
			x.acked, x.code, x.id, x.sn = a.Code == 0 && x.status == http.StatusOK, fmt.Sprint(a.Code), a.Data.ID, a.Data.SN
		}
	}
	create := func(x *stormWrite) {
		fields := map[string]any{"title": x.key + "号合同", "customer_id": x.customer, "user_id": st.users[x.owner].UserID,
			"total_amount": stormCents(x.cents), "start_at": "2015-10-01", "end_at": "2015-12-31"}
		if x.kind == wAuto {
			x.key = "" // numbered by the server; signed today
		} else {
			fields["sn"], fields["sign_date"] = x.key, x.signed
		}
		contract(x, http.MethodPost, "/api/v2/contracts", fields)
	}
	qcy := func(x *stormWrite, handler string, p url.Values) {
		p.Set("token", tok)
		x.status, x.body, x.err = c.send(http.MethodPost, qcyBase+handler+".ashx", stormForm, []byte(p.Encode()))
		var a struct {
			Code string `json:"error_code"`
		}
		if x.err == nil {
			x.acked = x.status == http.StatusOK && string(x.body) == "{\"value\":true}\n"
			if !x.acked && json.Unmarshal(x.body, &a) == nil {
				x.code = a.Code
			}
		}
	}
	saveCustomer := func(x *stormWrite, name, tel string) {
		b, _ := json.Marshal(map[string]any{"PK_ID": 0, "CustName": name, "Tel": tel, "Address": x.text,
			"IndustryID": x.typeID, "SourceID": x.routeID})
		qcy(x, "Customer/Save", url.Values{"json": {string(b)}})
	}
	addHistory := func(x *stormWrite) {
		qcy(x, "ContactHistory/Add", url.Values{"customer_id": {fmt.Sprint(x.customer)}, "type_id": {fmt.Sprint(x.typeID)},
			"route_id": {fmt.Sprint(x.routeID)}, "link_man_id": {fmt.Sprint(x.contact)}, "title": {x.key}, "content": {x.text}})
	}
	target := func(x *stormWrite, amount string) {
		form := url.Values{"yearmonth": {x.key}, "targetamount": {amount}}
		x.status, x.body, x.err = c.send(http.MethodPost, "/oa/crm/monthplan?access_token="+url.QueryEscape(tok), stormForm, []byte(form.Encode()))
		var a oaAnswer
		if x.err == nil && json.Unmarshal(x.body, &a) == nil {
			x.acked, x.code = x.status == http.StatusOK && a.StatusCode == "0000", a.StatusCode
		}
	}

	// 1. Race for RACE-j with the four writers of the other users.
	x := w(wRace, fmt.Sprintf("RACE-%d", l/stormUsers))
	x.customer, x.cents, x.signed = st.customers[l%stormSeeded].ID, int64(100000+g), day
	x.text = fmt.Sprintf("抢%d", g) // the title tells the racers apart
	fields := map[string]any{"title": x.text, "sn": x.key, "customer_id": x.customer, "total_amount": stormCents(x.cents),
		"sign_date": x.signed, "start_at": "2015-10-01", "end_at": "2015-12-31"}
	contract(x, http.MethodPost, "/api/v2/contracts", fields)

	// 2. A customer of the writer's own.
	x = w(wCustomer, fmt.Sprintf("%s-新客户%d", st.name, g))
	x.typeID, x.routeID, x.text = uint64(1+g%6), uint64(1+g%5), fmt.Sprintf("地址%d", g)
	saveCustomer(x, x.key, fmt.Sprintf("tel-%d", g))

	// 3. A follow-up on a seeded customer.
	x = w(wHistory, fmt.Sprintf("跟进%d-1", g))
	x.customer, x.contact = st.customers[l%stormSeeded].ID, st.contacts[l%stormSeeded]
	x.typeID, x.routeID, x.text = uint64(1+g%7), uint64(1+g%4), fmt.Sprintf("内容%d", g)
	addHistory(x)

	// 4. A contract of its own sn, owned by the next user; every fourth signed in September.
	own := w(wContract, fmt.Sprintf("K%d", g))
	own.owner, own.customer, own.cents, own.signed = (u+1)%stormUsers, st.customers[(l+1)%stormSeeded].ID, int64(1000000*(g+1)+g), day
	if l%4 == 0 {
		own.signed = fmt.Sprintf("2015-09-%02d", l%28+1)
	}
	create(own)

	// 5. This month's target, which the other writers of the same user set too.
	x = w(wTarget, stormMonth)
	x.cents = int64(100000*(g+1) + 50)
	target(x, stormCents(x.cents))

	// 6. A custom field on the hot contract, beside everybody else's.
	x = w(wHot, fmt.Sprintf("w%02d", g))
	contract(x, http.MethodPut, fmt.Sprintf("/api/v2/contracts/%d", st.hot.ID), map[string]any{x.key: g})

	// 7. The contract of step 4 gets a new title and amount.
	if own.acked {
		x = w(wUpdate, own.key)
		x.of, x.cents, x.text = own, int64(2000000*(g+1)+g), fmt.Sprintf("改%d", g)
		contract(x, http.MethodPut, fmt.Sprintf("/api/v2/contracts/%d", own.id), map[string]any{"title": x.text, "total_amount": stormCents(x.cents)})
	}

	// 8. A contract numbered by the server, signed today.
	x = w(wAuto, fmt.Sprintf("自动%d", g))
	x.customer, x.cents, x.signed = st.customers[(l+2)%stormSeeded].ID, int64(50000+g), "2015-10-15"
	x.text = x.key + "号合同"
	create(x)

	// 9. A second follow-up.
	x = w(wHistory, fmt.Sprintf("跟进%d-2", g))
	x.customer, x.contact = st.customers[(l+2)%stormSeeded].ID, st.contacts[(l+2)%stormSeeded]
	x.typeID, x.routeID, x.text = uint64(1+(g+3)%7), uint64(1+(g+1)%4), fmt.Sprintf("再联系%d", g)
	addHistory(x)

	// 10. A write each dialect must refuse.
	switch g % 4 {
	case 0:
		x = w(wBadK, fmt.Sprintf("BAD%d", g))
		x.customer, x.cents, x.signed = st.foreign[0], 100, day
		create(x)
	case 1:
		x = w(wBadH, fmt.Sprintf("坏跟进%d", g))
		x.customer, x.contact, x.typeID, x.routeID = st.foreign[0], st.foreign[1], 1, 1
		x.text = "别家的客户"
		addHistory(x)
	case 2:
		x = w(wBadC, fmt.Sprintf("bad-tel-%d", g))
		saveCustomer(x, "", x.key)
	case 3:
		x = w(wBadT, "2015-12")
		target(x, "1.001")
	}
	return out
}

// checkStormAnswers: every write got the answer its kind calls for, and none an internal error.
func checkStormAnswers(f *stormFaults, writes []*stormWrite) {
	for _, x := range writes {
		switch {
		case x.err != nil:
			f.add("writer %d, %s %q: %v", x.writer, x.kind, x.key, x.err)
		case x.status != http.StatusOK:
			f.add("writer %d, %s %q: HTTP %d %s", x.writer, x.kind, x.key, x.status, x.body)
		case stormInternal[x.code] || bytes.Contains(x.body, []byte("SQLITE")) || bytes.Contains(x.body, []byte("eadlock")):
			f.add("writer %d, %s %q: internal error under contention: %s", x.writer, x.kind, x.key, x.body)
		case stormRefusals[x.kind] != "":
			if x.acked || x.code != stormRefusals[x.kind] {
				f.add("writer %d, %s %q: want error %s, got %s", x.writer, x.kind, x.key, stormRefusals[x.kind], x.body)
			}
		case x.kind == wRace: // checkStormRaces
		case !x.acked:
			f.add("writer %d, %s %q: not acknowledged: %s", x.writer, x.kind, x.key, x.body)
		}
	}
}

// checkStormRaces: each raced sn has one winner per tenant, stored with the winner's
// title; every loser got exactly the ikcrm conflict answer and left no row.
func checkStormRaces(f *stormFaults, e *env, tenants []*stormTenant, writes []*stormWrite) {
	races := map[[2]string][]*stormWrite{}
	for _, x := range writes {
		if x.kind == wRace {
			k := [2]string{tenants[x.tenant].name, x.key}
			races[k] = append(races[k], x)
		}
	}
	for k, racers := range races {
		st := tenants[racers[0].tenant]
		conflict := fmt.Sprintf(`{"code":100409,"message":"合同编号(sn) 已经被使用: contract sn \"%s\" is taken","error":"record_not_unique"}`+"\n", k[1])
		var winners []*stormWrite
		wrong := map[string][]int{} // answer → the losers given it instead of the conflict
		for _, x := range racers {
			switch {
			case x.acked:
				winners = append(winners, x)
				if x.sn != x.key {
					f.add("%s %s: the winner was answered sn %q", k[0], k[1], x.sn)
				}
			case string(x.body) != conflict:
				wrong[string(x.body)] = append(wrong[string(x.body)], x.writer)
			}
		}
		for body, losers := range wrong {
			f.add("%s %s: losers %v were answered %s instead of the conflict %s", k[0], k[1], losers, strings.TrimSpace(body), strings.TrimSpace(conflict))
		}
		var rows []core.Contract
		e.must(e.db.Where("tenant_id = ? AND sn = ?", st.id, k[1]).Find(&rows).Error)
		if len(winners) != 1 || len(rows) != 1 {
			f.add("%s %s: %d of %d racers won, %d rows stored; want one of each", k[0], k[1], len(winners), len(racers), len(rows))
			continue
		}
		win, row := winners[0], rows[0]
		if row.ID != win.id || row.Title != win.text || row.OwnerID != st.users[win.user].UserID || row.TotalAmount.Cents() != win.cents {
			f.add("%s %s: stored %d %q owner %d amount %s; the winner (writer %d) was answered %d for %q by user %d, amount %s",
				k[0], k[1], row.ID, row.Title, row.OwnerID, row.TotalAmount, win.writer, win.id, win.text, st.users[win.user].UserID, stormCents(win.cents))
		}
		var losers int64
		e.must(e.db.Model(&core.Contract{}).Where("title IN ?", stormTitles(racers, win)).Count(&losers).Error)
		if losers != 0 {
			f.add("%s %s: %d contracts of the losers were stored", k[0], k[1], losers)
		}
	}
	if len(races) != 2*stormWriters/2/stormUsers {
		f.add("%d raced sns, want %d", len(races), 2*stormWriters/2/stormUsers)
	}
}

func stormTitles(racers []*stormWrite, except *stormWrite) []string {
	var out []string
	for _, x := range racers {
		if x != except {
			out = append(out, x.text)
		}
	}
	return out
}

// checkStormStored: each acknowledged write is in the database once, in its tenant,
// with its fields; refused writes left nothing; and nothing else was written.
func checkStormStored(f *stormFaults, e *env, tenants []*stormTenant, writes []*stormWrite) {
	type counts struct{ contracts, customers, histories int64 }
	want := make([]counts, len(tenants))
	targets := map[[2]int][]int64{} // (tenant, user) → the amounts acknowledged for this month
	hotFields := make([][]string, len(tenants))
	sns := map[[2]string]int{}
	for i := range tenants {
		want[i] = counts{1, stormSeeded, 0}
	}
	updated := map[*stormWrite]*stormWrite{}
	for _, x := range writes {
		if x.kind == wUpdate && x.acked {
			updated[x.of] = x
		}
	}
	for _, x := range writes {
		st := tenants[x.tenant]
		switch {
		case x.kind == wRace && x.acked, x.kind == wContract && x.acked, x.kind == wAuto && x.acked:
			want[x.tenant].contracts++
			sns[[2]string{st.name, x.sn}]++
			title, amount := x.key+"号合同", x.cents
			if x.kind == wRace {
				continue // checkStormRaces
			}
			if x.kind == wAuto {
				title = x.text
				if !strings.HasPrefix(x.sn, "HT") || len(x.sn) != 8 {
					f.add("writer %d: numbered contract answered sn %q, want HT and six digits", x.writer, x.sn)
				}
			}
			if u := updated[x]; u != nil {
				title, amount = u.text, u.cents
			}
			var rows []core.Contract
			e.must(e.db.Where("tenant_id = ? AND sn = ?", st.id, x.sn).Find(&rows).Error)
			if len(rows) != 1 {
				f.add("%s contract %q (writer %d, answered id %d): %d rows", st.name, x.sn, x.writer, x.id, len(rows))
				continue
			}
			k := rows[0]
			if k.ID != x.id || k.Title != title || k.OwnerID != st.users[x.owner].UserID || k.CreatorID != st.users[x.user].UserID ||
				k.CustomerID != x.customer || k.TotalAmount.Cents() != amount || k.SignDate.String() != x.signed {
				f.add("%s contract %q (writer %d): stored id %d %q owner %d creator %d customer %d amount %s signed %s; want id %d %q owner %d creator %d customer %d amount %s signed %s",
					st.name, x.sn, x.writer, k.ID, k.Title, k.OwnerID, k.CreatorID, k.CustomerID, k.TotalAmount, k.SignDate,
					x.id, title, st.users[x.owner].UserID, st.users[x.user].UserID, x.customer, stormCents(amount), x.signed)
			}
		case x.kind == wCustomer && x.acked:
			want[x.tenant].customers++
			var rows []core.Customer
			e.must(e.db.Where("name = ?", x.key).Find(&rows).Error)
			if len(rows) != 1 {
				f.add("customer %q (writer %d): %d rows", x.key, x.writer, len(rows))
				continue
			}
			cu, me := rows[0], st.users[x.user].UserID
			if cu.TenantID != st.id || cu.OwnerID != me || cu.CreatorID != me || cu.Tel != fmt.Sprintf("tel-%d", x.writer) ||
				cu.Address != x.text || cu.IndustryID != x.typeID || cu.SourceID != x.routeID {
				f.add("customer %q (writer %d): stored %+v; want tenant %d, owner and creator %d, %q, industry %d, source %d",
					x.key, x.writer, cu, st.id, me, x.text, x.typeID, x.routeID)
			}
		case x.kind == wHistory && x.acked:
			want[x.tenant].histories++
			var rows []core.ContactHistory
			e.must(e.db.Where("title = ?", x.key).Find(&rows).Error)
			if len(rows) != 1 {
				f.add("follow-up %q (writer %d): %d rows", x.key, x.writer, len(rows))
				continue
			}
			h := rows[0]
			if h.TenantID != st.id || h.UserID != st.users[x.user].UserID || h.CustomerID != x.customer || h.ContactID != x.contact || h.TypeID != x.typeID ||
				h.RouteID != x.routeID || h.Content != x.text {
				f.add("follow-up %q (writer %d): stored %+v; want tenant %d, user %d, customer %d, contact %d, type %d, route %d, %q",
					x.key, x.writer, h, st.id, st.users[x.user].UserID, x.customer, x.contact, x.typeID, x.routeID, x.text)
			}
		case x.kind == wTarget && x.acked:
			k := [2]int{x.tenant, x.user}
			targets[k] = append(targets[k], x.cents)
		case x.kind == wHot && x.acked:
			hotFields[x.tenant] = append(hotFields[x.tenant], x.key)
		case x.kind == wBadK:
			stormNone(f, e, x, &core.Contract{}, "sn = ?", x.key)
		case x.kind == wBadH:
			stormNone(f, e, x, &core.ContactHistory{}, "title = ?", x.key)
		case x.kind == wBadC:
			stormNone(f, e, x, &core.Customer{}, "tel = ?", x.key)
		case x.kind == wBadT:
			stormNone(f, e, x, &core.MonthlyTarget{}, "month = ?", x.key)
		}
	}
	for k, n := range sns {
		if n != 1 {
			f.add("%s: sn %q answered to %d creations", k[0], k[1], n)
		}
	}
	for i, st := range tenants {
		var got counts
		e.must(e.db.Model(&core.Contract{}).Where("tenant_id = ?", st.id).Count(&got.contracts).Error)
		e.must(e.db.Model(&core.Customer{}).Where("tenant_id = ?", st.id).Count(&got.customers).Error)
		e.must(e.db.Model(&core.ContactHistory{}).Where("tenant_id = ?", st.id).Count(&got.histories).Error)
		if got != want[i] {
			f.add("%s holds %d contracts, %d customers, %d follow-ups; the acknowledged writes make %d, %d, %d",
				st.name, got.contracts, got.customers, got.histories, want[i].contracts, want[i].customers, want[i].histories)
		}
		for u, c := range st.users {
			var rows []core.MonthlyTarget
			e.must(e.db.Where("tenant_id = ? AND user_id = ?", st.id, c.UserID).Find(&rows).Error)
			acked := targets[[2]int{i, u}]
			switch {
			case len(rows) != 1 || len(acked) == 0:
				f.add("%s u%d: %d target rows after %d acknowledged monthplans; want one", st.name, u, len(rows), len(acked))
			case rows[0].Month != stormMonth || !slices.Contains(acked, rows[0].Amount.Cents()):
				f.add("%s u%d: target %s %s is none of the acknowledged %v", st.name, u, rows[0].Month, rows[0].Amount, acked)
			}
		}
		var hot core.Contract
		e.must(e.db.Where("id = ?", st.hot.ID).Take(&hot).Error)
		fields := map[string]any{}
		if err := json.Unmarshal([]byte(hot.CustomFields), &fields); err != nil {
			f.add("%s hot contract: custom fields %q: %v", st.name, hot.CustomFields, err)
		}
		var lost []string
		for _, k := range hotFields[i] {
			if _, ok := fields[k]; !ok {
				lost = append(lost, k)
			}
		}
		if len(lost) > 0 || len(fields) != len(hotFields[i]) {
			sort.Strings(lost)
			f.add("%s hot contract: %d custom fields acknowledged, %d stored; lost: %v (concurrent PUTs of different fields overwrite each other)",
				st.name, len(hotFields[i]), len(fields), lost)
		}
		if hot.Title != st.hot.Title || hot.TotalAmount.Cents() != st.hot.TotalAmount.Cents() || hot.OwnerID != st.hot.OwnerID {
			f.add("%s hot contract: %q %s owner %d, want it unchanged", st.name, hot.Title, hot.TotalAmount, hot.OwnerID)
		}
	}
}

func stormNone(f *stormFaults, e *env, x *stormWrite, model any, where string, arg any) {
	var n int64
	e.must(e.db.Model(model).Where(where, arg).Count(&n).Error)
	if n != 0 {
		f.add("writer %d, %s %q was refused (%s) yet wrote %d rows", x.writer, x.kind, x.key, x.code, n)
	}
}

// stormFigures are what the statistics should show for one tenant.
type stormFigures struct {
	contracts   map[uint64]int64 // every contract: id → amount
	month       map[uint64]int64 // this month's contracts: id → amount
	owner       map[uint64]uint64
	deal        []int64 // per user: this month's deals
	dealCount   []int
	owned       []int // contracts owned, per user
	back        []int64
	follows     []int
	customers   []int
	created     []bool // the user created a customer
	receivedHot int64
}

// stormRecount adds up, per tenant, the seeded rows and the acknowledged writes.
func stormRecount(tenants []*stormTenant, writes []*stormWrite) []stormFigures {
	out := make([]stormFigures, len(tenants))
	for i, st := range tenants {
		r := stormFigures{contracts: map[uint64]int64{st.hot.ID: st.hot.TotalAmount.Cents()}, month: map[uint64]int64{st.hot.ID: st.hot.TotalAmount.Cents()},
			owner: map[uint64]uint64{st.hot.ID: st.users[0].UserID},
			deal:  make([]int64, stormUsers), dealCount: make([]int, stormUsers), owned: make([]int, stormUsers), back: make([]int64, stormUsers),
			follows: make([]int, stormUsers), customers: make([]int, stormUsers), created: make([]bool, stormUsers)}
		r.deal[0], r.dealCount[0], r.owned[0], r.back[0] = st.hot.TotalAmount.Cents(), 1, 1, 30000
		r.receivedHot = 39990
		r.customers[0], r.created[0] = stormSeeded, true
		out[i] = r
	}
	amount := map[*stormWrite]int64{}
	for _, x := range writes {
		if x.kind == wUpdate && x.acked {
			amount[x.of] = x.cents
		}
	}
	for _, x := range writes {
		if !x.acked {
			continue
		}
		r := &out[x.tenant]
		switch x.kind {
		case wRace, wContract, wAuto:
			a, ok := amount[x]
			if !ok {
				a = x.cents
			}
			r.contracts[x.id] = a
			r.owner[x.id] = tenants[x.tenant].users[x.owner].UserID
			r.owned[x.owner]++
			if strings.HasPrefix(x.signed, stormMonth) {
				r.month[x.id] = a
				r.deal[x.owner] += a
				r.dealCount[x.owner]++
			}
		case wCustomer:
			r.customers[x.user]++
			r.created[x.user] = true
		case wHistory:
			r.follows[x.user]++
		}
	}
	return out
}

// checkStormFigures compares every statistics endpoint, per tenant and user, with the recount.
func checkStormFigures(f *stormFaults, e *env, c *stormClient, tenants []*stormTenant, want []stormFigures) {
	for i, st := range tenants {
		r := want[i]
		tok := url.QueryEscape(st.tokens[0])

		// oa home, per user: this month's deals, payments received and target.
		for u, tk := range st.tokens {
			var home struct {
				oaAnswer
				Data struct {
					Deal   json.RawMessage `json:"monthdeal"`
					Back   json.RawMessage `json:"monthback"`
					Target json.RawMessage `json:"monthtarget"`
				} `json:"data"`
			}
			if !stormRead(f, c, http.MethodGet, "/oa/crm/home?access_token="+url.QueryEscape(tk), nil, &home) {
				continue
			}
			for _, fig := range []struct {
				name  string
				raw   json.RawMessage
				cents int64
			}{{"monthdeal", home.Data.Deal, r.deal[u]}, {"monthback", home.Data.Back, r.back[u]}} {
				if got, ok := stormOAMoney(fig.raw); ok != (fig.cents != 0) || got != fig.cents {
					f.add("%s u%d oa home: %s %s, recount %s", st.name, u, fig.name, fig.raw, stormCents(fig.cents))
				}
			}
			var stored core.MonthlyTarget
			e.must(e.db.Where("tenant_id = ? AND user_id = ? AND month = ?", st.id, st.users[u].UserID, stormMonth).Take(&stored).Error)
			if got, ok := stormOAMoney(home.Data.Target); !ok || got != stored.Amount.Cents() {
				f.add("%s u%d oa home: monthtarget %s, stored %s", st.name, u, home.Data.Target, stored.Amount)
			}
		}

		// oa contracts/count: the company's month, and each user's.
		var count struct {
			oaAnswer
			Data []struct {
				ID      string `json:"id"`
				Amount  string `json:"amount"`
				TotalIn string `json:"totalin"`
			} `json:"data"`
			Total int `json:"totalels"`
		}
		if stormRead(f, c, http.MethodGet, "/oa/crm/contracts/count?access_token="+tok+"&year=2015&month=10&flag=2&size=1000", nil, &count) {
			got := map[uint64]int64{}
			for _, row := range count.Data {
				id, _ := strconv.ParseUint(row.ID, 10, 64)
				got[id] = stormMoney(row.Amount)
				if in := stormMoney(row.TotalIn); (id == st.hot.ID && in != r.receivedHot) || (id != st.hot.ID && in != 0) {
					f.add("%s oa count: contract %d totalin %s", st.name, id, row.TotalIn)
				}
			}
			if count.Total != len(r.month) || !stormSame(got, r.month) {
				f.add("%s oa count flag=2: %d contracts (totalels %d) %v; recount %d %v", st.name, len(got), count.Total, got, len(r.month), r.month)
			}
		}
		for u, usr := range st.users {
			if stormRead(f, c, http.MethodGet, fmt.Sprintf("/oa/crm/contracts/count?access_token=%s&year=2015&month=10&flag=0&ids=%d&size=1000", tok, usr.UserID), nil, &count) {
				var sum int64
				for _, row := range count.Data {
					sum += stormMoney(row.Amount)
				}
				if count.Total != r.dealCount[u] || len(count.Data) != r.dealCount[u] || sum != r.deal[u] {
					f.add("%s oa count u%d: %d contracts (totalels %d) of %s; recount %d of %s", st.name, u, len(count.Data), count.Total, stormCents(sum), r.dealCount[u], stormCents(r.deal[u]))
				}
			}
		}

		// ikcrm list: every contract, and each user's.
		var list struct {
			Code int `json:"code"`
			Data struct {
				Contracts []struct {
					ID          uint64 `json:"id"`
					UserID      uint64 `json:"user_id"`
					TotalAmount string `json:"total_amount"`
				} `json:"contracts"`
				Total int `json:"total_count"`
			} `json:"data"`
		}
		if stormRead(f, c, http.MethodGet, "/api/v2/contracts?per_page=1000", stormIKHeader(st.tokens[0]), &list) {
			got := map[uint64]int64{}
			for _, k := range list.Data.Contracts {
				got[k.ID] = stormMoney(k.TotalAmount)
				if k.UserID != r.owner[k.ID] {
					f.add("%s ikcrm list: contract %d owned by %d, recount %d", st.name, k.ID, k.UserID, r.owner[k.ID])
				}
			}
			if list.Code != 0 || list.Data.Total != len(r.contracts) || !stormSame(got, r.contracts) {
				f.add("%s ikcrm list: code %d, total_count %d, %v; recount %d %v", st.name, list.Code, list.Data.Total, got, len(r.contracts), r.contracts)
			}
		}
		for u, tk := range st.tokens {
			if stormRead(f, c, http.MethodGet, "/api/v2/contracts?tab_type=my&per_page=1", stormIKHeader(tk), &list) && list.Data.Total != r.owned[u] {
				f.add("%s ikcrm list u%d: total_count %d, recount %d", st.name, u, list.Data.Total, r.owned[u])
			}
		}

		// yunzmall statistics: follow-ups and customers per employee.
		var stats struct {
			Result int `json:"result"`
			Data   struct {
				Data []struct {
					ID           uint64 `json:"id"`
					Follows      int    `json:"follow_count"`
					Customers    int    `json:"customer_count"`
					NewCustomers int    `json:"new_customer_count"`
					Lost         int    `json:"lose_customer_count"`
					CustomerLast string `json:"customer_last_date"`
					FollowLast   string `json:"follow_last_date"`
				} `json:"data"`
				Total int `json:"total"`
			} `json:"data"`
		}
		if stormRead(f, c, http.MethodPost, yzPath(st.id), http.Header{"Authorization": {"Bearer " + st.tokens[0]}}, &stats) {
			seen := 0
			for _, row := range stats.Data.Data {
				u := slices.IndexFunc(st.users, func(c core.Caller) bool { return c.UserID == row.ID })
				if u < 0 {
					f.add("%s yunzmall: a row for user %d", st.name, row.ID)
					continue
				}
				seen++
				last := func(did bool) string {
					if did {
						return "2015-10-15 10:00:00"
					}
					return "-"
				}
				if row.Follows != r.follows[u] || row.Customers != r.customers[u] || row.NewCustomers != r.customers[u] || row.Lost != 0 ||
					row.CustomerLast != last(r.created[u]) || row.FollowLast != last(r.follows[u] > 0) {
					f.add("%s yunzmall u%d: %+v; recount %d follow-ups, %d customers (all new), created %v", st.name, u, row, r.follows[u], r.customers[u], r.created[u])
				}
			}
			if stats.Result != 1 || stats.Data.Total != stormUsers || seen != stormUsers {
				f.add("%s yunzmall: result %d, total %d, %d rows of the tenant's users; want %d", st.name, stats.Result, stats.Data.Total, seen, stormUsers)
			}
		}
	}
}

// stormRead sends a read and decodes its answer; a failure is recorded.
func stormRead(f *stormFaults, c *stormClient, method, path string, header http.Header, v any) bool {
	status, body, err := c.send(method, path, header, nil)
	if err == nil && status != http.StatusOK {
		err = fmt.Errorf("HTTP %d %s", status, body)
	}
	if err == nil {
		err = json.Unmarshal(body, v)
	}
	if err != nil {
		f.add("%s %s: %v", method, path, err)
		return false
	}
	return true
}

// stormOAMoney reads an oa figure: "" is nothing to add up, else a number such as 2.0E7.
func stormOAMoney(raw json.RawMessage) (int64, bool) {
	if string(raw) == `""` {
		return 0, false
	}
	m, err := core.ParseMoney(string(raw))
	if err != nil {
		return -1, true
	}
	return m.Cents(), true
}

func stormMoney(s string) int64 {
	m, err := core.ParseMoney(s)
	if err != nil {
		return -1
	}
	return m.Cents()
}

func stormSame[K comparable, V comparable](a, b map[K]V) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if w, ok := b[k]; !ok || w != v {
			return false
		}
	}
	return true
}

// stormFaults collects what went wrong, reported at the end with the first few in full.
type stormFaults struct{ list []string }

func (f *stormFaults) add(format string, args ...any) {
	f.list = append(f.list, fmt.Sprintf(format, args...))
}

func (f *stormFaults) report(t *testing.T) {
	t.Helper()
	const shown = 40
	for i, s := range f.list {
		if i == shown {
			t.Errorf("… and %d more", len(f.list)-shown)
			break
		}
		t.Error(s)
	}
}

package test

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/go-sql-driver/mysql"
	"gorm.io/gorm"

	"crmgw/app"
	"crmgw/config"
	"crmgw/core"
	"crmgw/core/dbtest"
)

// The configured timeouts of the servers under fault, and what a fault answer may take.
const (
	faultRequestTimeout = 2 * time.Second
	faultAnswerWithin   = 5 * time.Second // the request timeout, and room for a slow machine
	faultRecoverWithin  = 15 * time.Second
)

// TestDatabaseFaults takes the database away under a running server, in every
// way at hand, and brings it back: meanwhile every dialect answers its own
// internal error with HTTP 503 and Retry-After, quickly, /readyz is 503, and
// nothing is half-written; afterwards the same requests succeed, without a
// restart of the server.
//
//   - sqlite: the database file, its WAL and its folder made immutable, which
//     stops root too (permissions do not): writes fail; reads and /readyz go on
//     or fail, as the connection they get (see testSQLiteUnwritable).
//   - sqlite-full: the database's file system filled up (see testSQLiteFull):
//     writes fail, reads go on.
//   - mysql/proxy/refuse, mysql/proxy/blackhole: the server reaches MySQL through
//     a TCP proxy of the test's that refuses (closes every connection and the
//     port) or blackholes (accepts, and lets nothing through either way).
//   - mysql/server-stopped: a private MariaDB server stopped with SIGTERM and
//     started again on the same data directory and port.
//
// The MySQL cases run on a private MariaDB server where mariadbd is installed,
// and otherwise the proxy cases run on CRMGW_TEST_MYSQL_DSN's server.
func TestDatabaseFaults(t *testing.T) {
	t.Run("sqlite", testSQLiteUnwritable)
	t.Run("sqlite-full", testSQLiteFull)

	var maria *privateMariaDB
	t.Run("mysql", func(t *testing.T) {
		base := os.Getenv(dbtest.MySQLEnv)
		if server, install := lookMariaDB(); server != "" && install != "" {
			maria = startPrivateMariaDB(t)
			base = maria.dsn()
		}
		if base == "" {
			t.Skipf("no MySQL to put behind the proxy: neither mariadbd nor %s", dbtest.MySQLEnv)
		}
		t.Run("proxy", func(t *testing.T) {
			cfg, err := mysql.ParseDSN(base)
			if err != nil {
				t.Fatal(err)
			}
			proxy := startProxy(t, cfg.Addr)
			cfg.Net, cfg.Addr = "tcp", proxy.addr
			s := newFaultSite(t, freshMySQL(t, base, cfg.FormatDSN()))
			t.Run("refuse", func(t *testing.T) {
				s.outage(t, proxy.refuse, func() { proxy.restore(t) }, faultAllFail)
			})
			t.Run("blackhole", func(t *testing.T) {
				s.outage(t, proxy.blackhole, func() { proxy.restore(t) }, faultAllFail)
			})
		})
		t.Run("server-stopped", func(t *testing.T) {
			if maria == nil {
				t.Skip("mariadbd is not installed: no private server to stop and start")
			}
			s := newFaultSite(t, freshMySQL(t, maria.dsn(), maria.dsn()))
			s.outage(t, func() { maria.stop(t) }, func() { maria.start(t) }, faultAllFail)
		})
	})
}

// faultOutcome is how a request must fare during a fault.
type faultOutcome int

const (
	faultServed      faultOutcome = iota // the request succeeds
	faultUnavailable                     // the dialect's internal error, HTTP 503, quickly
	faultEither                          // one or the other, whichever connection it gets
)

// faultExpect says how reads and /readyz fare during a fault; writes always fail.
type faultExpect struct{ reads, readyz faultOutcome }

var faultAllFail = faultExpect{reads: faultUnavailable, readyz: faultUnavailable}

// testSQLiteUnwritable makes the database file unwritable under a running server.
// Permissions stop no one running as root; the immutable attribute does, even on
// files already open for writing: chattr +i on the file, its WAL and its folder
// (not on the shared-memory index, which SQLite maps into memory). Writes fail
// on every connection, and /readyz, which checks that the files can be opened
// for writing, is unready. A read is served on a connection opened before the
// fault, and fails on a new one, which cannot open the file for writing:
// either answer is right.
func testSQLiteUnwritable(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "db")
	if err := os.Mkdir(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	if why := immutableUnsupported(dir); why != "" {
		t.Skip("no way to make a file unwritable here: " + why)
	}
	path := filepath.Join(dir, "crmgw.db")
	s := newFaultSite(t, openSQLiteAt(t, path))
	locked := []string{path, path + "-wal", dir}
	t.Cleanup(func() { _ = chattr("-i", locked...) }) // before TempDir removes them: cleanups run last first
	s.outage(t, func() {
		if err := chattr("+i", locked...); err != nil {
			t.Fatal(err)
		}
	}, func() {
		if err := chattr("-i", locked...); err != nil {
			t.Fatal(err)
		}
	}, faultExpect{reads: faultEither, readyz: faultUnavailable})
}

// openSQLiteAt opens and migrates a SQLite database at path, closed when t ends.
func openSQLiteAt(t *testing.T, path string) *gorm.DB {
	t.Helper()
	db, err := core.OpenDB(core.DriverSQLite, path, &movableClock{t: now})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if sqlDB, err := db.DB(); err == nil {
			_ = sqlDB.Close()
		}
	})
	if err := core.Migrate(db); err != nil {
		t.Fatal(err)
	}
	return db
}

// immutableUnsupported says why files in dir cannot be made immutable, or "" when they can.
func immutableUnsupported(dir string) string {
	if _, err := exec.LookPath("chattr"); err != nil {
		return "chattr is not installed"
	}
	sample := filepath.Join(dir, "sample")
	if err := os.WriteFile(sample, []byte("x"), 0o644); err != nil {
		return err.Error()
	}
	defer os.Remove(sample)
	f, err := os.OpenFile(sample, os.O_WRONLY, 0)
	if err != nil {
		return err.Error()
	}
	defer f.Close()
	if err := chattr("+i", sample); err != nil {
		return err.Error() // not permitted, or a file system without the attribute
	}
	defer func() { _ = chattr("-i", sample) }()
	if _, err := f.WriteAt([]byte("y"), 0); err == nil {
		return "the immutable attribute does not stop writes to an open file"
	}
	return ""
}

func chattr(flag string, paths ...string) error {
	out, err := exec.Command("chattr", append([]string{flag}, paths...)...).CombinedOutput()
	if err != nil {
		return fmt.Errorf("chattr %s: %v: %s", flag, err, bytes.TrimSpace(out))
	}
	return nil
}

// freshMySQL creates a database of its own on the server of adminDSN, migrates
// it, and opens it through dsn (the same server, or a proxy in front of it).
func freshMySQL(t *testing.T, adminDSN, dsn string) *gorm.DB {
	t.Helper()
	clock := &movableClock{t: now}
	admin, err := core.OpenDB(core.DriverMySQL, adminDSN, clock)
	if err != nil {
		t.Fatal(err)
	}
	suffix := make([]byte, 6)
	_, _ = rand.Read(suffix)
	name := "crmgw_fault_" + hex.EncodeToString(suffix)
	if err := admin.Exec("CREATE DATABASE " + name + " CHARACTER SET utf8mb4 COLLATE utf8mb4_bin").Error; err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_ = admin.Exec("DROP DATABASE " + name).Error // the private server may be gone already
		if sqlDB, err := admin.DB(); err == nil {
			_ = sqlDB.Close()
		}
	})
	cfg, err := mysql.ParseDSN(dsn)
	if err != nil {
		t.Fatal(err)
	}
	cfg.DBName = name
	db, err := core.OpenDB(core.DriverMySQL, cfg.FormatDSN(), clock)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if sqlDB, err := db.DB(); err == nil {
			_ = sqlDB.Close()
		}
	})
	if err := core.Migrate(db); err != nil {
		t.Fatal(err)
	}
	return db
}

// faultToken is the one token of the site's user; every dialect takes it.
const faultToken = "fault-drill-5c1e9a"

// faultSite is a server with short timeouts over one database, and a tenant with
// a user, its token and a customer, seeded while the database was still there.
type faultSite struct {
	url        string
	db         *gorm.DB
	client     *http.Client
	logs       *logBuffer
	tenantID   uint64
	userID     uint64
	customerID uint64
	round      int
}

func newFaultSite(t *testing.T, db *gorm.DB) *faultSite {
	t.Helper()
	cfg, err := config.Load(nil)
	if err != nil {
		t.Fatal(err)
	}
	cfg.Limits.RequestTimeout = faultRequestTimeout
	cfg.Log.Format = "json" // the drills read the log back
	if err := cfg.Validate(); err != nil {
		t.Fatal(err)
	}
	logs := &logBuffer{}
	a := app.New(cfg, db, app.Seams{Clock: &movableClock{t: now}, Logs: logs})
	svc := a.Service
	srv := httptest.NewServer(a.Gateway.Handler())
	t.Cleanup(srv.Close)

	ctx := context.Background()
	tenant, err := svc.EnsureTenant(ctx, "faults")
	if err != nil {
		t.Fatal(err)
	}
	dept, err := svc.EnsureDepartment(ctx, tenant.ID, "销售部")
	if err != nil {
		t.Fatal(err)
	}
	user, err := svc.EnsureUser(ctx, tenant.ID, "ann", dept.ID)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := svc.RegisterToken(ctx, tenant.ID, user.ID, faultToken); err != nil {
		t.Fatal(err)
	}
	caller, err := svc.Authenticate(ctx, faultToken)
	if err != nil {
		t.Fatal(err)
	}
	customer, err := svc.CreateCustomer(ctx, caller, core.NewCustomer{Name: "演练客户", Tel: "0571-88001234"})
	if err != nil {
		t.Fatal(err)
	}
	return &faultSite{url: srv.URL, db: db, client: &http.Client{Timeout: 60 * time.Second}, logs: logs,
		tenantID: tenant.ID, userID: user.ID, customerID: customer.ID}
}

// faultProbe is one request, and the two answers it may get: success, or its dialect's internal error.
type faultProbe struct {
	name                 string
	write                bool
	method, path         string
	header               []string // name, value, …
	body                 string
	ok                   string // a successful answer starts with this
	unavailable          string // the whole answer while the database is away
	retryAfter           bool   // the unavailable answer says when to retry
	contracts, customers int    // rows a successful answer adds
	lines                int
}

const faultQCYBase = "/WebApi/Handler/1.0/CRM/"

// probes are one read and one write in each dialect (yunzmall serves only a
// read). round makes each round's writes distinct: a new target amount, a new
// customer, a new contract.
func (s *faultSite) probes(round int) []faultProbe {
	form := []string{"Content-Type", "application/x-www-form-urlencoded"}
	ikAuth := []string{"Authorization", `Token token="` + faultToken + `",device="open_api"`}
	qcyInternal := func(handler string) string {
		return `{"request":"` + faultQCYBase + handler + `.ashx","error_code":"10001","error":"系统错误"}`
	}
	const (
		oaInternal       = `{"statuscode":"10500","statusmsg":"操作异常","data":{},"usermsg":"操作异常"}`
		ikInternal       = `{"code":100500,"message":"服务器内部错误","error":"internal_error"}`
		yunzmallInternal = `{"result":0,"msg":"服务器内部错误","data":[]}`
	)
	ps := []faultProbe{
		{name: "oa read", method: http.MethodGet, path: "/oa/crm/home?access_token=" + faultToken,
			ok: `{"statuscode":"0000",`, unavailable: oaInternal},
		{name: "oa write", write: true, method: http.MethodPost, path: "/oa/crm/monthplan?access_token=" + faultToken, header: form,
			body: url.Values{"yearmonth": {"2015-10"}, "targetamount": {s.target(round)}}.Encode(),
			ok:   `{"statuscode":"0000",`, unavailable: oaInternal},
		{name: "qcy read", method: http.MethodGet, path: faultQCYBase + "Customer/Get.ashx?" + url.Values{"token": {faultToken}, "id": {fmt.Sprint(s.customerID)}}.Encode(),
			ok: `{"value":{`, unavailable: qcyInternal("Customer/Get")},
		{name: "qcy write", write: true, method: http.MethodPost, path: faultQCYBase + "Customer/Save.ashx", header: form,
			body: url.Values{"token": {faultToken}, "json": {fmt.Sprintf(`{"PK_ID":0,"CustName":"第%d轮的客户","Tel":"13800000000"}`, round)}}.Encode(),
			ok:   `{"value":true`, unavailable: qcyInternal("Customer/Save"), customers: 1},
		{name: "ikcrm read", method: http.MethodGet, path: "/api/v2/contracts", header: ikAuth,
			ok: `{"code":0,`, unavailable: ikInternal},
		{name: "ikcrm write", write: true, method: http.MethodPost, path: "/api/v2/contracts",
			header: append([]string{"Content-Type", "application/json"}, ikAuth...),
			body: fmt.Sprintf(`{"contract":{"title":"第%d轮的合同","customer_id":%d,"user_id":%d,"total_amount":"300","sign_date":"2015-10-10","start_at":"2015-10-10","end_at":"2016-10-09",
"product_assets_attributes":[{"product_name":"甲","product_id":1,"quantity":"1","recommended_unit_price":"100","total_price":"100"},
{"product_name":"乙","product_id":2,"quantity":"2","recommended_unit_price":"100","total_price":"200"}]}}`, round, s.customerID, s.userID),
			ok: `{"code":0,`, unavailable: ikInternal, contracts: 1, lines: 2},
		{name: "yunzmall read", method: http.MethodPost, path: fmt.Sprintf("/business/%d/plugin/CustomerManage/getStatisticsList", s.tenantID),
			header: append([]string{"Authorization", "Bearer " + faultToken}, form...), body: "page=1",
			ok: `{"result":1,`, unavailable: yunzmallInternal},
	}
	for i := range ps {
		ps[i].retryAfter = true
	}
	return ps
}

func (s *faultSite) target(round int) string { return fmt.Sprint(100000 + round) }

// faultReadyz is /readyz as a probe: it answers no Retry-After.
var faultReadyz = faultProbe{name: "readyz", method: http.MethodGet, path: "/readyz",
	ok: `{"status":"ready"}`, unavailable: `{"status":"database unreachable"}`}

// faultAnswer is what a probe got.
type faultAnswer struct {
	status  int
	header  http.Header
	body    string
	elapsed time.Duration
	err     error
}

func (s *faultSite) send(p faultProbe) faultAnswer {
	req, err := http.NewRequest(p.method, s.url+p.path, strings.NewReader(p.body))
	if err != nil {
		return faultAnswer{err: err}
	}
	for i := 0; i+1 < len(p.header); i += 2 {
		req.Header.Set(p.header[i], p.header[i+1])
	}
	begin := time.Now()
	res, err := s.client.Do(req)
	if err != nil {
		return faultAnswer{err: err, elapsed: time.Since(begin)}
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	return faultAnswer{status: res.StatusCode, header: res.Header, body: strings.TrimSuffix(string(b), "\n"), elapsed: time.Since(begin), err: err}
}

// sendAll sends the probes at once, as clients would, and returns their answers in order.
func (s *faultSite) sendAll(ps []faultProbe) []faultAnswer {
	answers := make([]faultAnswer, len(ps))
	var wg sync.WaitGroup
	for i, p := range ps {
		wg.Add(1)
		go func() {
			defer wg.Done()
			answers[i] = s.send(p)
		}()
	}
	wg.Wait()
	return answers
}

// expectServed reports a probe that did not succeed.
func expectServed(t *testing.T, when string, p faultProbe, a faultAnswer) {
	t.Helper()
	if a.err != nil || a.status != http.StatusOK || !strings.HasPrefix(a.body, p.ok) {
		t.Errorf("%s, %s: want HTTP 200 %s…, got HTTP %d %s (%v, after %s)", when, p.name, p.ok, a.status, a.body, a.err, a.elapsed.Round(time.Millisecond))
	}
}

// expectInFault reports a probe that did not fare as it must during a fault.
func expectInFault(t *testing.T, when string, p faultProbe, a faultAnswer, o faultOutcome) {
	t.Helper()
	switch {
	case o == faultServed:
		expectServed(t, when, p, a)
	case o == faultUnavailable || a.err != nil || a.status != http.StatusOK:
		expectUnavailable503(t, when, p, a)
	default:
		expectServed(t, when, p, a)
	}
}

// expectUnavailable503 reports a probe that did not answer its dialect's internal error with 503, quickly.
func expectUnavailable503(t *testing.T, when string, p faultProbe, a faultAnswer) {
	t.Helper()
	switch {
	case a.err != nil:
		t.Errorf("%s, %s: %v after %s", when, p.name, a.err, a.elapsed.Round(time.Millisecond))
		return
	case a.status != http.StatusServiceUnavailable || a.body != p.unavailable:
		t.Errorf("%s, %s:\n got HTTP %d %s\nwant HTTP 503 %s", when, p.name, a.status, a.body, p.unavailable)
	case p.retryAfter && !positiveSeconds(a.header.Get("Retry-After")):
		t.Errorf("%s, %s: HTTP 503 with Retry-After %q, want a number of seconds", when, p.name, a.header.Get("Retry-After"))
	}
	if a.elapsed > faultAnswerWithin {
		t.Errorf("%s, %s: answered after %s, want within %s", when, p.name, a.elapsed.Round(time.Millisecond), faultAnswerWithin)
	}
}

func positiveSeconds(v string) bool {
	n, err := strconv.Atoi(v)
	return err == nil && n > 0
}

// faultCounts is what the probes' writes change.
type faultCounts struct {
	customers, contracts, lines int64
	target                      string // the user's target for 2015-10, in cents; "" for none
}

func (s *faultSite) counts(t *testing.T) faultCounts {
	t.Helper()
	var c faultCounts
	for _, n := range []struct {
		model any
		into  *int64
	}{{&core.Customer{}, &c.customers}, {&core.Contract{}, &c.contracts}, {&core.ContractLine{}, &c.lines}} {
		if err := s.db.Model(n.model).Where("tenant_id = ?", s.tenantID).Count(n.into).Error; err != nil {
			t.Fatalf("counting rows: %v", err)
		}
	}
	var targets []core.MonthlyTarget
	if err := s.db.Where("tenant_id = ? AND user_id = ? AND month = ?", s.tenantID, s.userID, "2015-10").Find(&targets).Error; err != nil {
		t.Fatalf("reading the target: %v", err)
	}
	if len(targets) == 1 {
		c.target = fmt.Sprint(targets[0].Amount.Cents())
	}
	return c
}

// outage runs one round: everything works; cut; every probe (the reads too when
// the fault stops them) answers its internal error with 503 within the time
// allowed, and /readyz is unready when the fault is one it can see; restore;
// /readyz comes back by itself, nothing of the failed writes was stored, and
// the same requests succeed and store exactly what they should.
func (s *faultSite) outage(t *testing.T, cut, restore func(), expect faultExpect) {
	s.round++
	ps := s.probes(s.round)
	first := append([]faultProbe{faultReadyz}, faultReads(ps)...)
	for i, a := range s.sendAll(first) {
		expectServed(t, "before the fault", first[i], a)
	}
	if t.Failed() {
		t.FailNow()
	}
	before := s.counts(t)

	cut()
	all := append([]faultProbe{faultReadyz}, ps...)
	begin := time.Now()
	answers := s.sendAll(all)
	t.Logf("fault: %d requests at once answered in %s", len(all), time.Since(begin).Round(time.Millisecond))
	for i, p := range all {
		switch {
		case p.name == faultReadyz.name:
			expectInFault(t, "during the fault", p, answers[i], expect.readyz)
		case p.write:
			expectInFault(t, "during the fault", p, answers[i], faultUnavailable)
		default:
			expectInFault(t, "during the fault", p, answers[i], expect.reads)
		}
	}
	// Each write again, alone, as a client retrying would: it may now get a
	// connection that was open before the fault.
	for _, p := range ps {
		if p.write {
			expectInFault(t, "during the fault, alone", p, s.send(p), faultUnavailable)
		}
	}

	restore()
	begin = time.Now()
	for {
		a := s.send(faultReadyz)
		if a.err == nil && a.status == http.StatusOK && a.body == faultReadyz.ok {
			break
		}
		if time.Since(begin) > faultRecoverWithin {
			t.Fatalf("after the fault: /readyz still HTTP %d %s (%v) after %s", a.status, a.body, a.err, faultRecoverWithin)
		}
		time.Sleep(100 * time.Millisecond)
	}
	t.Logf("restored: ready again in %s", time.Since(begin).Round(time.Millisecond))

	if got := s.counts(t); got != before {
		t.Errorf("a failed write was stored, in part or whole: before the fault %+v, after it %+v", before, got)
	}
	want := before
	want.target = s.target(s.round) + "00"
	for _, p := range ps { // one by one, as after an outage clients come back one by one
		expectServed(t, "after the fault", p, s.send(p))
		want.customers += int64(p.customers)
		want.contracts += int64(p.contracts)
		want.lines += int64(p.lines)
	}
	if got := s.counts(t); got != want {
		t.Errorf("after the fault, the writes stored %+v, want %+v", got, want)
	}
	if t.Failed() {
		t.Logf("server log:\n%s", s.logs.String())
	}
}

func faultReads(ps []faultProbe) []faultProbe {
	var reads []faultProbe
	for _, p := range ps {
		if !p.write {
			reads = append(reads, p)
		}
	}
	return reads
}

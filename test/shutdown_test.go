package test

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/go-sql-driver/mysql"
	"gorm.io/gorm"

	"crmgw/app"
	"crmgw/config"
	"crmgw/core"
	"crmgw/core/dbtest"
)

// Cancelling Serve's context (what SIGINT/SIGTERM do) stops it cleanly: it returns nil.
func TestServeStopsCleanlyWhenToldTo(t *testing.T) {
	dbtest.Run(t, core.FixedClock(now), func(t *testing.T, db *gorm.DB) {
		cfg, err := config.Load(nil)
		if err != nil {
			t.Fatal(err)
		}
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		ctx, cancel := context.WithCancel(context.Background())
		srv := app.New(cfg, db, app.Seams{Logs: io.Discard}).Gateway
		done := make(chan error, 1)
		go func() { done <- srv.Serve(ctx, ln, nil) }()
		res, err := http.Get("http://" + ln.Addr().String() + "/healthz")
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		cancel()
		select {
		case err := <-done:
			if err != nil {
				t.Fatalf("Serve returned %v, want nil", err)
			}
		case <-time.After(cfg.ShutdownGrace + 5*time.Second):
			t.Fatal("Serve did not stop")
		}
		if _, err := http.Get("http://" + ln.Addr().String() + "/healthz"); err == nil {
			t.Fatal("the server still answers after shutdown")
		}
	})
}

const (
	// shutdownGrace is the served process's shutdown_grace; it must exit within it.
	shutdownGrace = 5 * time.Second
	// shutdownExitMargin is what the process may take past the grace: closing the database, exiting.
	shutdownExitMargin = 2 * time.Second
	// shutdownClients write concurrently over a shared pool of keep-alive connections.
	shutdownClients = 24
	// shutdownAckedFirst is how many writes are acknowledged before SIGTERM is sent.
	shutdownAckedFirst = 60
	// shutdownMarker starts the title or name of every record the test writes.
	shutdownMarker = "shutdown-"
)

// TestGracefulShutdownUnderLoad runs `crmgw serve` as a process, writes through
// three dialects over many connections and sends SIGTERM in the middle of it.
// Requests that are in flight then (three of them held open on purpose, by
// sending their bodies only after the signal) get complete answers; new
// connections are refused while they finish; the process exits 0 within its
// grace period; and every write it acknowledged is in the database exactly
// once, with nothing written that was not acknowledged.
func TestGracefulShutdownUnderLoad(t *testing.T) {
	bin := buildCrmgw(t)
	for _, driver := range dbtest.Drivers() {
		t.Run(driver, func(t *testing.T) { shutdownUnderLoad(t, bin, driver) })
	}
}

func shutdownUnderLoad(t *testing.T, bin, driver string) {
	dsn := processDSN(t, driver)
	env := []string{"CRMGW_DB_DRIVER=" + driver, "CRMGW_DB_DSN=" + dsn}
	id := seedDemoProcess(t, bin, env)
	w := shutdownWriter{seededIdentity: id}
	w.customerID, w.contactID = demoContact(t, driver, dsn, id)

	p := startCrmgw(t, bin, append(env, "CRMGW_SHUTDOWN_GRACE="+shutdownGrace.String(), "CRMGW_LOG_FORMAT=json", "CRMGW_LOG_LEVEL=info"))
	w.base = "http://" + p.addr

	// Three writes held in flight: headers sent, the server reading the body.
	var held []*heldRequest
	for _, kind := range shutdownWriteKinds {
		held = append(held, holdRequest(t, p.addr, w.request(kind, w.marker(kind))))
	}

	// The load: each client writes until its connection fails, which it does
	// only once the server has stopped listening.
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: shutdownClients}, Timeout: 30 * time.Second}
	defer client.CloseIdleConnections()
	var acked atomic.Int64
	results := make([][]shutdownWrite, shutdownClients)
	var wg sync.WaitGroup
	for i := range shutdownClients {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for n := i; ; n++ {
				kind := shutdownWriteKinds[n%len(shutdownWriteKinds)]
				r := w.send(client, kind)
				results[i] = append(results[i], r)
				if r.acked {
					acked.Add(1)
				}
				if r.err != nil {
					return
				}
			}
		}()
	}
	for deadline := time.Now().Add(20 * time.Second); acked.Load() < shutdownAckedFirst; time.Sleep(5 * time.Millisecond) {
		if time.Now().After(deadline) || p.hasExited() {
			t.Fatalf("only %d writes acknowledged before the signal; log:\n%s", acked.Load(), p.log())
		}
	}

	signalled := time.Now()
	if err := p.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}

	// While the held requests keep it draining, the server takes no new connection.
	if err := refusedBefore(p.addr, signalled.Add(shutdownGrace)); err != nil {
		t.Fatalf("after SIGTERM: %v", err)
	}
	if p.hasExited() {
		t.Fatalf("the process exited with requests in flight: %v", p.err)
	}

	// The held requests finish and are answered in full.
	var heldResults []shutdownWrite
	for _, h := range held {
		heldResults = append(heldResults, h.finish(t))
	}

	select {
	case <-p.exited:
	case <-time.After(time.Until(signalled.Add(shutdownGrace + shutdownExitMargin))):
		t.Fatalf("the process did not exit within %s of SIGTERM; log:\n%s", shutdownGrace+shutdownExitMargin, p.log())
	}
	exitedAfter := time.Since(signalled)
	if p.err != nil {
		t.Fatalf("the process exited with %v; log:\n%s", p.err, p.log())
	}
	if _, err := net.Dial("tcp", p.addr); !errors.Is(err, syscall.ECONNREFUSED) {
		t.Errorf("a connection after the process exited: %v, want it refused", err)
	}
	wg.Wait()

	handled, messages, logErrors := readProcessLog(t, p.log())
	if !messages["shutting down"] {
		t.Errorf("the log does not say it was shutting down:\n%s", p.log())
	}
	for _, e := range logErrors {
		t.Errorf("the server logged an error: %s", e)
	}

	// Every request was answered in full, or failed to connect before the
	// server read it.
	all := heldResults
	for _, rs := range results {
		all = append(all, rs...)
	}
	var inFlight, refused, unanswered int
	for _, r := range all {
		switch {
		case r.err != nil:
			unanswered++
			if errors.Is(r.err, syscall.ECONNREFUSED) {
				refused++
			}
			if !connectionLost(r.err) {
				t.Errorf("%s: %v, which is no failure to connect", r.marker, r.err)
			}
			if handled[r.marker] {
				t.Errorf("%s: the server handled it, yet the client got no answer: %v", r.marker, r.err)
			}
			if r.end.Before(signalled) {
				t.Errorf("%s: failed before the server was told to stop: %v", r.marker, r.err)
			}
		case !r.acked:
			t.Errorf("%s: answered HTTP %d %q (%v), want the write acknowledged", r.marker, r.status, r.body, r.problem)
		case r.start.Before(signalled) && r.end.After(signalled):
			inFlight++
		}
	}
	t.Logf("%d requests: %d acknowledged, %d of them in flight at SIGTERM (%d held), %d without answer (%d refused); exit %s after SIGTERM",
		len(all), len(all)-unanswered, inFlight, len(held), unanswered, refused, exitedAfter.Round(time.Millisecond))

	checkShutdownWrites(t, driver, dsn, id.TenantID, all)
}

// shutdownWriteKinds are the writes the load makes, each through its dialect.
var shutdownWriteKinds = []string{"qcy_contact_history", "ikcrm_contract", "qcy_customer"}

// shutdownWriter makes the writes of one seeded tenant.
type shutdownWriter struct {
	seededIdentity
	base                  string
	customerID, contactID uint64
	n                     atomic.Int64
}

// marker is a title or name no other write carries; it is the request's X-Request-Id too.
func (w *shutdownWriter) marker(kind string) string {
	return fmt.Sprintf("%s%s-%05d", shutdownMarker, kind, w.n.Add(1))
}

// shutdownRequest is a write's request, to be sent by an http.Client or by hand.
type shutdownRequest struct {
	kind, marker, path string
	header             http.Header
	body               []byte
}

func (w *shutdownWriter) request(kind, marker string) shutdownRequest {
	r := shutdownRequest{kind: kind, marker: marker, header: http.Header{}}
	r.header.Set("X-Request-Id", marker)
	r.header.Set("Content-Type", "application/x-www-form-urlencoded")
	switch kind {
	case "qcy_contact_history":
		r.path = qcyBase + "ContactHistory/Add.ashx"
		r.body = []byte(url.Values{"token": {w.Token}, "customer_id": {fmt.Sprint(w.customerID)}, "type_id": {"1"}, "route_id": {"1"},
			"link_man_id": {fmt.Sprint(w.contactID)}, "title": {marker}, "content": {"停机测试"}}.Encode())
	case "qcy_customer":
		r.path = qcyBase + "Customer/Save.ashx"
		r.body = []byte(url.Values{"token": {w.Token}, "json": {`{"PK_ID":0,"CustName":"` + marker + `"}`}}.Encode())
	case "ikcrm_contract":
		r.path = "/api/v2/contracts"
		r.header.Set("Content-Type", "application/json")
		r.header.Set("Authorization", `Token token="`+w.Token+`",device="open_api"`)
		r.body = fmt.Appendf(nil, `{"contract":{"title":%q,"customer_id":%d,"start_at":"2024-01-01","end_at":"2024-12-31","total_amount":"100.00"}}`,
			marker, w.customerID)
	}
	return r
}

// shutdownWrite is what one write was told.
type shutdownWrite struct {
	kind, marker string
	start, end   time.Time
	err          error // no answer: the request failed before a response began
	status       int
	body         []byte
	problem      error // the answer was cut short or is not an acknowledgement
	acked        bool
	id           uint64 // the contract's id and sn, as the answer gave them
	sn           string
}

// send makes one write of kind over client.
func (w *shutdownWriter) send(client *http.Client, kind string) shutdownWrite {
	wr := w.request(kind, w.marker(kind))
	r := shutdownWrite{kind: kind, marker: wr.marker, start: time.Now()}
	req, err := http.NewRequest(http.MethodPost, w.base+wr.path, bytes.NewReader(wr.body))
	if err != nil {
		panic(err) // the URL and method are the test's own
	}
	req.Header = wr.header
	res, err := client.Do(req)
	if err != nil {
		r.err, r.end = err, time.Now()
		return r
	}
	r.readAnswer(res)
	res.Body.Close()
	r.end = time.Now()
	return r
}

// readAnswer reads a response to the end and tells whether it acknowledges the write.
func (r *shutdownWrite) readAnswer(res *http.Response) {
	r.status = res.StatusCode
	r.body, r.problem = io.ReadAll(res.Body)
	if r.problem != nil {
		r.problem = fmt.Errorf("the answer was cut short: %w", r.problem)
		return
	}
	if res.StatusCode != http.StatusOK {
		r.problem = errors.New("not HTTP 200")
		return
	}
	switch r.kind {
	case "qcy_contact_history", "qcy_customer":
		if string(r.body) != `{"value":true}`+"\n" {
			r.problem = errors.New(`not {"value":true}`)
			return
		}
	case "ikcrm_contract":
		var v struct {
			Code int `json:"code"`
			Data struct {
				ID    uint64 `json:"id"`
				SN    string `json:"sn"`
				Title string `json:"title"`
			} `json:"data"`
		}
		if err := json.Unmarshal(r.body, &v); err != nil {
			r.problem = fmt.Errorf("not whole JSON: %w", err)
			return
		}
		if v.Code != 0 || v.Data.ID == 0 || v.Data.SN == "" || v.Data.Title != r.marker {
			r.problem = errors.New("not the contract created")
			return
		}
		r.id, r.sn = v.Data.ID, v.Data.SN
	}
	r.acked = true
}

// connectionLost tells the errors of a request the server never read: the
// connection refused, reset or closed under it (an idle keep-alive connection
// the server closed as the request went out).
func connectionLost(err error) bool {
	return errors.Is(err, syscall.ECONNREFUSED) || errors.Is(err, syscall.ECONNRESET) || errors.Is(err, syscall.EPIPE) ||
		errors.Is(err, io.EOF) || strings.Contains(err.Error(), "server closed idle connection")
}

// heldRequest is a request whose body is sent only when finish is called.
type heldRequest struct {
	wire  shutdownRequest
	conn  net.Conn
	r     *bufio.Reader
	start time.Time
}

// holdRequest sends a request's headers with Expect: 100-continue and returns
// once the server, reading the body, has asked for it: from then on the
// request is in flight.
func holdRequest(t *testing.T, addr string, wr shutdownRequest) *heldRequest {
	t.Helper()
	conn, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	var head bytes.Buffer
	fmt.Fprintf(&head, "POST %s HTTP/1.1\r\nHost: %s\r\nContent-Length: %d\r\nExpect: 100-continue\r\n", wr.path, addr, len(wr.body))
	if err := wr.header.Write(&head); err != nil {
		t.Fatal(err)
	}
	head.WriteString("\r\n")
	h := &heldRequest{wire: wr, conn: conn, r: bufio.NewReader(conn), start: time.Now()}
	if _, err := conn.Write(head.Bytes()); err != nil {
		t.Fatal(err)
	}
	res, err := http.ReadResponse(h.r, nil)
	if err != nil {
		t.Fatalf("%s: %v", wr.marker, err)
	}
	if res.StatusCode != http.StatusContinue {
		b, _ := io.ReadAll(res.Body)
		t.Fatalf("%s: HTTP %d %s before the body was sent, want 100 Continue", wr.marker, res.StatusCode, b)
	}
	return h
}

// finish sends the body and reads the answer, whatever it is.
func (h *heldRequest) finish(t *testing.T) shutdownWrite {
	t.Helper()
	r := shutdownWrite{kind: h.wire.kind, marker: h.wire.marker, start: h.start}
	if _, err := h.conn.Write(h.wire.body); err != nil {
		t.Fatalf("%s: sending the body: %v", h.wire.marker, err)
	}
	res, err := http.ReadResponse(h.r, &http.Request{Method: http.MethodPost})
	if err != nil {
		t.Fatalf("%s: the server sent no answer: %v", h.wire.marker, err)
	}
	defer res.Body.Close()
	r.readAnswer(res)
	r.end = time.Now()
	return r
}

// refusedBefore dials addr until a connection is refused, or fails at deadline.
func refusedBefore(addr string, deadline time.Time) error {
	for {
		conn, err := net.Dial("tcp", addr)
		if errors.Is(err, syscall.ECONNREFUSED) {
			return nil
		}
		if err == nil {
			conn.Close()
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("new connections still accepted (last: %v)", err)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// checkShutdownWrites opens the database the process served and checks that every
// acknowledged write is there exactly once, and nothing else the test wrote.
func checkShutdownWrites(t *testing.T, driver, dsn string, tenantID uint64, all []shutdownWrite) {
	t.Helper()
	db, err := core.OpenDB(driver, dsn, core.SystemClock{})
	if err != nil {
		t.Fatal(err)
	}
	defer closeGormDB(db)
	type row struct {
		ID     uint64
		Marker string
		SN     string
	}
	stored := map[string][]row{}
	load := func(kind string, model any, column, extra string) {
		var rows []row
		err := db.Model(model).Select("id, "+column+" AS marker"+extra).
			Where("tenant_id = ? AND "+column+" LIKE ?", tenantID, shutdownMarker+"%").Scan(&rows).Error
		if err != nil {
			t.Fatal(err)
		}
		stored[kind] = rows
	}
	load("qcy_contact_history", &core.ContactHistory{}, "title", "")
	load("qcy_customer", &core.Customer{}, "name", "")
	load("ikcrm_contract", &core.Contract{}, "title", ", sn")

	acked := map[string]shutdownWrite{}
	for _, r := range all {
		if r.acked {
			acked[r.marker] = r
		}
	}
	seen := map[string]int{}
	for kind, rows := range stored {
		for _, s := range rows {
			seen[s.Marker]++
			r, ok := acked[s.Marker]
			switch {
			case !ok:
				t.Errorf("%s %d %q is stored, but its write was never acknowledged", kind, s.ID, s.Marker)
			case r.kind != kind:
				t.Errorf("%q is stored as a %s, but was written as a %s", s.Marker, kind, r.kind)
			case kind == "ikcrm_contract" && (s.ID != r.id || s.SN != r.sn):
				t.Errorf("contract %q is stored as id %d sn %s, but the answer said id %d sn %s", s.Marker, s.ID, s.SN, r.id, r.sn)
			}
		}
	}
	for m, r := range acked {
		if seen[m] != 1 {
			t.Errorf("acknowledged %s %q is stored %d times, want once", r.kind, m, seen[m])
		}
	}
}

func closeGormDB(db *gorm.DB) {
	if sqlDB, err := db.DB(); err == nil {
		_ = sqlDB.Close()
	}
}

// buildCrmgw builds the crmgw command into a temporary folder.
func buildCrmgw(t *testing.T) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "crmgw")
	if out, err := exec.Command("go", "build", "-o", bin, "crmgw").CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	return bin
}

// processDSN is a fresh database for a crmgw process: a file, or a MySQL
// database of the test's own, dropped at its end.
func processDSN(t *testing.T, driver string) string {
	t.Helper()
	if driver == core.DriverSQLite {
		return filepath.Join(t.TempDir(), "crmgw.db")
	}
	var name string
	if err := dbtest.Open(t, driver, core.SystemClock{}).Raw("SELECT DATABASE()").Scan(&name).Error; err != nil {
		t.Fatal(err)
	}
	cfg, err := mysql.ParseDSN(os.Getenv(dbtest.MySQLEnv))
	if err != nil {
		t.Fatal(err)
	}
	cfg.DBName = name
	return cfg.FormatDSN()
}

// seededIdentity is what `crmgw seed demo --json` prints.
type seededIdentity struct {
	Token    string `json:"token"`
	TenantID uint64 `json:"tenant_id"`
	UserID   uint64 `json:"user_id"`
}

func seedDemoProcess(t *testing.T, bin string, env []string) seededIdentity {
	t.Helper()
	cmd := exec.Command(bin, "seed", "demo", "--json")
	cmd.Env = append(os.Environ(), env...)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("seed demo: %v\n%s", err, stderr.Bytes())
	}
	var id seededIdentity
	if err := json.Unmarshal(out, &id); err != nil || id.Token == "" {
		t.Fatalf("seed demo printed %q: %v", out, err)
	}
	return id
}

// demoContact is a customer of the seeded user with one of its contacts.
func demoContact(t *testing.T, driver, dsn string, id seededIdentity) (customerID, contactID uint64) {
	t.Helper()
	db, err := core.OpenDB(driver, dsn, core.SystemClock{})
	if err != nil {
		t.Fatal(err)
	}
	defer closeGormDB(db)
	err = db.Raw(`SELECT c.id, k.id FROM customers c JOIN contacts k ON k.customer_id = c.id AND k.tenant_id = c.tenant_id
		WHERE c.tenant_id = ? AND c.owner_id = ? ORDER BY c.id, k.id LIMIT 1`, id.TenantID, id.UserID).Row().Scan(&customerID, &contactID)
	if err != nil {
		t.Fatalf("the demo's customer and contact: %v", err)
	}
	return customerID, contactID
}

// crmgwProcess is `crmgw serve` running as a process of its own.
type crmgwProcess struct {
	cmd    *exec.Cmd
	addr   string
	stderr bytes.Buffer  // read only once exited is closed
	exited chan struct{} // closed when the process has exited
	err    error         // how it exited, once exited is closed
}

// startCrmgw starts `crmgw serve` on a free port and waits until it is ready.
func startCrmgw(t *testing.T, bin string, env []string) *crmgwProcess {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	p := &crmgwProcess{addr: ln.Addr().String(), exited: make(chan struct{})}
	ln.Close()
	p.cmd = exec.Command(bin, "serve", "--admin-listen", "") // no admin listener: processes in parallel would share its port
	p.cmd.Env = append(os.Environ(), append(env, "CRMGW_LISTEN="+p.addr)...)
	p.cmd.Stderr = &p.stderr
	if err := p.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() { p.err = p.cmd.Wait(); close(p.exited) }()
	t.Cleanup(func() {
		if !p.hasExited() {
			_ = p.cmd.Process.Kill()
			<-p.exited
		}
	})
	for deadline := time.Now().Add(20 * time.Second); ; time.Sleep(20 * time.Millisecond) {
		if res, err := http.Get("http://" + p.addr + "/readyz"); err == nil {
			res.Body.Close()
			if res.StatusCode == http.StatusOK {
				return p
			}
		}
		if p.hasExited() {
			t.Fatalf("crmgw serve exited at start: %v\n%s", p.err, p.log())
		}
		if time.Now().After(deadline) {
			t.Fatal("crmgw serve did not become ready")
		}
	}
}

func (p *crmgwProcess) hasExited() bool {
	select {
	case <-p.exited:
		return true
	default:
		return false
	}
}

// log is what the process wrote to its standard error, once it has exited.
func (p *crmgwProcess) log() string {
	if !p.hasExited() {
		return "(the process is still running)"
	}
	return p.stderr.String()
}

// readProcessLog reads a JSON log: the request ids it handled, the messages it
// logged, and its entries at level ERROR.
func readProcessLog(t *testing.T, log string) (requests, messages map[string]bool, errorEntries []string) {
	t.Helper()
	requests, messages = map[string]bool{}, map[string]bool{}
	for _, line := range strings.Split(strings.TrimSpace(log), "\n") {
		var entry struct {
			Level     string `json:"level"`
			Msg       string `json:"msg"`
			RequestID string `json:"request_id"`
		}
		if err := json.Unmarshal([]byte(line), &entry); err != nil {
			t.Errorf("the log holds a line that is not JSON: %s", line)
			continue
		}
		messages[entry.Msg] = true
		if entry.Msg == "request" {
			requests[entry.RequestID] = true
		}
		if entry.Level == "ERROR" {
			errorEntries = append(errorEntries, line)
		}
	}
	return requests, messages, errorEntries
}

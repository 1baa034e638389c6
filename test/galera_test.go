package test

import (
	"bufio"
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/go-sql-driver/mysql"

	"crmgw/app"
	"crmgw/config"
	"crmgw/core"
)

// galeraProvider is where Debian's galera-4 puts the replication library.
const galeraProvider = "/usr/lib/galera/libgalera_smm.so"

// galeraEnv set to 1 (as .ci/run sets it) makes the Galera test fail, not
// skip, where what it needs is missing.
const galeraEnv = "CRMGW_TEST_GALERA"

// needGalera skips the test for want of what it needs, or fails it under galeraEnv=1.
func needGalera(t *testing.T, missing string) {
	t.Helper()
	if os.Getenv(galeraEnv) == "1" {
		t.Fatalf("%s=1, but %s", galeraEnv, missing)
	}
	t.Skip(missing)
}

// A galeraNode is a private MariaDB server replicating as one node of a
// cluster, with the ports of its own that Galera needs beside the server's:
// group communication, incremental state transfer (IST) and whole state
// transfer (SST, by rsync).
type galeraNode struct {
	*privateMariaDB
	name                    string
	group, istPort, sstPort int
}

// startGalera starts a cluster of n nodes on loopback, each with its own data
// directory and ports: the first founds the cluster, the others join it one
// after another, each synced before the next. It skips the test where
// MariaDB, galera-4 or rsync (the state transfer) is not installed.
func startGalera(t *testing.T, n int) []*galeraNode {
	t.Helper()
	if _, err := os.Stat(galeraProvider); err != nil {
		needGalera(t, "galera-4 is not installed: no Galera cluster to run")
	}
	if _, err := exec.LookPath("rsync"); err != nil {
		needGalera(t, "rsync is not installed: Galera's nodes could not transfer their state")
	}
	if server, install := lookMariaDB(); server == "" || install == "" {
		needGalera(t, "mariadbd and mariadb-install-db are not installed: no servers to make nodes of")
	}
	nodes := make([]*galeraNode, n)
	var peers []string
	for i := range nodes {
		var m *privateMariaDB
		if i == 0 {
			m = newPrivateMariaDB(t) // the founder's data directory
		} else {
			m = newJoiner(t, nodes[0].server)
		}
		nodes[i] = &galeraNode{privateMariaDB: m, name: fmt.Sprintf("node%d", i+1),
			group: freePort(t), istPort: freePort(t), sstPort: freePort(t)}
		peers = append(peers, "127.0.0.1:"+strconv.Itoa(nodes[i].group))
	}
	t.Cleanup(func() {
		if t.Failed() { // a node's failure is often its donor's
			for _, n := range nodes {
				t.Logf("%s: %s", n.name, n.errorLog())
			}
		}
	})
	for i, node := range nodes {
		node.extra = node.wsrepArgs(strings.Join(peers, ","))
		if i == 0 {
			node.extra = append(node.extra, "--wsrep-new-cluster")
		}
		node.start(t)
		node.waitSynced(t)
		node.extra = node.wsrepArgs(strings.Join(peers, ",")) // a restart joins the cluster
	}
	return nodes
}

// newJoiner is a private MariaDB server whose data directory is empty: a node
// that joins receives the whole of it from a donor by rsync's daemon, which,
// started by root, runs as nobody; so there the directory is nobody's and
// those above it let anyone through.
func newJoiner(t *testing.T, server string) *privateMariaDB {
	t.Helper()
	m := &privateMariaDB{server: server, dir: t.TempDir(), port: freePort(t)}
	t.Cleanup(m.kill)
	if err := os.Mkdir(m.datadir(), 0o700); err != nil {
		t.Fatal(err)
	}
	if os.Geteuid() != 0 {
		return m
	}
	nobody, err := user.Lookup("nobody")
	if err != nil {
		t.Fatal(err)
	}
	uid, _ := strconv.Atoi(nobody.Uid)
	gid, _ := strconv.Atoi(nobody.Gid)
	if err := os.Chown(m.datadir(), uid, gid); err != nil {
		t.Fatal(err)
	}
	for _, dir := range []string{m.dir, filepath.Dir(m.dir)} {
		if err := os.Chmod(dir, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	return m
}

// wsrepArgs are the options that make the server a node of the cluster of peers.
func (n *galeraNode) wsrepArgs(peers string) []string {
	return []string{
		"--wsrep-on=ON", "--wsrep-provider=" + galeraProvider,
		"--wsrep-cluster-name=crmgw-test", "--wsrep-cluster-address=gcomm://" + peers,
		"--wsrep-node-name=" + n.name, "--wsrep-node-address=127.0.0.1:" + strconv.Itoa(n.group),
		// A node cut off is suspected after 3 s without a word (5 s by default).
		fmt.Sprintf("--wsrep-provider-options=gmcast.listen_addr=tcp://127.0.0.1:%d;ist.recv_addr=127.0.0.1:%d;gcache.size=64M;"+
			"evs.suspect_timeout=PT3S;evs.inactive_timeout=PT6S", n.group, n.istPort),
		"--wsrep-sst-method=rsync", "--wsrep-sst-receive-address=127.0.0.1:" + strconv.Itoa(n.sstPort),
		// What Galera requires of the server.
		"--binlog-format=ROW", "--default-storage-engine=InnoDB", "--innodb-autoinc-lock-mode=2",
	}
}

// waitSynced waits until the node is in step with the cluster's primary component.
func (n *galeraNode) waitSynced(t *testing.T) {
	t.Helper()
	db, err := sql.Open("mysql", n.dsn())
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	deadline := time.Now().Add(60 * time.Second)
	for {
		var name, state string
		err := db.QueryRow("SHOW GLOBAL STATUS LIKE 'wsrep_local_state_comment'").Scan(&name, &state)
		if err == nil && state == "Synced" {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s not synced after 60 s (state %q, %v)\n%s", n.name, state, err, n.errorLog())
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// status reads one of the node's wsrep status counters.
func (n *galeraNode) status(t *testing.T, name string) int64 {
	t.Helper()
	db, err := sql.Open("mysql", n.dsn())
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var v int64
	if err := db.QueryRow("SHOW GLOBAL STATUS LIKE '"+name+"'").Scan(&name, &v); err != nil { // SHOW takes no placeholder
		t.Fatalf("%s: %s: %v", n.name, name, err)
	}
	return v
}

// conflicts adds up, over the cluster, the transactions that lost their
// certification and the local ones aborted by a replicated write.
func conflicts(t *testing.T, nodes []*galeraNode) int64 {
	var sum int64
	for _, n := range nodes {
		sum += n.status(t, "wsrep_local_cert_failures") + n.status(t, "wsrep_local_bf_aborts")
	}
	return sum
}

// galeraDSN is crmgw's DSN on the node's database name, its reads waiting
// for the writes the cluster has committed (wsrep_sync_wait=1), as
// docs/operations.md tells an operator to set behind a balancer.
func (n *galeraNode) galeraDSN(t *testing.T, database string) string {
	cfg, err := mysql.ParseDSN(n.dsn())
	if err != nil {
		t.Fatal(err)
	}
	cfg.DBName = database
	cfg.Params = map[string]string{"wsrep_sync_wait": "1"}
	return cfg.FormatDSN()
}

// galeraGateways are one gateway per node, each an app of its own (its own
// pools, caches and limits, as a process of its own has) on the database
// name of its node, all on the suites' clock.
type galeraGateways struct {
	apps    []*app.App
	servers []*httptest.Server
	logs    []*logBuffer
}

// startGateways creates database on the cluster and starts a gateway on each node.
func startGateways(t *testing.T, nodes []*galeraNode, clock core.Clock, database string) *galeraGateways {
	t.Helper()
	admin, err := sql.Open("mysql", nodes[0].dsn())
	if err != nil {
		t.Fatal(err)
	}
	defer admin.Close()
	if _, err := admin.Exec("CREATE DATABASE " + database + " CHARACTER SET utf8mb4 COLLATE utf8mb4_bin"); err != nil {
		t.Fatal(err)
	}
	g := &galeraGateways{}
	for i, n := range nodes {
		db, err := core.OpenDB(core.DriverMySQL, n.galeraDSN(t, database), clock)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { closeGormDB(db) })
		if i == 0 { // schema changes replicate to every node
			if err := core.Migrate(db); err != nil {
				t.Fatal(err)
			}
		}
		cfg, err := config.Load(nil)
		if err != nil {
			t.Fatal(err)
		}
		cfg.Log.Format = "json"
		logs := &logBuffer{}
		a := app.New(cfg, db, app.Seams{Clock: clock, Logs: logs})
		srv := httptest.NewServer(a.Gateway.Handler())
		t.Cleanup(srv.Close)
		g.apps, g.servers, g.logs = append(g.apps, a), append(g.servers, srv), append(g.logs, logs)
	}
	return g
}

func (g *galeraGateways) close() {
	for _, s := range g.servers {
		s.Close()
	}
}

// haproxy is Debian's haproxy balancing HTTP over the gateways, taking a
// gateway out when its /readyz fails twice (checked every 200 ms) and back
// when it answers twice.
type haproxy struct {
	url    string
	socket string // the stats socket, which tells each server's state
}

func startHAProxy(t *testing.T, backends []*httptest.Server) *haproxy {
	t.Helper()
	bin, err := exec.LookPath("haproxy")
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	h := &haproxy{socket: filepath.Join(dir, "stats.sock")}
	port := freePort(t)
	h.url = "http://127.0.0.1:" + strconv.Itoa(port)
	var conf strings.Builder
	fmt.Fprintf(&conf, `global
  maxconn 2000
  stats socket %s mode 600 level admin
defaults
  mode http
  timeout connect 2s
  timeout client 60s
  timeout server 60s
  timeout check 2s
frontend crmgw
  bind 127.0.0.1:%d
  default_backend gateways
backend gateways
  balance roundrobin
  option httpchk
  http-check send meth GET uri /readyz
  http-check expect status 200
  default-server inter 200ms fall 2 rise 2
`, h.socket, port)
	for i, s := range backends {
		fmt.Fprintf(&conf, "  server gw%d %s check\n", i+1, strings.TrimPrefix(s.URL, "http://"))
	}
	cfgFile := filepath.Join(dir, "haproxy.cfg")
	if err := os.WriteFile(cfgFile, []byte(conf.String()), 0o600); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(bin, "-db", "-f", cfgFile)
	out := &logBuffer{}
	cmd.Stdout, cmd.Stderr = out, out
	dieWithTest(cmd)
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
		if t.Failed() {
			t.Logf("haproxy said:\n%s", out)
		}
	})
	for i := range backends {
		h.waitState(t, fmt.Sprintf("gw%d", i+1), "UP", 10*time.Second)
	}
	return h
}

// state is what haproxy's stats tell of a server of the backend: UP, DOWN, …
func (h *haproxy) state(server string) (string, error) {
	conn, err := net.DialTimeout("unix", h.socket, time.Second)
	if err != nil {
		return "", err
	}
	defer conn.Close()
	if _, err := conn.Write([]byte("show stat\n")); err != nil {
		return "", err
	}
	sc := bufio.NewScanner(conn)
	col := -1
	for sc.Scan() {
		fields := strings.Split(sc.Text(), ",")
		if strings.HasPrefix(sc.Text(), "# ") {
			for i, f := range fields {
				if f == "status" {
					col = i
				}
			}
			continue
		}
		if col >= 0 && len(fields) > col && fields[0] == "gateways" && fields[1] == server {
			return strings.Fields(fields[col])[0], nil // "UP", or "UP 1/2" while it changes
		}
	}
	return "", fmt.Errorf("haproxy: no server %s in its stats (%v)", server, sc.Err())
}

// waitState waits until haproxy holds server in state.
func (h *haproxy) waitState(t *testing.T, server, state string, within time.Duration) {
	t.Helper()
	deadline := time.Now().Add(within)
	for {
		got, err := h.state(server)
		if err == nil && got == state {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("haproxy: %s not %s after %v (%q, %v)", server, state, within, got, err)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// TestGaleraCluster runs three gateways, each on a node of its own of a
// three-node MariaDB Galera cluster (multi-primary, synchronously replicated),
// behind haproxy: the concurrency suite passes through the balancer, every
// lost certification retried and none answered as an error; and a node
// stopped in the middle of a load of writes costs no acknowledged write, its
// gateway taken out of the balancer by the health checks and put back once
// the node has rejoined.
func TestGaleraCluster(t *testing.T) {
	if testing.Short() {
		t.Skip("a three-node cluster: not in -short")
	}
	if _, err := exec.LookPath("haproxy"); err != nil {
		needGalera(t, "haproxy is not installed: no balancer over the gateways")
	}
	nodes := startGalera(t, 3)
	clock := &movableClock{t: now}

	t.Run("storm", func(t *testing.T) {
		g := startGateways(t, nodes, clock, "crmgw_storm")
		lb := startHAProxy(t, g.servers)
		e := &env{t: t, db: g.apps[0].DB, svc: g.apps[0].Service, clock: clock}
		// Galera replicates a row by its primary key: a table without one, or
		// not InnoDB, would replicate unreliably or not at all.
		var unfit []string
		e.must(e.db.Raw(`SELECT t.TABLE_NAME FROM information_schema.TABLES t
  WHERE t.TABLE_SCHEMA = DATABASE() AND (t.ENGINE <> 'InnoDB' OR NOT EXISTS (SELECT 1 FROM information_schema.TABLE_CONSTRAINTS c
    WHERE c.TABLE_SCHEMA = t.TABLE_SCHEMA AND c.TABLE_NAME = t.TABLE_NAME AND c.CONSTRAINT_TYPE = 'PRIMARY KEY'))`).Scan(&unfit).Error)
		if len(unfit) > 0 {
			t.Errorf("tables without a primary key or not InnoDB: %v", unfit)
		}
		tenants := seedStorm(e)
		before := conflicts(t, nodes)
		stormAndCheck(e, tenants, lb.url, g.close, g.logs...)
		met := conflicts(t, nodes) - before
		if met == 0 {
			t.Errorf("the storm met no certification conflict: it proved nothing of their retries")
		}
		t.Logf("certification conflicts and aborts across the cluster during the storm, every one retried: %d", met)
	})

	t.Run("unique names across nodes", func(t *testing.T) {
		g := startGateways(t, nodes, clock, "crmgw_names")
		testUniqueNamesAcrossNodes(t, g)
	})

	t.Run("node cut off", func(t *testing.T) {
		g := startGateways(t, nodes, clock, "crmgw_partition")
		lb := startHAProxy(t, g.servers)
		testNodeCutOff(t, nodes, g, lb)
	})

	t.Run("node stopped mid-load", func(t *testing.T) {
		g := startGateways(t, nodes, clock, "crmgw_failover")
		lb := startHAProxy(t, g.servers)
		testNodeStoppedMidLoad(t, nodes, g, lb)
	})
}

// galeraTenant makes a tenant of one user, and a token of the user's.
func galeraTenant(t *testing.T, svc *core.Service, name string) (core.Tenant, string) {
	t.Helper()
	ctx := context.Background()
	tn, err := svc.EnsureTenant(ctx, name)
	if err != nil {
		t.Fatal(err)
	}
	u, err := svc.EnsureUser(ctx, tn.ID, name+"-user", 0)
	if err != nil {
		t.Fatal(err)
	}
	tok, err := svc.RegisterToken(ctx, tn.ID, u.ID, name)
	if err != nil {
		t.Fatal(err)
	}
	return tn, tok
}

// A failoverWrite is one contract creation of the load and its answer.
type failoverWrite struct {
	sn     string
	phase  string
	status int
	acked  bool
	body   string
	err    error
}

// testNodeStoppedMidLoad creates contracts from 8 writers through the
// balancer while node 2 is stopped (SIGTERM, as an operator would) and
// started again, and then checks every answer and every row.
func testNodeStoppedMidLoad(t *testing.T, nodes []*galeraNode, g *galeraGateways, lb *haproxy) {
	ctx := context.Background()
	svc := g.apps[0].Service
	tn, tok := galeraTenant(t, svc, "failover")
	owner, err := svc.Authenticate(ctx, tok)
	if err != nil {
		t.Fatal(err)
	}
	cu, err := svc.CreateCustomer(ctx, owner, core.NewCustomer{Name: "故障切换客户"})
	if err != nil {
		t.Fatal(err)
	}

	const writers = 8
	var mu sync.Mutex
	phase := "all nodes"
	var writes []*failoverWrite
	stop := make(chan struct{})
	var done sync.WaitGroup
	transport := &http.Transport{MaxIdleConnsPerHost: writers}
	client := &http.Client{Timeout: 30 * time.Second, Transport: transport}
	var stopOnce sync.Once
	stopWriters := func() {
		stopOnce.Do(func() { close(stop) })
		done.Wait()
		transport.CloseIdleConnections()
	}
	t.Cleanup(stopWriters) // also when a wait below fails the test
	for w := range writers {
		done.Add(1)
		go func() {
			defer done.Done()
			for i := 0; ; i++ {
				select {
				case <-stop:
					return
				default:
				}
				mu.Lock()
				x := &failoverWrite{sn: fmt.Sprintf("F-%d-%d", w, i), phase: phase}
				writes = append(writes, x)
				mu.Unlock()
				body, _ := json.Marshal(map[string]any{"contract": map[string]any{"title": "切换合同", "sn": x.sn,
					"customer_id": cu.ID, "total_amount": "100.00", "sign_date": "2015-10-15", "start_at": "2015-10-15", "end_at": "2015-12-31"}})
				req, _ := http.NewRequest(http.MethodPost, lb.url+"/api/v2/contracts", strings.NewReader(string(body)))
				req.Header = stormIKHeader(tok)
				res, err := client.Do(req)
				if err != nil {
					x.err = err
					continue
				}
				var a struct {
					Code int `json:"code"`
				}
				b, err := io.ReadAll(res.Body)
				res.Body.Close()
				x.status, x.body, x.err = res.StatusCode, string(b), err
				x.acked = err == nil && res.StatusCode == http.StatusOK && json.Unmarshal(b, &a) == nil && a.Code == 0
			}
		}()
	}
	setPhase := func(p string) {
		mu.Lock()
		phase = p
		mu.Unlock()
	}
	time.Sleep(time.Second)
	setPhase("node 2 stopping")
	nodes[1].stop(t)
	lb.waitState(t, "gw2", "DOWN", 20*time.Second)
	setPhase("node 2 out")
	time.Sleep(time.Second)
	setPhase("node 2 rejoining")
	nodes[1].start(t)
	nodes[1].waitSynced(t)
	lb.waitState(t, "gw2", "UP", 20*time.Second)
	setPhase("node 2 back")
	time.Sleep(time.Second)
	stopWriters()
	g.close()

	// Every write was acknowledged or answered "unavailable, retry" (503);
	// and each phase acknowledged writes.
	acked := map[string]int{}
	sent := map[string]bool{}
	for _, x := range writes {
		sent[x.sn] = true
		switch {
		case x.acked:
			acked[x.phase]++
		case x.err != nil:
			t.Errorf("%s (%s): %v", x.sn, x.phase, x.err)
		case x.status != http.StatusServiceUnavailable:
			t.Errorf("%s (%s): HTTP %d %s: want success or 503", x.sn, x.phase, x.status, x.body)
		}
	}
	for _, p := range []string{"all nodes", "node 2 out", "node 2 back"} {
		if acked[p] == 0 {
			t.Errorf("no write acknowledged while %s", p)
		}
	}
	t.Logf("writes acknowledged by phase: %v; of %d sent, the others answered 503", acked, len(writes))

	// Every acknowledged write is stored exactly once, on every node (node 2
	// included, once it has rejoined); nothing is stored that was not sent.
	for _, n := range nodes {
		db, err := sql.Open("mysql", n.galeraDSN(t, "crmgw_failover"))
		if err != nil {
			t.Fatal(err)
		}
		stored := map[string]int{}
		rows, err := db.Query("SELECT sn, COUNT(*) FROM contracts WHERE tenant_id = ? GROUP BY sn", tn.ID)
		if err != nil {
			t.Fatal(err)
		}
		for rows.Next() {
			var sn string
			var k int
			if err := rows.Scan(&sn, &k); err != nil {
				t.Fatal(err)
			}
			stored[sn] = k
		}
		if err := rows.Err(); err != nil {
			t.Fatal(err)
		}
		db.Close()
		for _, x := range writes {
			if x.acked && stored[x.sn] != 1 {
				t.Errorf("%s: acknowledged contract %s (%s) stored %d times", n.name, x.sn, x.phase, stored[x.sn])
			}
		}
		for sn, k := range stored {
			if !sent[sn] || k != 1 {
				t.Errorf("%s: contract %s stored %d times, sent: %v", n.name, sn, k, sent[sn])
			}
		}
	}
	for i, l := range g.logs {
		for _, line := range l.errors() {
			t.Errorf("gateway %d logged an error: %s", i+1, line)
		}
	}
}

// testNodeCutOff cuts node 3 off from the others (as a network partition
// would: it stays up and answers pings, but out of the primary component it
// refuses queries) and checks that its gateway turns unready, answers a
// client 503 (not an internal error), that the balancer takes it out, and
// that both are back once the node has rejoined.
func testNodeCutOff(t *testing.T, nodes []*galeraNode, g *galeraGateways, lb *haproxy) {
	_, tok := galeraTenant(t, g.apps[0].Service, "partition")
	node, gw := nodes[2], g.servers[2]
	db, err := sql.Open("mysql", node.dsn())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() }) // after the cleanup below, which uses it
	isolate := func(on int) error {
		_, err := db.Exec(fmt.Sprintf("SET GLOBAL wsrep_provider_options = 'gmcast.isolate=%d'", on))
		return err
	}
	if err := isolate(1); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { // the other subtests need the node back, however this one ends
		if err := isolate(0); err != nil {
			t.Errorf("rejoin %s: %v", node.name, err)
		}
		node.waitSynced(t)
	})
	lb.waitState(t, "gw3", "DOWN", 20*time.Second)
	for _, r := range []struct{ path, token string }{{"/readyz", ""}, {"/api/v2/contracts", tok}} {
		req, _ := http.NewRequest(http.MethodGet, gw.URL+r.path, nil)
		if r.token != "" {
			req.Header = stormIKHeader(r.token)
		}
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(res.Body)
		res.Body.Close()
		if res.StatusCode != http.StatusServiceUnavailable {
			t.Errorf("GET %s of the gateway on a node cut off: HTTP %d %s, want 503", r.path, res.StatusCode, b)
		}
	}
	if err := isolate(0); err != nil {
		t.Fatal(err)
	}
	node.waitSynced(t)
	lb.waitState(t, "gw3", "UP", 20*time.Second)
	g.close()
	for _, line := range g.logs[2].errors() {
		t.Errorf("gateway 3 logged an error: %s", line)
	}
}

// testUniqueNamesAcrossNodes creates customers of a few names at once through
// every node, each required to be unique in the tenant (as the OA dialect
// does): each name is taken once, every other creation is refused as a
// conflict, and no node ever holds a name twice.
func testUniqueNamesAcrossNodes(t *testing.T, g *galeraGateways) {
	ctx := context.Background()
	tn, tok := galeraTenant(t, g.apps[0].Service, "names")
	const names, perNode = 10, 3
	var mu sync.Mutex
	taken := map[string]int{}
	var ready, done sync.WaitGroup
	gate := make(chan struct{})
	for _, a := range g.apps {
		caller, err := a.Service.Authenticate(ctx, tok)
		if err != nil {
			t.Fatal(err)
		}
		for n := range names {
			for range perNode {
				ready.Add(1)
				done.Go(func() {
					name := fmt.Sprintf("同名客户%d", n)
					ready.Done()
					<-gate
					_, err := a.Service.CreateCustomer(ctx, caller, core.NewCustomer{Name: name, UniqueName: true})
					switch {
					case err == nil:
						mu.Lock()
						taken[name]++
						mu.Unlock()
					case core.ErrorCode(err) != core.ECONFLICT:
						t.Errorf("%s: %v, want success or a conflict", name, err)
					}
				})
			}
		}
	}
	ready.Wait()
	close(gate)
	done.Wait()
	for n := range names {
		if name := fmt.Sprintf("同名客户%d", n); taken[name] != 1 {
			t.Errorf("%s created %d times, want once", name, taken[name])
		}
	}
	var twice []string
	if err := g.apps[1].DB.Raw("SELECT name FROM customers WHERE tenant_id = ? GROUP BY name HAVING COUNT(*) > 1", tn.ID).
		Scan(&twice).Error; err != nil {
		t.Fatal(err)
	}
	if len(twice) > 0 {
		t.Errorf("names held twice: %v", twice)
	}
}

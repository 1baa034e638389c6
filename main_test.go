package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"

	"crmgw/core"
)

// run executes the crmgw command in-process on its own SQLite file.
func run(t *testing.T, dsn, stdin string, args ...string) (string, error) {
	t.Helper()
	cmd := newRootCmd()
	var out, errOut bytes.Buffer
	cmd.SetOut(&out)
	cmd.SetErr(&errOut)
	cmd.SetIn(strings.NewReader(stdin))
	cmd.SetArgs(append(args, "--db-dsn", dsn))
	err := cmd.Execute()
	return out.String(), err
}

func TestTokenAddPrintsTheTokenAloneAndIsIdempotent(t *testing.T) {
	dsn := filepath.Join(t.TempDir(), "crmgw.db")
	out, err := run(t, dsn, "", "token", "add", "--tenant", "acme", "--user", "ann", "--department", "sales", "--value", "abc123")
	if err != nil || out != "abc123\n" {
		t.Fatalf("token add --value: %q, %v", out, err)
	}
	out, err = run(t, dsn, "", "token", "add", "--tenant", "acme", "--user", "ann", "--json")
	if err != nil {
		t.Fatal(err)
	}
	var id identity
	if err := json.Unmarshal([]byte(out), &id); err != nil || id.Token == "" || id.TenantID == 0 || id.UserID == 0 || id.DepartmentID == 0 {
		t.Fatalf("token add --json: %q (%v)", out, err)
	}
	if out, err = run(t, dsn, "", "token", "add", "--tenant", "acme", "--user", "ann", "--value", "abc123"); err != nil || out != "abc123\n" {
		t.Fatalf("re-adding the same token: %q, %v", out, err)
	}
	list, err := run(t, dsn, "", "token", "list", "--tenant", "acme")
	if err != nil || strings.Count(list, "ann") != 2 || strings.Contains(list, "abc123") || strings.Contains(list, id.Token) {
		t.Fatalf("token list: %q, %v", list, err)
	}
	if _, err := run(t, dsn, "", "token", "revoke", "abc123"); err != nil {
		t.Fatal(err)
	}
	if _, err := run(t, dsn, "", "token", "revoke", "abc123"); err == nil {
		t.Fatal("revoking an unknown token succeeded")
	}
	if _, err := run(t, dsn, "s3cret\n", "user", "passwd", "--tenant", "acme", "--user", "ann"); err != nil {
		t.Fatal(err)
	}
	if _, err := run(t, dsn, "x\n", "user", "passwd", "--tenant", "acme", "--user", "nobody"); err == nil {
		t.Fatal("setting the password of an unknown user succeeded")
	}
}

func TestSiteKeyAdd(t *testing.T) {
	dsn := filepath.Join(t.TempDir(), "crmgw.db")
	if out, err := run(t, dsn, "", "sitekey", "add", "--tenant", "acme", "--value", "shop-key"); err != nil || out != "shop-key\n" {
		t.Fatalf("sitekey add --value: %q, %v", out, err)
	}
	if out, err := run(t, dsn, "", "sitekey", "add", "--tenant", "other", "--value", "shop-key"); err == nil {
		t.Fatalf("the same key for another tenant: %q, want an error", out)
	}
	if out, err := run(t, dsn, "", "sitekey", "add", "--tenant", "acme"); err != nil || len(strings.TrimSpace(out)) < 20 {
		t.Fatalf("sitekey add: %q, %v", out, err)
	}
}

func TestSeedDemoPrintsATokenOnTheLastLineTwice(t *testing.T) {
	dsn := filepath.Join(t.TempDir(), "crmgw.db")
	first, err := run(t, dsn, "", "seed", "demo")
	if err != nil || strings.Count(first, "\n") != 1 || len(first) < 20 {
		t.Fatalf("seed demo: %q, %v", first, err)
	}
	second, err := run(t, dsn, "", "seed", "demo", "--json")
	if err != nil {
		t.Fatal(err)
	}
	var id identity
	if err := json.Unmarshal([]byte(second), &id); err != nil || id.Token == "" || id.Token+"\n" == first {
		t.Fatalf("second seed demo --json: %q (%v)", second, err)
	}
	db, err := core.OpenDB(core.DriverSQLite, dsn, core.SystemClock{})
	if err != nil {
		t.Fatal(err)
	}
	var contracts, targets int64
	if err := db.Model(&core.Contract{}).Count(&contracts).Error; err != nil {
		t.Fatal(err)
	}
	if err := db.Model(&core.MonthlyTarget{}).Count(&targets).Error; err != nil {
		t.Fatal(err)
	}
	if contracts != 6 || targets != 3 {
		t.Fatalf("after two seeds: %d contracts, %d targets; want 6 and 3", contracts, targets)
	}
}

func TestInvalidConfigurationStopsStartUp(t *testing.T) {
	t.Setenv("CRMGW_DB_DRIVER", "postgres")
	_, err := run(t, filepath.Join(t.TempDir(), "x.db"), "", "migrate")
	if err == nil || err.Error() != `config: db.driver: "postgres" is not sqlite or mysql` {
		t.Fatalf("err = %v", err)
	}
}

func TestTenantSet(t *testing.T) {
	dsn := filepath.Join(t.TempDir(), "crmgw.db")
	if _, err := run(t, dsn, "", "token", "add", "--tenant", "acme", "--user", "ann"); err != nil {
		t.Fatal(err)
	}
	if _, err := run(t, dsn, "", "tenant", "set", "--tenant", "acme", "--contract-approval", "--contract-prefix", "QY-"); err != nil {
		t.Fatal(err)
	}
	if _, err := run(t, dsn, "", "tenant", "set", "--tenant", "acme", "--contract-prefix", "A-", "--opportunities"); err != nil { // approval stays on
		t.Fatal(err)
	}
	if _, err := run(t, dsn, "", "tenant", "set", "--tenant", "acme", "--contract-prefix", "合同"); err == nil {
		t.Fatal("a prefix of other than printable ASCII was taken")
	}
	if _, err := run(t, dsn, "", "tenant", "set", "--tenant", "nobody", "--contract-approval"); err == nil {
		t.Fatal("an unknown tenant was configured")
	}
	if _, err := run(t, dsn, "", "tenant", "set", "--tenant", "acme", "--ikcrm-devices", "open_api,ios"); err == nil {
		t.Fatal("a device no ikcrm edition sent was taken")
	}
	if _, err := run(t, dsn, "", "tenant", "set", "--tenant", "acme", "--ikcrm-devices", "open_api, dingtalk"); err != nil {
		t.Fatal(err)
	}
	db, err := core.OpenDB(core.DriverSQLite, dsn, core.SystemClock{})
	if err != nil {
		t.Fatal(err)
	}
	var tn core.Tenant
	if err := db.Where("name = ?", "acme").Take(&tn).Error; err != nil {
		t.Fatal(err)
	}
	if !tn.ContractApproval || tn.ContractPrefix != "A-" || !tn.Opportunities || tn.Devices != "open_api,dingtalk" {
		t.Fatalf("tenant: %+v; want approval, prefix A-, opportunities, devices open_api and dingtalk", tn.Settings())
	}
}

func TestSeedBenchIsReproducible(t *testing.T) {
	sums := make([]string, 2)
	for i := range sums {
		dsn := filepath.Join(t.TempDir(), "crmgw.db")
		args := []string{"seed", "bench", "--tenants", "2", "--users", "3", "--customers", "41", "--contracts", "99", "--follow-ups", "77", "--json"}
		out, err := run(t, dsn, "", args...)
		var id identity
		if err != nil || json.Unmarshal([]byte(out), &id) != nil || id.Token == "" || strings.Count(out, "\n") != 1 {
			t.Fatalf("seed bench: %q, %v", out, err)
		}
		if again, err := run(t, dsn, "", args...); err != nil || again == out {
			t.Fatalf("seed bench again: %q, %v; want a new token and no new data", again, err)
		}
		db, err := core.OpenDB(core.DriverSQLite, dsn, core.SystemClock{})
		if err != nil {
			t.Fatal(err)
		}
		var s []string
		for _, q := range []string{
			"SELECT COUNT(*) FROM tenants", "SELECT COUNT(*) FROM users", "SELECT COUNT(*) FROM customers",
			"SELECT COUNT(*) FROM contracts", "SELECT COUNT(*) FROM contact_histories", "SELECT COUNT(*) FROM payments",
			"SELECT SUM(total_amount) FROM contracts", "SELECT COUNT(*) FROM customers WHERE is_public",
		} {
			var n int64
			if err := db.Raw(q).Scan(&n).Error; err != nil {
				t.Fatal(err)
			}
			s = append(s, fmt.Sprint(n))
		}
		sums[i] = strings.Join(s, " ")
		if !strings.HasPrefix(sums[i], "2 6 41 99 77 ") {
			t.Fatalf("tenants users customers contracts follow-ups ...: %s", sums[i])
		}
	}
	if sums[0] != sums[1] {
		t.Fatalf("two runs with one seed differ: %s vs %s", sums[0], sums[1])
	}
}

// `crmgw version` and `crmgw --version` say what was built, with which Go.
func TestVersion(t *testing.T) {
	for _, args := range [][]string{{"version"}, {"--version"}} {
		cmd := newRootCmd()
		var out bytes.Buffer
		cmd.SetOut(&out)
		cmd.SetArgs(args)
		if err := cmd.Execute(); err != nil {
			t.Fatal(err)
		}
		if got := out.String(); !strings.HasPrefix(got, "crmgw ") || !strings.Contains(got, runtime.Version()) || !strings.Contains(got, "(commit ") {
			t.Errorf("crmgw %s: %q, want the version, the commit and %s", args[0], got, runtime.Version())
		}
	}
}

// serveInProcess runs `crmgw serve args…` until ctx ends; its error arrives on the channel.
func serveInProcess(ctx context.Context, args ...string) <-chan error {
	done := make(chan error, 1)
	go func() {
		cmd := newRootCmd()
		cmd.SetOut(io.Discard)
		cmd.SetErr(io.Discard)
		cmd.SetArgs(append([]string{"serve"}, args...))
		done <- cmd.ExecuteContext(ctx)
	}()
	return done
}

// serve answers /metrics on admin.listen, and not on the clients' listener.
func TestServeHasAnAdminListener(t *testing.T) {
	free := func() string {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		defer ln.Close()
		return ln.Addr().String()
	}
	main, admin := free(), free()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	done := serveInProcess(ctx, "--listen", main, "--admin-listen", admin, "--db-dsn", filepath.Join(t.TempDir(), "crmgw.db"))
	get := func(addr, path string) (int, string) {
		for begin := time.Now(); ; time.Sleep(20 * time.Millisecond) {
			res, err := http.Get("http://" + addr + path)
			if err == nil {
				body, _ := io.ReadAll(res.Body)
				res.Body.Close()
				return res.StatusCode, string(body)
			}
			if time.Since(begin) > time.Minute {
				t.Fatalf("%s%s: %v", addr, path, err)
			}
		}
	}
	if status, body := get(admin, "/metrics"); status != http.StatusOK || !strings.Contains(body, "go_goroutines") {
		t.Errorf("admin /metrics: HTTP %d %.200s", status, body)
	}
	if status, _ := get(admin, "/readyz"); status != http.StatusOK {
		t.Errorf("admin /readyz: HTTP %d", status)
	}
	if status, body := get(main, "/metrics"); strings.Contains(body, "go_goroutines") {
		t.Errorf("the clients' listener serves /metrics: HTTP %d", status)
	}
	cancel()
	if err := <-done; err != nil {
		t.Fatalf("serve: %v", err)
	}
}

// A tenant's dialect ids are set at its making or later, unique across
// tenants, listed; a refused change changes nothing.
func TestTenantAddSetListDialectIDs(t *testing.T) {
	dsn := filepath.Join(t.TempDir(), "crmgw.db")
	if _, err := run(t, dsn, "", "tenant", "add", "--tenant", "acme", "--yunzmall-id", "25", "--qcy-org-id", "9001", "--ikcrm-corp-id", "ww123"); err != nil {
		t.Fatal(err)
	}
	if _, err := run(t, dsn, "", "tenant", "add", "--tenant", "acme"); err == nil {
		t.Fatal("a second tenant acme was made")
	}
	if _, err := run(t, dsn, "", "tenant", "add", "--tenant", "beta", "--yunzmall-id", "25"); err == nil {
		t.Fatal("beta was made with acme's shop id")
	}
	if _, err := run(t, dsn, "", "tenant", "add", "--tenant", "beta"); err != nil {
		t.Fatalf("beta, refused once, cannot be made: %v", err)
	}
	if _, err := run(t, dsn, "", "tenant", "set", "--tenant", "beta", "--contract-prefix", "B-", "--qcy-org-id", "9001"); err == nil {
		t.Fatal("beta took acme's org id")
	}
	if _, err := run(t, dsn, "", "tenant", "set", "--tenant", "beta", "--ikcrm-org-id", "77", "--ikcrm-corp-id", "dingabc"); err != nil {
		t.Fatal(err)
	}
	out, err := run(t, dsn, "", "tenant", "list", "--json")
	if err != nil {
		t.Fatal(err)
	}
	var rows []tenantRow
	if err := json.Unmarshal([]byte(out), &rows); err != nil || len(rows) != 2 {
		t.Fatalf("tenant list --json: %q, %v", out, err)
	}
	acme, beta := rows[0], rows[1]
	if acme.Name != "acme" || acme.YunzmallID != 25 || acme.QcyOrgID != 9001 || acme.IkcrmOrgID != acme.ID || acme.IkcrmCorpID != "ww123" {
		t.Errorf("acme: %+v", acme)
	}
	if beta.Name != "beta" || beta.YunzmallID != beta.ID || beta.QcyOrgID != beta.ID || beta.IkcrmOrgID != 77 || beta.IkcrmCorpID != "dingabc" {
		t.Errorf("beta: %+v", beta)
	}
	db, err := core.OpenDB(core.DriverSQLite, dsn, core.SystemClock{})
	if err != nil {
		t.Fatal(err)
	}
	var tn core.Tenant
	if err := db.Where("name = ?", "beta").Take(&tn).Error; err != nil || tn.ContractPrefix != "HT" {
		t.Errorf("beta's prefix after a refused set: %q (%v), want HT", tn.ContractPrefix, err)
	}
	if table, err := run(t, dsn, "", "tenant", "list"); err != nil || !strings.Contains(table, "YUNZMALL ID") || !strings.Contains(table, "ww123") {
		t.Errorf("tenant list: %q, %v", table, err)
	}
}

// The old clients' tokens are registered from a CSV in one run, again without
// change; a file with a bad row registers none.
func TestTokenImport(t *testing.T) {
	dir := t.TempDir()
	dsn := filepath.Join(dir, "crmgw.db")
	if _, err := run(t, dsn, "", "tenant", "add", "--tenant", "acme"); err != nil {
		t.Fatal(err)
	}
	write := func(name, content string) string {
		path := filepath.Join(dir, name)
		if err := os.WriteFile(path, []byte(content), 0o600); err != nil {
			t.Fatal(err)
		}
		return path
	}
	good := write("good.csv", "\ufefftoken,user,department\ntok-ann-1,ann,销售部\ntok-bob-1,bob,\ntok-ann-2,ann,销售部\n")
	for range 2 {
		if _, err := run(t, dsn, "", "token", "import", "--tenant", "acme", good); err != nil {
			t.Fatal(err)
		}
	}
	list, err := run(t, dsn, "", "token", "list", "--tenant", "acme")
	if err != nil || strings.Count(list, "ann") != 2 || strings.Count(list, "bob") != 1 || strings.Contains(list, "tok-") {
		t.Fatalf("token list after two imports: %q, %v", list, err)
	}
	for name, content := range map[string]string{
		"empty-user.csv":   "user,token\n,tok-x\nzed,tok-z\n",
		"twice.csv":        "user,token\nzed,tok-z\nyan,tok-z\n",
		"taken.csv":        "user,token\nzed,tok-z\nyan,tok-bob-1\n",
		"no-token-col.csv": "user,department\nzed,x\n",
		"unknown-col.csv":  "user,token,role\nzed,tok-z,admin\n",
	} {
		_, err := run(t, dsn, "", "token", "import", "--tenant", "acme", write(name, content))
		if err == nil {
			t.Errorf("%s was imported", name)
		}
		if after, _ := run(t, dsn, "", "token", "list", "--tenant", "acme"); after != list {
			t.Errorf("%s (%v) changed the tokens:\n%s", name, err, after)
		}
	}
	if _, err := run(t, dsn, "", "token", "import", "--tenant", "nobody", good); err == nil {
		t.Error("tokens were imported into an unknown tenant")
	}
}

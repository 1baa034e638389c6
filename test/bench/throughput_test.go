package bench

import (
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// floorEnv, set to an address, makes the test binary the floor instead of
// running tests: a bare net/http server answering one fixed JSON body, the
// most a Go HTTP server on this machine can do, in a process of its own as
// crmgw's is.
const floorEnv = "CRMGW_BENCH_FLOOR"

func TestMain(m *testing.M) {
	if addr := os.Getenv(floorEnv); addr != "" {
		body := []byte(`{"statuscode":"0000","statusmsg":"ok","data":{"id":"1","name":"floor"}}`)
		err := http.ListenAndServe(addr, http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
			w.Header().Set("Content-Type", "application/json")
			_, _ = w.Write(body)
		}))
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	os.Exit(m.Run())
}

// process is a server this benchmark started, on its own port.
type process struct {
	base string
	cmd  *exec.Cmd
}

// freeAddr is a loopback address no one listens on.
func freeAddr(b *testing.B) string {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		b.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

// startProcess runs cmd, which listens on addr, until b ends, once it answers ready.
func startProcess(b *testing.B, cmd *exec.Cmd, addr, ready string) process {
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { _ = cmd.Process.Kill(); _ = cmd.Wait() })
	p := process{base: "http://" + addr, cmd: cmd}
	for deadline := time.Now().Add(20 * time.Second); ; time.Sleep(50 * time.Millisecond) {
		if res, err := http.Get(p.base + ready); err == nil {
			res.Body.Close()
			return p
		}
		if time.Now().After(deadline) {
			b.Fatalf("%s did not start", cmd.Path)
		}
	}
}

// cpu is the CPU time the process has used so far (user and system).
func (p process) cpu(b *testing.B) time.Duration {
	stat, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", p.cmd.Process.Pid))
	if err != nil {
		b.Skipf("no /proc: %v", err)
	}
	// The fields after the command's name, which is in parentheses and may hold spaces.
	fields := strings.Fields(string(stat[strings.LastIndexByte(string(stat), ')')+2:]))
	utime, _ := strconv.ParseInt(fields[11], 10, 64)
	stime, _ := strconv.ParseInt(fields[12], 10, 64)
	return time.Duration(utime+stime) * time.Second / 100 // clock ticks: USER_HZ is 100 on Linux
}

// seededServer builds crmgw, seeds the bench tenant at n contracts into a
// SQLite file and serves it: the fixture's token, tenant, contract and customer.
func seededServer(b *testing.B, n int) (process, fixture) {
	bin := filepath.Join(b.TempDir(), "crmgw")
	if out, err := exec.Command("go", "build", "-o", bin, "crmgw").CombinedOutput(); err != nil {
		b.Fatalf("go build: %v\n%s", err, out)
	}
	return serveSeeded(b, bin, n)
}

// serveSeeded is seededServer with the crmgw binary bin.
func serveSeeded(b *testing.B, bin string, n int) (process, fixture) {
	dsn := filepath.Join(b.TempDir(), "crmgw.db")
	s := spec(n)
	out, err := exec.Command(bin, "seed", "bench", "--db-dsn", dsn, "--json", "--contracts", strconv.Itoa(n),
		"--customers", strconv.Itoa(s.Customers), "--follow-ups", strconv.Itoa(s.FollowUps)).Output()
	if err != nil {
		b.Fatal(err)
	}
	var f fixture
	if _, err := fmt.Sscanf(strings.ReplaceAll(string(out), `"`, " "), "{ token : %s , tenant_id :%d", &f.token, &f.tenantID); err != nil {
		b.Fatalf("seed bench printed %q: %v", out, err)
	}
	f.token = strings.TrimSuffix(f.token, ",")
	f.contractID, f.customerID = 1, 1
	addr := freeAddr(b)
	p := startProcess(b, exec.Command(bin, "--db-dsn", dsn, "--listen", addr, "--admin-listen", "", "--log-level", "error"), addr, "/readyz")
	return p, f
}

// load sends request from connections clients at once for d, each a kept
// connection, and answers how many were answered 200 with no error in the body.
func load(b *testing.B, connections int, d time.Duration, request func() *http.Request) int64 {
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: connections, MaxConnsPerHost: connections}}
	defer client.CloseIdleConnections()
	var answered, failed atomic.Int64
	var firstFailure atomic.Value
	stop := time.Now().Add(d)
	var wg sync.WaitGroup
	for range connections {
		wg.Go(func() {
			for time.Now().Before(stop) {
				res, err := client.Do(request())
				if err != nil {
					failed.Add(1)
					firstFailure.CompareAndSwap(nil, err.Error())
					continue
				}
				body, _ := io.ReadAll(res.Body)
				res.Body.Close()
				if res.StatusCode != http.StatusOK || strings.Contains(string(body), `"error`) || strings.Contains(string(body), `"result":0`) {
					failed.Add(1)
					firstFailure.CompareAndSwap(nil, fmt.Sprintf("HTTP %d %.200s", res.StatusCode, body))
					continue
				}
				answered.Add(1)
			}
		})
	}
	wg.Wait()
	if failed.Load() > 0 {
		b.Fatalf("%d requests failed, the first: %v", failed.Load(), firstFailure.Load())
	}
	return answered.Load()
}

// BenchmarkThroughput measures, in one run on one machine, how many requests
// a second crmgw answers at 64 connections for each endpoint (a SQLite file
// seeded at CRMGW_BENCH_CONTRACTS' first size), as a share of the floor: a
// bare net/http server answering a fixed body, measured in the same run, and
// the server's CPU per request. CRMGW_BENCH_DURATION is each endpoint's load
// (default 5s). CRMGW_BENCH_BEFORE names another crmgw binary (an earlier
// commit's build) measured the same way in the same run, under before/.
// CRMGW_BENCH_PERF names a folder for a perf CPU profile of each endpoint's
// load (perf's sampling costs the server a little). The load generator
// shares the machine with the servers, as wrk would.
func BenchmarkThroughput(b *testing.B) {
	duration := 5 * time.Second
	if v := os.Getenv("CRMGW_BENCH_DURATION"); v != "" {
		var err error
		if duration, err = time.ParseDuration(v); err != nil {
			b.Fatalf("CRMGW_BENCH_DURATION: %v", err)
		}
	}
	const connections = 64
	floorAddr := freeAddr(b)
	floorCmd := exec.Command(os.Args[0], "-test.run=^$")
	floorCmd.Env = append(os.Environ(), floorEnv+"="+floorAddr)
	floor := startProcess(b, floorCmd, floorAddr, "/")
	type target struct {
		name    string
		p       process
		request func(base string) *http.Request
		alone   string // for reads beside writers: the target measured alone
		writers func(b *testing.B) (stop func() float64)
	}
	targets := []target{{name: "floor", p: floor, request: func(base string) *http.Request { return get(base + "/") }}}
	add := func(prefix string, server process, f fixture) {
		targets = append(targets, target{name: prefix + "healthz", p: server, request: func(base string) *http.Request { return get(base + "/healthz") }})
		var home func(base string) *http.Request
		for _, ep := range endpoints {
			request := func(base string) *http.Request { return ep.request(f, base) }
			if ep.name == "oa_home" {
				home = request
			}
			targets = append(targets, target{name: prefix + ep.name, p: server, request: request})
		}
		for _, n := range []int{4, 16} {
			targets = append(targets, target{name: fmt.Sprintf("%soa_home_beside_%d_writers", prefix, n), p: server, request: home,
				alone: prefix + "oa_home", writers: func(b *testing.B) func() float64 { return startWriters(b, server.base, f, n) }})
		}
	}
	if before := os.Getenv("CRMGW_BENCH_BEFORE"); before != "" {
		server, f := serveSeeded(b, before, sizes(b)[0])
		add("before/", server, f)
		defer func() { b.Logf("before: peak RSS %.0f MiB", procStatus(b, server.cmd.Process.Pid, "VmHWM")) }()
	}
	server, f := seededServer(b, sizes(b)[0])
	add("", server, f)
	rates := map[string]float64{} // measured so far in this run
	for _, t := range targets {
		b.Run(t.name, func(b *testing.B) {
			if t.writers != nil {
				stop := t.writers(b)
				defer func() { b.ReportMetric(stop(), "writes/s") }()
			}
			load(b, connections, time.Second, func() *http.Request { return t.request(t.p.base) }) // warm: connections, caches
			cpu := t.p.cpu(b)
			recorded := profile(b, t.p, t.name, duration)
			started := time.Now()
			n := load(b, connections, duration, func() *http.Request { return t.request(t.p.base) })
			recorded()
			rate := float64(n) / time.Since(started).Seconds()
			rates[t.name] = rate
			b.ReportMetric(rate, "req/s")
			if floor := rates["floor"]; floor > 0 && t.name != "floor" {
				b.ReportMetric(rate/floor, "x-floor")
			}
			if alone := rates[t.alone]; alone > 0 {
				b.ReportMetric(rate/alone, "x-alone")
			}
			b.ReportMetric(float64(t.p.cpu(b)-cpu)/float64(time.Microsecond)/float64(n), "cpu-us/req")
		})
	}
	// Logged: a benchmark with sub-benchmarks prints no metric of its own.
	b.Logf("peak RSS %.0f MiB", procStatus(b, server.cmd.Process.Pid, "VmHWM"))
}

// profile records, with perf, the CPU profile of p for the next duration into
// dir/name.data, where CRMGW_BENCH_PERF names dir; it returns at once, and the
// returned func waits for the recording to be written.
func profile(b *testing.B, p process, name string, duration time.Duration) (wait func()) {
	dir := os.Getenv("CRMGW_BENCH_PERF")
	if dir == "" {
		return func() {}
	}
	cmd := exec.Command("perf", "record", "-q", "-F", "499", "-g", "-p", strconv.Itoa(p.cmd.Process.Pid),
		"-o", filepath.Join(dir, strings.ReplaceAll(name, "/", "_")+".data"), "--", "sleep", strconv.FormatFloat(duration.Seconds(), 'f', -1, 64))
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		b.Fatalf("CRMGW_BENCH_PERF: %v", err)
	}
	b.Cleanup(func() { // when the load failed before waiting for it
		if cmd.ProcessState == nil {
			_ = cmd.Process.Kill()
			_ = cmd.Wait()
		}
	})
	return func() {
		if err := cmd.Wait(); err != nil {
			b.Fatalf("perf record: %v", err)
		}
	}
}

// startWriters sends n ikcrm contract creations at a time to the server at
// base, each writer on a connection of its own, until stop, which answers the
// rate of writes and fails the benchmark if any was not acknowledged.
func startWriters(b *testing.B, base string, f fixture, n int) (stop func() float64) {
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: n, MaxConnsPerHost: n}}
	body := fmt.Sprintf(`{"contract":{"title":"写者的合同","customer_id":%d,"total_amount":"19800","start_at":"2026-01-01","end_at":"2026-12-31"}}`, f.customerID)
	var done atomic.Bool
	var wrote, failed atomic.Int64
	var firstFailure atomic.Value
	var wg sync.WaitGroup
	started := time.Now()
	for range n {
		wg.Go(func() {
			for !done.Load() {
				r, _ := http.NewRequest(http.MethodPost, base+"/api/v2/contracts", strings.NewReader(body))
				r.Header.Set("Authorization", `Token token="`+f.token+`",device="open_api"`)
				r.Header.Set("Content-Type", "application/json")
				res, err := client.Do(r)
				if err != nil {
					failed.Add(1)
					firstFailure.CompareAndSwap(nil, err.Error())
					continue
				}
				answer, _ := io.ReadAll(res.Body)
				res.Body.Close()
				if res.StatusCode != http.StatusOK || !strings.Contains(string(answer), `"code":0`) {
					failed.Add(1)
					firstFailure.CompareAndSwap(nil, fmt.Sprintf("HTTP %d %.200s", res.StatusCode, answer))
					continue
				}
				wrote.Add(1)
			}
		})
	}
	return func() float64 {
		done.Store(true)
		wg.Wait()
		client.CloseIdleConnections()
		if failed.Load() > 0 {
			b.Fatalf("%d writes failed, the first: %v", failed.Load(), firstFailure.Load())
		}
		return float64(wrote.Load()) / time.Since(started).Seconds()
	}
}

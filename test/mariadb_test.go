package test

import (
	"bytes"
	"context"
	"database/sql"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"syscall"
	"testing"
	"time"

	"github.com/go-sql-driver/mysql"
)

// privateMariaDB is a MariaDB server of the test's own: its data directory,
// socket, pid file and port are the test's, and it is killed when the test
// ends, however it ends.
type privateMariaDB struct {
	server string // the mariadbd binary
	dir    string
	port   int
	extra  []string // more of the server's options, for its next start
	cmd    *exec.Cmd
	exited chan struct{} // closed when cmd has been waited for
	out    *bytes.Buffer
}

// lookMariaDB finds the server and the program that initialises its data
// directory: on PATH, or the server beside the installer, in the installation's
// sbin or libexec, which is not on every user's PATH.
func lookMariaDB() (server, install string) {
	install, _ = exec.LookPath("mariadb-install-db")
	if p, err := exec.LookPath("mariadbd"); err == nil {
		return p, install
	}
	if install != "" {
		prefix := filepath.Dir(filepath.Dir(install))
		for _, dir := range []string{"sbin", "libexec", "bin"} {
			p := filepath.Join(prefix, dir, "mariadbd")
			if fi, err := os.Stat(p); err == nil && !fi.IsDir() && fi.Mode()&0o111 != 0 {
				return p, install
			}
		}
	}
	return "", install
}

// startPrivateMariaDB initialises a fresh data directory and starts a server
// on a free port of 127.0.0.1. It skips the test where MariaDB is not installed.
func startPrivateMariaDB(t *testing.T) *privateMariaDB {
	t.Helper()
	m := newPrivateMariaDB(t)
	m.start(t)
	return m
}

// newPrivateMariaDB initialises a fresh data directory and chooses a free
// port, but does not start the server. It skips the test where MariaDB is not
// installed.
func newPrivateMariaDB(t *testing.T) *privateMariaDB {
	t.Helper()
	server, install := lookMariaDB()
	if server == "" || install == "" {
		t.Skip("mariadbd and mariadb-install-db are not installed: no private MariaDB server to stop and start")
	}
	m := &privateMariaDB{server: server, dir: t.TempDir()}
	t.Cleanup(m.kill)

	begin := time.Now()
	args := append([]string{"--no-defaults", "--datadir=" + m.datadir(),
		"--auth-root-authentication-method=normal", "--skip-test-db", "--skip-name-resolve"}, m.userArgs()...)
	args = append(args, lightInnoDB...)
	if out, err := exec.Command(install, args...).CombinedOutput(); err != nil {
		t.Fatalf("mariadb-install-db: %v\n%s", err, out)
	}
	t.Logf("private MariaDB: data directory initialised in %s", time.Since(begin).Round(time.Millisecond))
	m.port = freePort(t)
	return m
}

// freePort is a TCP port of 127.0.0.1 that no one listened on a moment ago.
func freePort(t *testing.T) int {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port
}

// lightInnoDB keeps a throwaway server small and quick to start.
var lightInnoDB = []string{"--innodb-buffer-pool-size=16M", "--innodb-log-file-size=8M"}

func (m *privateMariaDB) datadir() string { return filepath.Join(m.dir, "data") }

// userArgs lets the server run as root, as it refuses to otherwise.
func (m *privateMariaDB) userArgs() []string {
	if os.Geteuid() == 0 {
		return []string{"--user=root"}
	}
	return nil
}

// addr is the server's TCP address.
func (m *privateMariaDB) addr() string { return net.JoinHostPort("127.0.0.1", strconv.Itoa(m.port)) }

// dsn is root's DSN on the server, without a database.
func (m *privateMariaDB) dsn() string {
	cfg := mysql.NewConfig()
	cfg.User, cfg.Net, cfg.Addr = "root", "tcp", m.addr()
	return cfg.FormatDSN()
}

// start starts the server on its data directory and port, and waits until it takes connections.
func (m *privateMariaDB) start(t *testing.T) {
	t.Helper()
	begin := time.Now()
	args := append([]string{"--no-defaults", "--datadir=" + m.datadir(),
		"--bind-address=127.0.0.1", "--port=" + strconv.Itoa(m.port), "--skip-networking=0",
		"--socket=" + filepath.Join(m.dir, "mysqld.sock"), "--pid-file=" + filepath.Join(m.dir, "mysqld.pid"),
		"--tmpdir=" + m.dir, "--log-error=" + filepath.Join(m.dir, "error.log"),
		"--skip-name-resolve", "--performance-schema=OFF", "--skip-log-bin"}, m.userArgs()...)
	args = append(args, lightInnoDB...)
	args = append(args, m.extra...)
	m.cmd = exec.Command(m.server, args...)
	m.out = &bytes.Buffer{}
	m.cmd.Stdout, m.cmd.Stderr = m.out, m.out
	dieWithTest(m.cmd)
	if err := m.cmd.Start(); err != nil {
		t.Fatalf("start mariadbd: %v", err)
	}
	exited := make(chan struct{})
	m.exited = exited
	go func(cmd *exec.Cmd) {
		_ = cmd.Wait()
		close(exited)
	}(m.cmd)

	db, err := sql.Open("mysql", m.dsn())
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	deadline := time.Now().Add(30 * time.Second)
	for {
		ctx, cancel := context.WithTimeout(context.Background(), time.Second)
		err = db.PingContext(ctx)
		cancel()
		if err == nil {
			break
		}
		select {
		case <-exited:
			t.Fatalf("mariadbd exited before taking connections: %s\n%s\n%s", m.cmd.ProcessState, m.out, m.errorLog())
		default:
		}
		if time.Now().After(deadline) {
			t.Fatalf("mariadbd takes no connections after 30 s: %v\n%s", err, m.errorLog())
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Logf("private MariaDB: up on %s in %s", m.addr(), time.Since(begin).Round(time.Millisecond))
}

// stop shuts the server down as an operator would (SIGTERM) and waits for it to exit.
func (m *privateMariaDB) stop(t *testing.T) {
	t.Helper()
	begin := time.Now()
	if err := m.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatalf("stop mariadbd: %v", err)
	}
	select {
	case <-m.exited:
	case <-time.After(30 * time.Second):
		m.kill()
		t.Fatalf("mariadbd still running 30 s after SIGTERM; killed")
	}
	t.Logf("private MariaDB: stopped in %s", time.Since(begin).Round(time.Millisecond))
}

// kill ends the server at once if it is running.
func (m *privateMariaDB) kill() {
	if m.cmd == nil || m.cmd.Process == nil {
		return
	}
	select {
	case <-m.exited:
		return
	default:
	}
	_ = m.cmd.Process.Kill()
	<-m.exited
}

func (m *privateMariaDB) errorLog() string {
	b, _ := os.ReadFile(filepath.Join(m.dir, "error.log"))
	if len(b) > 4000 {
		b = b[len(b)-4000:]
	}
	return fmt.Sprintf("error log (end):\n%s", b)
}

package bench

import (
	"bufio"
	"bytes"
	"fmt"
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

const (
	heldConnections = 400
	heldAnnounced   = 1_048_000 // the Content-Length each sends
	heldSent        = 1_040_000 // what each sends of it before waiting
	heldSettle      = 3 * time.Second
)

var heldBody = bytes.Repeat([]byte("x"), heldSent)

// BenchmarkHeldBodies runs the crmgw binary with its default limits and opens
// 400 connections that each announce a body of 1,048,000 bytes, send
// 1,040,000 of it and wait, unauthenticated. It reports the server's resident
// memory before, while they are held, and 3 s after they have closed, and how
// many bodies the server took in rather than answering 503.
func BenchmarkHeldBodies(b *testing.B) {
	dir := b.TempDir()
	bin := filepath.Join(dir, "crmgw")
	if out, err := exec.Command("go", "build", "-o", bin, "crmgw").CombinedOutput(); err != nil {
		b.Fatalf("go build: %v\n%s", err, out)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		b.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	server := exec.Command(bin, "--db-dsn", filepath.Join(dir, "crmgw.db"), "--listen", addr, "--admin-listen", "", "--log-level", "error")
	if err := server.Start(); err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { _ = server.Process.Kill(); _ = server.Wait() })
	for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(50 * time.Millisecond) {
		if res, err := http.Get("http://" + addr + "/readyz"); err == nil {
			res.Body.Close()
			break
		}
		if time.Now().After(deadline) {
			b.Fatal("the server did not start")
		}
	}
	pid := server.Process.Pid
	before := procStatus(b, pid, "VmRSS")
	var held, refused atomic.Int64
	var during float64
	b.ResetTimer()
	for range b.N {
		held.Store(0)
		refused.Store(0)
		conns := make([]net.Conn, heldConnections)
		var wg sync.WaitGroup
		for i := range conns {
			wg.Add(1)
			go func() {
				defer wg.Done()
				if conns[i] = holdBody(b, addr); conns[i] == nil {
					return
				}
				// A refused body is answered at once; a held one not until it is all sent.
				_ = conns[i].SetReadDeadline(time.Now().Add(2 * time.Second))
				if res, err := http.ReadResponse(bufio.NewReader(conns[i]), nil); err == nil {
					res.Body.Close()
					refused.Add(1)
				} else {
					held.Add(1)
				}
			}()
		}
		wg.Wait()
		during = procStatus(b, pid, "VmRSS")
		for _, c := range conns {
			if c != nil {
				c.Close()
			}
		}
	}
	b.StopTimer()
	time.Sleep(heldSettle)
	b.ReportMetric(before, "RSS-before-MiB")
	b.ReportMetric(during, "RSS-held-MiB")
	b.ReportMetric(procStatus(b, pid, "VmHWM"), "RSS-peak-MiB")
	b.ReportMetric(procStatus(b, pid, "VmRSS"), "RSS-after-MiB")
	b.ReportMetric(float64(held.Load()), "held")
	b.ReportMetric(float64(refused.Load()), "refused")
}

// holdBody opens a connection and sends a POST's headers and most of its body.
func holdBody(b *testing.B, addr string) net.Conn {
	conn, err := net.Dial("tcp", addr)
	if err != nil {
		b.Error(err)
		return nil
	}
	fmt.Fprintf(conn, "POST /oa/crm/monthplan?access_token=none HTTP/1.1\r\nHost: crmgw\r\n"+
		"Content-Type: application/x-www-form-urlencoded\r\nContent-Length: %d\r\n\r\n", heldAnnounced)
	// A refused body's connection may be closed under the write: that is an answer too.
	_, _ = conn.Write(heldBody)
	return conn
}

// procStatus reads a memory figure of a process's /proc status, in MiB.
func procStatus(b *testing.B, pid int, field string) float64 {
	status, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		b.Skipf("no /proc: %v", err)
	}
	for _, line := range strings.Split(string(status), "\n") {
		if rest, ok := strings.CutPrefix(line, field+":"); ok {
			kb, err := strconv.ParseFloat(strings.TrimSuffix(strings.TrimSpace(rest), " kB"), 64)
			if err != nil {
				b.Fatal(err)
			}
			return kb / 1024
		}
	}
	b.Fatalf("no %s in /proc status", field)
	return 0
}

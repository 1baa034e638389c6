package test

import (
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
)

// testSQLiteFull fills the file system of the database under a running server:
// the database on a small tmpfs of its own, a filler file taking all but a
// little of it, and SMS through the WebApi until one answers 503; then a
// second filler takes what is left, so that no write, however small, finds
// room. Writes in every dialect answer 503, reads go on, /readyz is unready;
// once the fillers are deleted /readyz is ready again by itself and writes
// succeed.
func testSQLiteFull(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "db")
	if err := os.Mkdir(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := mountTmpfs(dir, 4<<20); err != nil {
		t.Skipf("no small file system to fill: mounting a tmpfs: %v", err)
	}
	t.Cleanup(func() { // before TempDir removes the folder: cleanups run last first
		if err := unmount(dir); err != nil {
			t.Errorf("unmounting the tmpfs: %v", err)
		}
	})
	db := openSQLiteAt(t, filepath.Join(dir, "crmgw.db"))
	s := newFaultSite(t, db)
	fillers := []string{filepath.Join(dir, "filler"), filepath.Join(dir, "filler-rest")}
	s.outage(t, func() {
		size := fillUp(t, fillers[0])
		if err := os.Truncate(fillers[0], size-256<<10); err != nil {
			t.Fatal(err)
		}
		s.smsUntilFull(t)
		fillUp(t, fillers[1])
	}, func() {
		for _, f := range fillers {
			if err := os.Remove(f); err != nil {
				t.Fatal(err)
			}
		}
	}, faultExpect{reads: faultServed, readyz: faultUnavailable})
}

// fillUp writes path until its file system has no room left, and returns its size.
func fillUp(t *testing.T, path string) int64 {
	t.Helper()
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	chunk := make([]byte, 4<<10)
	var size int64
	for {
		n, err := f.Write(chunk)
		size += int64(n)
		if errors.Is(err, syscall.ENOSPC) {
			return size
		}
		if err != nil {
			t.Fatal(err)
		}
	}
}

// smsUntilFull queues SMS through the WebApi, a write outside any transaction,
// until one answers the internal error with 503.
func (s *faultSite) smsUntilFull(t *testing.T) {
	t.Helper()
	sms := faultProbe{name: "qcy sms", write: true, method: http.MethodPost, path: faultQCYBase + "Customer/InsertSms.ashx",
		header: []string{"Content-Type", "application/x-www-form-urlencoded"},
		body: url.Values{"token": {faultToken}, "senderID": {fmt.Sprint(s.userID)}, "mobilePhone": {"13800138000"},
			"sendDate": {"2015-10-16 09:00:00"}, "content": {strings.Repeat("您好,磁盘将满。", 200)}, "sendType": {"1"},
			"messageTempleID": {"T001"}}.Encode(),
		ok: `{"value":true}`, unavailable: `{"request":"` + faultQCYBase + `Customer/InsertSms.ashx","error_code":"10001","error":"系统错误"}`,
		retryAfter: true}
	for range 1000 {
		a := s.send(sms)
		if a.err == nil && a.status == http.StatusOK && strings.HasPrefix(a.body, sms.ok) {
			continue
		}
		expectUnavailable503(t, "filling the disk", sms, a)
		return
	}
	t.Fatal("1000 SMS stored on a file system that should be full")
}

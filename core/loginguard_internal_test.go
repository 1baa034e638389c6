package core

import (
	"context"
	"errors"
	"strconv"
	"testing"
	"time"

	"golang.org/x/crypto/bcrypt"
)

// No more password comparisons run at once than the limit: the next waits
// for a slot, and gives up with its request.
func TestLoginHashingIsBounded(t *testing.T) {
	g := newLoginGuard(LoginLimits{MaxHashing: 2})
	hash, err := bcrypt.GenerateFromPassword([]byte("pw"), bcrypt.MinCost)
	if err != nil {
		t.Fatal(err)
	}
	g.hashing <- struct{}{}
	g.hashing <- struct{}{} // both slots taken, as by two comparisons running
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Millisecond)
	defer cancel()
	if _, err := g.matches(ctx, string(hash), "pw"); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("a third comparison: %v, want it to wait until its deadline", err)
	}
	<-g.hashing
	if ok, err := g.matches(context.Background(), string(hash), "pw"); !ok || err != nil {
		t.Fatalf("with a slot free: %v, %v", ok, err)
	}
	if len(g.hashing) != 1 {
		t.Fatalf("%d slots held after the comparison, want 1", len(g.hashing))
	}
}

// The failure counts are bounded: past loginKeys, expired ones are swept,
// and when none has expired others make room, so new names are still counted.
func TestLoginFailureCountsAreBounded(t *testing.T) {
	g := newLoginGuard(LoginLimits{Window: time.Minute})
	start := time.Unix(0, 0)
	for i := range loginKeys {
		g.failures[strconv.Itoa(i)] = &failureCount{n: 1, since: start}
	}
	g.begin(g.attempt("ann", "192.0.2.1"), start.Add(2*time.Minute))
	if len(g.failures) != 3 {
		t.Fatalf("%d counts kept, want the 3 new ones after a sweep", len(g.failures))
	}
	for i := range loginKeys {
		g.failures[strconv.Itoa(i)] = &failureCount{n: 1, since: start.Add(2 * time.Minute)}
	}
	a := g.attempt("bob", "192.0.2.2")
	g.begin(a, start.Add(3*time.Minute))
	if len(g.failures) > loginKeys || g.failures[a.keys[0]] == nil || g.failures[a.keys[2]] == nil {
		t.Fatalf("%d counts, bob's counted: %v", len(g.failures), g.failures[a.keys[0]] != nil)
	}
}

// IPv6 clients are counted by their /64, which one client commonly holds whole.
func TestLoginAddressGroups(t *testing.T) {
	for in, want := range map[string]string{
		"192.0.2.1":            "192.0.2.1",
		"2001:db8:1:2:3:4:5:6": "2001:db8:1:2::/64",
		"2001:db8:1:2:ffff::1": "2001:db8:1:2::/64",
		"::ffff:192.0.2.1":     "::ffff:192.0.2.1",
		"not an address":       "not an address",
	} {
		if got := addressGroup(in); got != want {
			t.Errorf("addressGroup(%q) = %q, want %q", in, got, want)
		}
	}
}

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

// The failure counts are bounded: past loginKeys, expired ones are swept.
func TestLoginFailureCountsAreBounded(t *testing.T) {
	g := newLoginGuard(LoginLimits{Window: time.Minute})
	start := time.Unix(0, 0)
	for i := range loginKeys {
		g.failures[strconv.Itoa(i)] = &failureCount{n: 1, since: start}
	}
	g.failed("ann", "192.0.2.1", start.Add(2*time.Minute))
	if len(g.failures) != 2 {
		t.Fatalf("%d counts kept, want the 2 new ones after a sweep", len(g.failures))
	}
}

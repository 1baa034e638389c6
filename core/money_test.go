package core_test

import (
	"context"
	"errors"
	"strconv"
	"strings"
	"testing"

	"gorm.io/gorm"

	"crmgw/core"
)

// Every figure a dialect shows is a sum of cents. Amounts are bounded, but a
// tenant may hold any number of them: no sum may overflow on either engine.
// Amounts near 2^63 cents are written beside core (no write path accepts them)
// so that three of them overflow a 64-bit sum.
func TestSumsCannotOverflow(t *testing.T) {
	eachEngine(t, func(t *testing.T, db *gorm.DB, svc *core.Service) {
		ctx := context.Background()
		o := newOrg(t, svc, "acme", "sales", "ann")
		k := contract(t, svc, o.caller, "K1", "1", "2015-10-01")
		const huge = "4000000000000000001" // cents, each below 2^63
		for _, sn := range []string{"K2", "K3"} {
			c := contract(t, svc, o.caller, sn, "1", "2015-10-01")
			must(t, db.Exec("UPDATE contracts SET total_amount = "+huge+" WHERE id = ?", c.ID).Error)
		}
		must(t, db.Exec("UPDATE contracts SET total_amount = "+huge+" WHERE id = ?", k.ID).Error)
		for range 3 {
			pay(t, svc, o.caller, k, core.PaymentIn, "1", "2015-10-02")
		}
		must(t, db.Exec("UPDATE payments SET amount = "+huge).Error)
		must(t, core.RecountFigures(db)) // the month counters, written beside core too

		const want = "120000000000000000.03" // 3 × 4000000000000000001 cents, in yuan
		f, err := svc.MonthFigures(ctx, o.caller, core.Month{Year: 2015, Month: 10})
		must(t, err)
		if f.Deal == nil || f.Deal.StringFixed(2) != want || f.Back == nil || f.Back.StringFixed(2) != want {
			t.Fatalf("month figures = deal %v, back %v; want %s each", f.Deal, f.Back, want)
		}
		page, err := svc.ContractFigures(ctx, o.caller, core.ContractQuery{Month: core.Month{Year: 2015, Month: 10}, Scope: core.ScopeCompany, Size: 20})
		must(t, err)
		if got := page.Items[0].Received.StringFixed(2); got != want {
			t.Fatalf("contracts/count received = %s, want %s", got, want)
		}
		list, err := svc.ListContracts(ctx, o.caller, core.ContractListQuery{Sort: "created_at", Page: 1, PerPage: 20})
		must(t, err)
		var received string
		for _, it := range list.Items {
			if it.ID == k.ID {
				received = it.Received.StringFixed(2)
			}
		}
		if received != want {
			t.Fatalf("contract list received = %s, want %s", received, want)
		}
		d, err := svc.GetContract(ctx, o.caller, k.ID)
		must(t, err)
		if got := d.Received.StringFixed(2); got != want {
			t.Fatalf("contract detail received = %s, want %s", got, want)
		}
	})
}

// The largest amount is below a trillion yuan, and its text is bounded before
// any arithmetic: a long or huge-exponent number is refused at once.
func TestParseMoneyBounds(t *testing.T) {
	for _, ok := range []string{"999999999999.99", "-999999999999.99", "0.10", "9.9999999999999E11", "2.0E7"} {
		if _, err := core.ParseMoney(ok); err != nil {
			t.Errorf("ParseMoney(%q): %v", ok, err)
		}
	}
	for _, bad := range []string{"1000000000000", "9999999999999999.99", "1e12", "1e999999999", "1e-999999999",
		strings.Repeat("9", 1_000_000), "0." + strings.Repeat("0", 100) + "1"} {
		_, err := core.ParseMoney(bad)
		if err == nil {
			t.Errorf("ParseMoney(%s) accepted", core.Excerpt(bad))
		} else if len(err.Error()) > 120 {
			t.Errorf("ParseMoney(%s) error is %d bytes long: %s", core.Excerpt(bad), len(err.Error()), core.Excerpt(err.Error()))
		}
	}
}

// An error quotes at most 32 characters of a bad value, as valid UTF-8.
func TestExcerpt(t *testing.T) {
	for in, want := range map[string]string{
		"short":                          "short",
		strings.Repeat("长", 32):          strings.Repeat("长", 32),
		strings.Repeat("长", 33):          strings.Repeat("长", 32) + "…",
		strings.Repeat("9", 1<<20):       strings.Repeat("9", 32) + "…",
		"a\xffb":                         "a\uFFFDb",
		strings.Repeat("\xff", 5) + "ok": "\uFFFDok", // a run of invalid bytes is one U+FFFD
	} {
		if got := core.Excerpt(in); got != want {
			t.Errorf("Excerpt(%d bytes) = %q, want %q", len(in), got, want)
		}
	}
}

// Ids from the wire: digits up to MaxID; past it, ErrIDRange; long text is
// refused before it is parsed.
func TestParseID(t *testing.T) {
	for in, want := range map[string]error{
		"1": nil, "9223372036854775807": nil, "0000000000000000000000000000000000000042": nil,
		"9223372036854775808": core.ErrIDRange, "18446744073709551616": core.ErrIDRange, strings.Repeat("9", 1<<20): core.ErrIDRange,
		"": strconv.ErrSyntax, "-1": strconv.ErrSyntax, "1.0": strconv.ErrSyntax, strings.Repeat("x", 1<<20): strconv.ErrSyntax,
	} {
		if _, err := core.ParseID(in); !errors.Is(err, want) && err != want {
			t.Errorf("ParseID(%s) = %v, want %v", core.Excerpt(in), err, want)
		}
	}
	if _, err := core.ParseMoney("12abc"); !errors.Is(err, core.ErrNotANumber) {
		t.Errorf("ParseMoney(12abc) = %v, want ErrNotANumber", err)
	}
	if _, err := core.ParseMoney("1e9999"); err == nil || errors.Is(err, core.ErrNotANumber) {
		t.Errorf("ParseMoney(1e9999) = %v, want too large, a number all the same", err)
	}
}

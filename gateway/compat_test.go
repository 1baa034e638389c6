package gateway_test

import (
	"log/slog"
	"strings"
	"testing"

	"crmgw/config"
	"crmgw/core"
	"crmgw/gateway"
)

// The embedded table parses, and has one row for each endpoint of each
// dialect the default configuration serves, in the order of its table, and
// no other: the console lists every endpoint served, and only those.
func TestCompatibilityCoversEveryEndpoint(t *testing.T) {
	cfg, err := config.Load(nil)
	if err != nil {
		t.Fatal(err)
	}
	s := gateway.New(cfg, core.NewService(nil, core.Options{}), slog.New(slog.DiscardHandler))
	var want []string
	for _, d := range s.Dialects() {
		if d.Name == "fifth" { // this package's own, registered for its tests (fifth_dialect_test.go)
			continue
		}
		for _, ep := range d.Endpoints {
			want = append(want, d.Name+" "+strings.Join(ep.Methods, ", ")+" "+ep.Path)
		}
	}
	rows := gateway.Compatibility()
	var got []string
	for _, r := range rows {
		got = append(got, r.Dialect+" "+r.Method+" "+r.Path)
		if !r.Served || r.Summary == "" || r.DocExamples < 0 || r.ClientReplays == nil {
			t.Errorf("%s %s %s: %+v, want served, with a summary, counts and a list of replays", r.Dialect, r.Method, r.Path, r)
		}
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("the compatibility table's endpoints:\n%s\n\nthe dialects' tables:\n%s\n(go test ./test -update-docs regenerates it)",
			strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	var docs, replays int
	for _, r := range rows {
		docs += r.DocExamples
		replays += len(r.ClientReplays)
	}
	if docs == 0 || replays == 0 {
		t.Errorf("%d doc examples and %d client replays in the table: the suite records some of each", docs, replays)
	}
}

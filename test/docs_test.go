package test

import (
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"crmgw/adapters"
	"crmgw/config"
	"crmgw/core"
	"crmgw/gateway"
)

var updateDocs = flag.Bool("update-docs", false, "rewrite the endpoint tables of docs/dialects/*.md from the dialects' tables, "+
	"and, after a run of every test, the compatibility table (docs/compatibility.md, gateway/compatibility.json)")

// The marks around the endpoint table each docs/dialects page holds.
const (
	docTableStart = "<!-- endpoints: generated from the dialect's table by `go test ./test -run TestDialectDocs -update-docs` -->\n"
	docTableEnd   = "<!-- end of the generated endpoints -->\n"
)

// Each dialect's page lists its endpoints as its table declares them, with
// the default configuration's paths: the doc cannot drift from what is served.
func TestDialectDocs(t *testing.T) {
	srv, err := defaultServer()
	if err != nil {
		t.Fatal(err)
	}
	for _, d := range srv.Dialects() {
		path := filepath.Join("..", "docs", "dialects", d.Name+".md")
		doc, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		before, rest, found := strings.Cut(string(doc), docTableStart)
		_, after, ended := strings.Cut(rest, docTableEnd)
		if !found || !ended {
			t.Errorf("%s: no endpoint table between %q and %q", path, docTableStart, docTableEnd)
			continue
		}
		want := before + docTableStart + endpointTable(d) + docTableEnd + after
		if *updateDocs {
			if err := os.WriteFile(path, []byte(want), 0o644); err != nil {
				t.Fatal(err)
			}
			continue
		}
		if want != string(doc) {
			t.Errorf("%s: its endpoint table is not its dialect's (go test ./test -run TestDialectDocs -update-docs rewrites it)", path)
		}
	}
}

// defaultServer is a server of the default configuration, without a
// database: its dialects' tables are what the docs describe.
func defaultServer() (*gateway.Server, error) {
	cfg, err := config.Load(nil)
	if err != nil {
		return nil, err
	}
	return gateway.New(cfg, core.NewService(nil, core.Options{}), slog.New(slog.NewTextHandler(io.Discard, nil))), nil
}

// endpointTable is a dialect's table as markdown, in its order. An
// endpoint served alike under several of its prefixes (the WebApi's /OM twin)
// is one row, named under the first; a prefix of paths of its own (yunzmall's
// /admin) has its rows.
func endpointTable(d adapters.Dialect) string {
	var b strings.Builder
	b.WriteString("| method | path | auth | parameters | what |\n|---|---|---|---|---|\n")
	served := map[string]bool{}
	for _, ep := range d.Endpoints {
		served[strings.Join(ep.Methods, ",")+" "+ep.Path] = true
	}
	seen := map[string]bool{}
	twinned := map[string]bool{} // the prefixes whose paths are twins of the first's
	for _, ep := range d.Endpoints {
		path := ep.Path
		for _, p := range d.Prefixes[1:] {
			if rest, under := strings.CutPrefix(path, p+"/"); under && served[strings.Join(ep.Methods, ",")+" "+d.Prefixes[0]+"/"+rest] {
				path = d.Prefixes[0] + "/" + rest
				twinned[p] = true
			}
		}
		key := strings.Join(ep.Methods, ",") + " " + path
		if seen[key] {
			continue
		}
		seen[key] = true
		var params []string
		for _, p := range ep.Params {
			kind := string(p.In) + ", " + p.Type
			if p.Required {
				kind += ", required"
			}
			params = append(params, fmt.Sprintf("`%s` (%s)", p.Name, kind))
		}
		if len(params) == 0 {
			params = []string{"—"}
		}
		fmt.Fprintf(&b, "| %s | `%s` | %s | %s | %s |\n", strings.Join(ep.Methods, ", "), path, ep.Auth,
			cell(strings.Join(params, ", ")), cell(ep.Summary))
	}
	var twins []string
	for _, p := range d.Prefixes[1:] {
		if twinned[p] {
			twins = append(twins, p)
		}
	}
	if len(twins) > 0 {
		fmt.Fprintf(&b, "\nEach path under `%s` is served under `%s` too.\n", d.Prefixes[0], strings.Join(twins, "`, `"))
	}
	return b.String()
}

// cell keeps a table cell's text from ending the cell.
func cell(s string) string { return strings.ReplaceAll(s, "|", `\|`) }

package test

import (
	"bytes"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"

	"crmgw/adapters"
	"crmgw/gateway"
)

// The compatibility table (docs/compatibility.md, gateway/compatibility.json)
// is every endpoint of every dialect's table, with what this package's tests
// proved of it: the vendor-doc examples and the real clients' requests whose
// answers matched a golden file. It is generated after a run of every test,
// and the run fails when the committed files are not what it generated.

// provenance is where the request of a golden comparison came from.
type provenance int

const (
	ordinary   provenance = iota // written for the test
	fromDoc                      // a vendor doc's example
	fromClient                   // a real client's request, as that client sends it
)

// replay is one passing golden comparison of an answer to a doc example or
// to a client replay.
type replay struct {
	dialect, method, route string // the endpoint that answered
	golden                 string // the golden file's name
	test                   string // the top-level test that compared it
	from                   provenance
}

// replays are the comparisons recorded so far, in any order.
var replays struct {
	mu   sync.Mutex
	seen map[replay]bool
}

// recordReplay records that t's answer a, from server s, matched the golden
// file name. An answer no endpoint of the tables gave records nothing.
func recordReplay(t *testing.T, name string, s *answers, a answer, from provenance) {
	dialect, route := s.endpointOf(a)
	if dialect == "" {
		t.Errorf("%s: %s %s is no endpoint of a dialect's table: it cannot count as a replay of one", name, a.method, a.path)
		return
	}
	test, _, _ := strings.Cut(t.Name(), "/")
	replays.mu.Lock()
	defer replays.mu.Unlock()
	if replays.seen == nil {
		replays.seen = map[replay]bool{}
	}
	replays.seen[replay{dialect: dialect, method: a.method, route: route, golden: name, test: test, from: from}] = true
}

func TestMain(m *testing.M) {
	code := m.Run()
	if code == 0 && everyTestRan() {
		if err := checkCompatibility(); err != nil {
			fmt.Fprintln(os.Stderr, err)
			code = 1
		}
	}
	os.Exit(code)
}

// everyTestRan reports whether the run was of every test, in full: only then
// are the replays recorded all there are.
func everyTestRan() bool {
	for _, name := range []string{"test.run", "test.skip", "test.list"} {
		if f := flag.Lookup(name); f != nil && f.Value.String() != "" {
			return false
		}
	}
	return !testing.Short()
}

// The marks around the generated part of docs/compatibility.md.
const (
	compatStart = "<!-- compatibility: generated from the endpoint tables, the golden files and the client replays by `go test ./test -update-docs` -->\n"
	compatEnd   = "<!-- end of the generated compatibility table -->\n"
)

var (
	compatDoc  = filepath.Join("..", "docs", "compatibility.md")
	compatJSON = filepath.Join("..", "gateway", "compatibility.json")
)

// checkCompatibility generates the compatibility table from the default
// configuration's dialects and the replays recorded, and compares it with the
// committed files (or, with -update-docs, writes them).
func checkCompatibility() error {
	srv, err := defaultServer()
	if err != nil {
		return err
	}
	replays.mu.Lock()
	var seen []replay
	for r := range replays.seen {
		seen = append(seen, r)
	}
	replays.mu.Unlock()
	rows := compatRows(srv.Dialects(), seen)
	js, err := json.MarshalIndent(rows, "", "  ")
	if err != nil {
		return err
	}
	js = append(js, '\n')
	doc, err := os.ReadFile(compatDoc)
	if err != nil {
		return err
	}
	before, rest, found := strings.Cut(string(doc), compatStart)
	_, after, ended := strings.Cut(rest, compatEnd)
	if !found || !ended {
		return fmt.Errorf("%s: no compatibility table between %q and %q", compatDoc, compatStart, compatEnd)
	}
	md := []byte(before + compatStart + compatMarkdown(rows) + compatEnd + after)
	if *updateDocs {
		return errors.Join(os.WriteFile(compatDoc, md, 0o644), os.WriteFile(compatJSON, js, 0o644))
	}
	var stale []string
	for _, f := range []struct {
		path string
		want []byte
	}{{compatDoc, md}, {compatJSON, js}} {
		if got, err := os.ReadFile(f.path); err != nil || !bytes.Equal(got, f.want) {
			stale = append(stale, strings.TrimPrefix(filepath.ToSlash(f.path), "../")) // as the repository names it
		}
	}
	if len(stale) > 0 {
		return fmt.Errorf("the compatibility table in %s is not what the tests replayed: go test ./test -update-docs rewrites it (a run of the whole package, as the table is what every test proved)",
			strings.Join(stale, " and "))
	}
	return nil
}

// compatRows is one row per endpoint of each dialect's table, in its order,
// with the doc examples (distinct golden files) and the client replays (the
// tests) that matched a golden file of an answer of that endpoint.
func compatRows(dialects []adapters.Dialect, seen []replay) []gateway.CompatRow {
	var rows []gateway.CompatRow
	for _, d := range dialects {
		for _, ep := range d.Endpoints {
			row := gateway.CompatRow{Dialect: d.Name, Method: strings.Join(ep.Methods, ", "), Path: ep.Path,
				Summary: ep.Summary, Served: true, ClientReplays: []string{}}
			docs := map[string]bool{}
			for _, r := range seen {
				if r.dialect != d.Name || r.route != ep.Path || !slices.Contains(ep.Methods, r.method) {
					continue
				}
				switch r.from {
				case fromDoc:
					docs[r.golden] = true
				case fromClient:
					if !slices.Contains(row.ClientReplays, r.test) {
						row.ClientReplays = append(row.ClientReplays, r.test)
					}
				}
			}
			row.DocExamples = len(docs)
			slices.Sort(row.ClientReplays)
			rows = append(rows, row)
		}
	}
	return rows
}

// compatMarkdown is the table as docs/compatibility.md shows it: one table
// per dialect, after a line counting what its tests prove.
func compatMarkdown(rows []gateway.CompatRow) string {
	var b strings.Builder
	for i := 0; i < len(rows); {
		dialect := rows[i].Dialect
		j := i
		for j < len(rows) && rows[j].Dialect == dialect {
			j++
		}
		var docs, clients int
		for _, r := range rows[i:j] {
			if r.DocExamples > 0 {
				docs++
			}
			if len(r.ClientReplays) > 0 {
				clients++
			}
		}
		fmt.Fprintf(&b, "\n## %s\n\n%d endpoints ([the dialect's page](dialects/%s.md)): %d with a doc example replayed, %d with a client replay.\n\n",
			dialect, j-i, dialect, docs, clients)
		b.WriteString("| method | path | summary | doc examples | client replays |\n|---|---|---|---|---|\n")
		for _, r := range rows[i:j] {
			replayed := "—"
			if len(r.ClientReplays) > 0 {
				replayed = "`" + strings.Join(r.ClientReplays, "`, `") + "`"
			}
			fmt.Fprintf(&b, "| %s | `%s` | %s | %d | %s |\n", r.Method, r.Path, cell(r.Summary), r.DocExamples, replayed)
		}
		i = j
	}
	b.WriteString("\n")
	return b.String()
}

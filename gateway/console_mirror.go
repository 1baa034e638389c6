package gateway

import (
	"net/http"

	"github.com/labstack/echo/v4"

	"crmgw/core"
)

const (
	// consoleTopFields is how many differing fields the diff report shows an
	// endpoint with, the most frequent first; consoleCompatFields the
	// compatibility table.
	consoleTopFields    = 20
	consoleCompatFields = 3
	// consoleExamples is how many examples of one field's difference are shown.
	consoleExamples = 50
)

// diff is the mirror's report: per endpoint, how its answers compared with
// the upstream's, and the fields that differed, each linking to its examples.
// ?dialect= and ?endpoint= narrow it.
func (c *console) diff(ec echo.Context) error {
	dialect, endpoint := ec.QueryParam("dialect"), ec.QueryParam("endpoint")
	report, err := c.s.svc.MirrorReport(ec.Request().Context(), dialect, consoleTopFields)
	if err != nil {
		return c.fail(ec, err)
	}
	if endpoint != "" {
		var only []core.EndpointReport
		for _, r := range report {
			if r.Endpoint == endpoint {
				only = append(only, r)
			}
		}
		report = only
	}
	d := struct {
		Dialect, Endpoint string
		Dialects          []string
		Report            []core.EndpointReport
	}{Dialect: dialect, Endpoint: endpoint, Report: report}
	for _, dl := range c.s.dialects {
		d.Dialects = append(d.Dialects, dl.Name)
	}
	return c.render(ec, http.StatusOK, "diff", pageData{Title: "Diff report", Data: d})
}

// field shows the examples kept of one field's difference at one endpoint.
func (c *console) field(ec echo.Context) error {
	dialect, endpoint, path := ec.QueryParam("dialect"), ec.QueryParam("endpoint"), ec.QueryParam("path")
	if dialect == "" || endpoint == "" || path == "" {
		return c.fail(ec, core.NotFoundf("field", "name a dialect, an endpoint and a field's path"))
	}
	examples, err := c.s.svc.FieldExamples(ec.Request().Context(), dialect, endpoint, path, consoleExamples)
	if err != nil {
		return c.fail(ec, err)
	}
	return c.render(ec, http.StatusOK, "field", pageData{Title: dialect + " " + endpoint + " · " + path, Nav: "diff",
		Data: struct {
			Dialect, Endpoint, Path string
			Examples                []core.FieldExample
		}{dialect, endpoint, path, examples}})
}

// compatRow is a row of the compatibility table with what the mirror saw of
// its endpoint (nil when it compared nothing there).
type compatRow struct {
	CompatRow
	Live *core.EndpointReport
}

// compat is the compatibility table: per dialect and endpoint, whether it is
// served, the vendor-doc examples and real-client replays that prove it, and
// the differences the mirror has seen live.
func (c *console) compat(ec echo.Context) error {
	report, err := c.s.svc.MirrorReport(ec.Request().Context(), "", consoleCompatFields)
	if err != nil {
		return c.fail(ec, err)
	}
	live := map[[2]string]*core.EndpointReport{}
	for i, r := range report {
		live[[2]string{r.Dialect, r.Endpoint}] = &report[i]
	}
	table := Compatibility()
	rows := make([]compatRow, len(table))
	for i, r := range table {
		rows[i] = compatRow{CompatRow: r, Live: live[[2]string{r.Dialect, r.Path}]}
	}
	return c.render(ec, http.StatusOK, "compat", pageData{Title: "Compatibility", Data: rows})
}

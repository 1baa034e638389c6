package gateway

import (
	"net/http"
	"sort"
	"strconv"

	"github.com/labstack/echo/v4"
	dto "github.com/prometheus/client_model/go"

	"crmgw/core"
)

// consoleImports is how many import runs the console lists, newest first.
const consoleImports = 100

// overview is the console's first page: what is there, and what went wrong.
func (c *console) overview(ec echo.Context) error {
	ctx := ec.Request().Context()
	tenants, err := c.s.svc.Tenants(ctx)
	if err != nil {
		return c.fail(ec, err)
	}
	traffic, err := c.trafficRows()
	if err != nil {
		return c.fail(ec, err)
	}
	runs, err := c.s.svc.ImportRuns(ctx, 3)
	if err != nil {
		return c.fail(ec, err)
	}
	mirrored, err := c.s.svc.MirrorReport(ctx, "", 0)
	if err != nil {
		return c.fail(ec, err)
	}
	var d struct {
		Tenants                           int
		Requests, Errors                  int64
		Compared, Different, MirrorErrors int64
		Dialects                          []string
		Imports                           []core.ImportRunInfo
	}
	d.Tenants, d.Imports = len(tenants), runs
	for _, r := range mirrored {
		d.Compared += r.Compared
		d.Different += r.Different
		d.MirrorErrors += r.Errors
	}
	for _, r := range traffic {
		d.Requests += r.Requests
		d.Errors += r.Errors
	}
	for _, dl := range c.s.dialects {
		d.Dialects = append(d.Dialects, dl.Name)
	}
	return c.render(ec, http.StatusOK, "overview", pageData{Title: "Overview", Data: d})
}

// tenants lists every tenant with its ids in the dialects.
func (c *console) tenants(ec echo.Context) error {
	ts, err := c.s.svc.Tenants(ec.Request().Context())
	if err != nil {
		return c.fail(ec, err)
	}
	type row struct {
		core.Tenant
		IDs core.DialectIDs
	}
	rows := make([]row, len(ts))
	for i, t := range ts {
		rows[i] = row{t, t.DialectIDs()}
	}
	return c.render(ec, http.StatusOK, "tenants", pageData{Title: "Tenants", Data: rows})
}

// tokens lists a tenant's tokens: ids, users and dates, never a value
// (none is kept), each with a form that revokes it.
func (c *console) tokens(ec echo.Context) error {
	t, err := c.tenant(ec)
	if err != nil {
		return c.fail(ec, err)
	}
	list, err := c.s.svc.ListTokens(ec.Request().Context(), t.ID)
	if err != nil {
		return c.fail(ec, err)
	}
	flash := ""
	if id := ec.QueryParam("revoked"); id != "" {
		if _, err := core.ParseID(id); err == nil {
			flash = "Token " + id + " revoked: it is refused from the next request on."
		}
	}
	return c.render(ec, http.StatusOK, "tokens", pageData{Title: "Tokens of " + t.Name, Nav: "tenants", Flash: flash,
		Data: struct {
			Tenant core.Tenant
			Tokens []core.TokenInfo
		}{t, list}})
}

// revoke revokes one of the tenant's tokens by id; an id of another
// tenant's token is not found, and nothing is revoked.
func (c *console) revoke(ec echo.Context) error {
	t, err := c.tenant(ec)
	if err != nil {
		return c.fail(ec, err)
	}
	id, err := c.idParam(ec, "token")
	if err != nil {
		return c.fail(ec, err)
	}
	if err := c.s.svc.RevokeTokenByID(ec.Request().Context(), t.ID, id); err != nil {
		return c.fail(ec, err)
	}
	c.s.log.Info("console: token revoked", "tenant", t.ID, "token_id", id, "admin_token", ec.Get(ctxWho).(core.AdminTokenInfo).ID)
	return ec.Redirect(http.StatusSeeOther, consolePath+"tenants/"+strconv.FormatUint(t.ID, 10)+"/tokens?revoked="+strconv.FormatUint(id, 10))
}

// trafficRow is one endpoint's requests since the process started.
type trafficRow struct {
	Dialect, Endpoint string
	Requests, Errors  int64
	Answers           []trafficAnswer // by HTTP status and wire code, the most frequent first
}

type trafficAnswer struct {
	Status, Code string
	Count        int64
	Error        bool
}

// traffic shows the requests per dialect and endpoint, and their errors.
func (c *console) traffic(ec echo.Context) error {
	rows, err := c.trafficRows()
	if err != nil {
		return c.fail(ec, err)
	}
	return c.render(ec, http.StatusOK, "traffic", pageData{Title: "Traffic", Data: rows})
}

// trafficRows reads crmgw_requests_total from the server's own registry: the
// figures /metrics serves, since this process started. An answer is an error
// when its status is 400 or more or its wire code is not its dialect's
// SuccessCode (three dialects answer errors with HTTP 200).
func (c *console) trafficRows() ([]trafficRow, error) {
	families, err := c.s.metrics.registry.Gather()
	if err != nil {
		return nil, err
	}
	success := map[string]string{}
	for _, d := range c.s.dialects {
		success[d.Name] = d.SuccessCode
	}
	byKey := map[[2]string]*trafficRow{}
	for _, f := range families {
		if f.GetName() != "crmgw_requests_total" {
			continue
		}
		for _, m := range f.GetMetric() {
			l := labels(m)
			key := [2]string{l["dialect"], l["endpoint"]}
			r := byKey[key]
			if r == nil {
				r = &trafficRow{Dialect: key[0], Endpoint: key[1]}
				byKey[key] = r
			}
			a := trafficAnswer{Status: l["status"], Code: l["code"], Count: int64(m.GetCounter().GetValue())}
			status, _ := strconv.Atoi(a.Status)
			ok := success[r.Dialect]
			a.Error = status >= 400 || (ok != "" && a.Code != "" && a.Code != ok)
			r.Requests += a.Count
			if a.Error {
				r.Errors += a.Count
			}
			r.Answers = append(r.Answers, a)
		}
	}
	rows := make([]trafficRow, 0, len(byKey))
	for _, r := range byKey {
		sort.Slice(r.Answers, func(i, j int) bool { return r.Answers[i].Count > r.Answers[j].Count })
		rows = append(rows, *r)
	}
	sort.Slice(rows, func(i, j int) bool {
		if rows[i].Dialect != rows[j].Dialect {
			return rows[i].Dialect < rows[j].Dialect
		}
		return rows[i].Endpoint < rows[j].Endpoint
	})
	return rows, nil
}

func labels(m *dto.Metric) map[string]string {
	out := map[string]string{}
	for _, p := range m.GetLabel() {
		out[p.GetName()] = p.GetValue()
	}
	return out
}

// imports lists the import runs, newest first, with what each did.
func (c *console) imports(ec echo.Context) error {
	runs, err := c.s.svc.ImportRuns(ec.Request().Context(), consoleImports)
	if err != nil {
		return c.fail(ec, err)
	}
	return c.render(ec, http.StatusOK, "imports", pageData{Title: "Imports", Data: runs})
}

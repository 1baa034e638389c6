package oa

import (
	"context"
	"errors"
	"fmt"

	"github.com/labstack/echo/v4"

	"crmgw/core"
)

// handler is an endpoint's work, knowing no HTTP: it answers the data of a
// success envelope (or a page), or an error the dialect renders.
type handler func(ctx context.Context, caller core.Caller, p params) (any, error)

// handle serves a token endpoint: it resolves access_token (query string, or
// a POST's form body) to the caller, binds the request, runs h and renders
// its answer. No caller, no call: h never runs without one.
func (a *Adapter) handle(h handler) echo.HandlerFunc {
	return func(c echo.Context) error {
		ctx := c.Request().Context()
		caller, err := a.svc.Authenticate(ctx, c.FormValue("access_token"))
		if err != nil {
			return err
		}
		res, err := h(ctx, caller, bind(c))
		return render(c, res, err)
	}
}

// handleLogin serves the login, which has no caller yet.
func (a *Adapter) handleLogin(h func(ctx context.Context, p params) (any, error)) echo.HandlerFunc {
	return func(c echo.Context) error {
		res, err := h(c.Request().Context(), bind(c))
		return render(c, res, err)
	}
}

// render answers what a handler returned: its error, a page, or plain data.
func render(c echo.Context, res any, err error) error {
	if err != nil {
		return err
	}
	if pg, paged := res.(page); paged {
		return okPage(c, pg.rows, pg.total, pg.size)
	}
	return ok(c, res)
}

// home answers GET /crm/home: the caller's figures for the current month.
func (a *Adapter) home(ctx context.Context, caller core.Caller, _ params) (any, error) {
	f, err := a.svc.MonthFigures(ctx, caller, a.svc.CurrentMonth(caller))
	if err != nil {
		return nil, err
	}
	return newHomeData(f), nil
}

// monthPlan answers POST /crm/monthplan: it sets the caller's target for
// yearmonth, then answers the current month's figures as home does (the doc's example).
func (a *Adapter) monthPlan(ctx context.Context, caller core.Caller, p params) (any, error) {
	ym, err := p.required("yearmonth")
	if err != nil {
		return nil, err
	}
	amountText, err := p.required("targetamount")
	if err != nil {
		return nil, err
	}
	month, err := core.ParseMonth(ym)
	if err != nil {
		return nil, statusError(codeFormat, fmt.Sprintf("yearmonth 应为 yyyy-MM: %q", core.Excerpt(ym)))
	}
	amount, err := core.ParseMoney(amountText)
	switch {
	case errors.Is(err, core.ErrNotANumber):
		return nil, statusError(codeType, fmt.Sprintf("targetamount 应为数字: %q", core.Excerpt(amountText)))
	case err != nil:
		return nil, statusError(codeFormat, fmt.Sprintf("targetamount: %v", err))
	}
	f, err := a.svc.PlanMonth(ctx, caller, month, amount)
	if err != nil {
		return nil, err
	}
	return newHomeData(f), nil
}

// contractsCount answers GET /crm/contracts/count: contracts signed in
// year/month by the users (flag 0), the department (1) or the company (2) in ids.
func (a *Adapter) contractsCount(ctx context.Context, caller core.Caller, p params) (any, error) {
	now := a.svc.CurrentMonth(caller)
	year, err := p.optionalInt("year", now.Year)
	if err != nil {
		return nil, err
	}
	monthNo, err := p.optionalInt("month", int(now.Month))
	if err != nil {
		return nil, err
	}
	month, err := core.NewMonth(year, monthNo)
	if err != nil {
		return nil, statusError(codeFormat, fmt.Sprintf("year/month 不是有效的年月: %d-%d", year, monthNo))
	}
	flag, err := p.optionalInt("flag", 0)
	if err != nil {
		return nil, err
	}
	scopes := map[int]core.Scope{0: core.ScopeUsers, 1: core.ScopeDepartment, 2: core.ScopeCompany}
	scope, known := scopes[flag]
	if !known {
		return nil, statusError(codeFormat, fmt.Sprintf("flag 应为 0(个人)、1(部门) 或 2(公司): %d", flag))
	}
	ids, err := p.idList("ids")
	if err != nil {
		return nil, err
	}
	pageNo, size, err := p.paging(a.svc.MaxPageSize())
	if err != nil {
		return nil, err
	}
	res, err := a.svc.ContractFigures(ctx, caller,
		core.ContractQuery{Month: month, Scope: scope, IDs: ids, Page: pageNo, Size: size})
	if err != nil {
		return nil, err
	}
	rows := make([]contractCount, 0, len(res.Items))
	for _, f := range res.Items {
		rows = append(rows, newContractCount(f))
	}
	return page{rows: rows, total: res.Total, size: size}, nil
}

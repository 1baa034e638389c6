package oa

import (
	"errors"
	"fmt"

	"github.com/labstack/echo/v4"

	"crmgw/core"
)

// home answers GET /crm/home: the caller's figures for the current month.
func (a *Adapter) home(c echo.Context) error {
	caller := callerOf(c)
	f, err := a.svc.MonthFigures(c.Request().Context(), caller, a.svc.CurrentMonth(caller))
	if err != nil {
		return err
	}
	return ok(c, newHomeData(f))
}

// monthPlan answers POST /crm/monthplan: it sets the caller's target for
// yearmonth, then answers the current month's figures as home does (the doc's example).
func (a *Adapter) monthPlan(c echo.Context) error {
	ym, err := required(c, "yearmonth")
	if err != nil {
		return err
	}
	amountText, err := required(c, "targetamount")
	if err != nil {
		return err
	}
	month, err := core.ParseMonth(ym)
	if err != nil {
		return statusError(codeFormat, fmt.Sprintf("yearmonth 应为 yyyy-MM: %q", core.Excerpt(ym)))
	}
	amount, err := core.ParseMoney(amountText)
	switch {
	case errors.Is(err, core.ErrNotANumber):
		return statusError(codeType, fmt.Sprintf("targetamount 应为数字: %q", core.Excerpt(amountText)))
	case err != nil:
		return statusError(codeFormat, fmt.Sprintf("targetamount: %v", err))
	}
	f, err := a.svc.PlanMonth(c.Request().Context(), callerOf(c), month, amount)
	if err != nil {
		return err
	}
	return ok(c, newHomeData(f))
}

// contractsCount answers GET /crm/contracts/count: contracts signed in
// year/month by the users (flag 0), the department (1) or the company (2) in ids.
func (a *Adapter) contractsCount(c echo.Context) error {
	caller := callerOf(c)
	now := a.svc.CurrentMonth(caller)
	year, err := optionalInt(c, "year", now.Year)
	if err != nil {
		return err
	}
	monthNo, err := optionalInt(c, "month", int(now.Month))
	if err != nil {
		return err
	}
	month, err := core.NewMonth(year, monthNo)
	if err != nil {
		return statusError(codeFormat, fmt.Sprintf("year/month 不是有效的年月: %d-%d", year, monthNo))
	}
	flag, err := optionalInt(c, "flag", 0)
	if err != nil {
		return err
	}
	scopes := map[int]core.Scope{0: core.ScopeUsers, 1: core.ScopeDepartment, 2: core.ScopeCompany}
	scope, known := scopes[flag]
	if !known {
		return statusError(codeFormat, fmt.Sprintf("flag 应为 0(个人)、1(部门) 或 2(公司): %d", flag))
	}
	ids, err := idList(c, "ids")
	if err != nil {
		return err
	}
	page, err := optionalInt(c, "page", 0)
	if err != nil {
		return err
	}
	size, err := optionalInt(c, "size", 20)
	if err != nil {
		return err
	}
	if page < 0 {
		return statusError(codeFormat, fmt.Sprintf("page 从 0 开始: %d", page))
	}
	if maxSize := a.svc.MaxPageSize(); size < 1 || size > maxSize {
		return statusError(codeFormat, fmt.Sprintf("size 应在 1 到 %d 之间: %d", maxSize, size))
	}
	res, err := a.svc.ContractFigures(c.Request().Context(), caller,
		core.ContractQuery{Month: month, Scope: scope, IDs: ids, Page: page, Size: size})
	if err != nil {
		return err
	}
	rows := make([]contractCount, 0, len(res.Items))
	for _, f := range res.Items {
		rows = append(rows, newContractCount(f))
	}
	return okPage(c, rows, res.Total, size)
}

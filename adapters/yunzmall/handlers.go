package yunzmall

import (
	"context"
	"fmt"
	"strconv"
	"time"

	"github.com/labstack/echo/v4"

	"crmgw/core"
)

// handler is an endpoint as the plugin's controller is, knowing no HTTP: the
// caller and the bound parameters in, the envelope's data out.
type handler func(ctx context.Context, caller core.Caller, p params) (any, error)

// handle serves h: it binds the parameters and resolves the caller (no
// caller, no call); h's data is answered in the framework's envelope, its
// error by HandleError.
func (a *Adapter) handle(h handler) echo.HandlerFunc {
	return func(c echo.Context) error {
		p, err := bind(c)
		if err != nil {
			return err
		}
		caller, err := a.authenticate(c, p)
		if err != nil {
			return err
		}
		data, err := h(c.Request().Context(), caller, p)
		if err != nil {
			return err
		}
		return ok(c, data)
	}
}

// perPage is the plugin's page size (Laravel's paginate(10), as the example shows).
const perPage = 10

// employeeStat is one row of getStatisticsList, keys in the example's order.
type employeeStat struct {
	ID                uint64  `json:"id"`
	Name              string  `json:"name"`
	FollowCount       int64   `json:"follow_count"`
	LoseCustomerCount int64   `json:"lose_customer_count"`
	CustomerCount     int64   `json:"customer_count"`
	NewCustomerCount  int64   `json:"new_customer_count"`
	OpportunityCount  *int64  `json:"opportunity_count,omitempty"` // absent unless the tenant uses opportunities
	CustomerLastDate  string  `json:"customer_last_date"`
	FollowLastDate    string  `json:"follow_last_date"`
	UserID            *string `json:"userid"`         // the WeCom user id: crmgw keeps none
	AvatarMediaID     *string `json:"avatar_mediaid"` // the WeCom avatar: crmgw keeps none
}

// dateTimeLayout is the plugin's time, to the second, in the tenant's zone.
const dateTimeLayout = "2006-01-02 15:04:05"

// statisticsList answers getStatisticsList: one row per employee.
func (a *Adapter) statisticsList(ctx context.Context, caller core.Caller, p params) (any, error) {
	q := core.EmployeeStatsQuery{Name: p.get("search[name]"), PerPage: perPage, Page: 1}
	for _, f := range []struct {
		key string
		to  *uint64
	}{{"search[department_id]", &q.DepartmentID}, {"search[industry_id]", &q.IndustryID}, {"search[source_id]", &q.SourceID},
		{"search[progress_id]", &q.ProgressID}, {"search[tag_id]", &q.TagID}} {
		id, err := p.id(f.key)
		if err != nil {
			return nil, err
		}
		*f.to = id
	}
	if v := p.get("page"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 {
			return nil, invalid(fmt.Sprintf("page 应为正整数: %q", core.Excerpt(v)))
		}
		q.Page = n
	}
	if err := dateRange(p.list("search[date]"), caller.Location, &q); err != nil {
		return nil, err
	}
	stats, err := a.svc.EmployeeStats(ctx, caller, q)
	if err != nil {
		switch ce := core.AsError(err); {
		case ce.Code == core.ENOTFOUND:
			return nil, invalid(fmt.Sprintf("部门不存在: %d", q.DepartmentID))
		case ce.Code == core.EINVALID && ce.Field == "name":
			return nil, invalid("search[name] 不能包含 NUL 字符")
		}
		return nil, err
	}
	rows := make([]employeeStat, 0, len(stats.Items))
	for _, e := range stats.Items {
		row := employeeStat{ID: e.UserID, Name: e.Name, FollowCount: e.FollowCount, LoseCustomerCount: e.LoseCustomerCount,
			CustomerCount: e.CustomerCount, NewCustomerCount: e.NewCustomerCount,
			CustomerLastDate: orDash(e.CustomerLast, caller.Location), FollowLastDate: orDash(e.FollowLast, caller.Location)}
		if stats.Opportunities {
			row.OpportunityCount = &e.OpportunityCount
		}
		rows = append(rows, row)
	}
	return paginate(p.path, rows, len(rows), q.Page, perPage, stats.Total), nil
}

// dateLayouts are the forms a date picker sends: a day, or a day and time (its day counts).
var dateLayouts = []string{"2006-01-02", dateTimeLayout, "2006-01-02 15:04", time.RFC3339, "2006/01/02"}

// dateRange reads search[date][] = [start, end], both days included; either may be empty.
func dateRange(values []string, loc *time.Location, q *core.EmployeeStatsQuery) error {
	if len(values) > 2 {
		return invalid(fmt.Sprintf("search[date] 应为 [开始日期, 结束日期], 收到 %d 个值", len(values)))
	}
	for i, v := range values {
		if v == "" {
			continue
		}
		var day core.Date
		for _, layout := range dateLayouts {
			if t, err := time.ParseInLocation(layout, v, loc); err == nil {
				day = core.DateOf(t.In(loc))
				break
			}
		}
		if day.IsZero() {
			return invalid(fmt.Sprintf("search[date] 不是有效的日期: %q", core.Excerpt(v)))
		}
		if i == 0 {
			q.From = day
		} else {
			q.To = day
		}
	}
	if !q.From.IsZero() && !q.To.IsZero() && q.To.Before(q.From) {
		return invalid(fmt.Sprintf("search[date] 结束日期 %s 早于开始日期 %s", q.To, q.From))
	}
	return nil
}

// orDash writes a time as the plugin does, "-" when there is none.
func orDash(t *time.Time, loc *time.Location) string {
	if t == nil {
		return "-"
	}
	return t.In(loc).Format(dateTimeLayout)
}

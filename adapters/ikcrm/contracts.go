package ikcrm

import (
	"context"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"

	"github.com/shopspring/decimal"

	"crmgw/core"
)

// contractListItem is a contract in GET /api/v2/contracts, fields as vendor-facts.md lists them.
type contractListItem struct {
	ID                uint64      `json:"id"`
	UserID            uint64      `json:"user_id"`
	UserName          string      `json:"user_name"`
	CustomerID        uint64      `json:"customer_id"`
	CustomerName      string      `json:"customer_name"`
	Title             string      `json:"title"`
	TotalAmount       string      `json:"total_amount"`
	UnreceivedAmount  json.Number `json:"unreceived_amount"`
	ApproveStatus     string      `json:"approve_status"`
	ApproveStatusI18n string      `json:"approve_status_i18n"`
	Status            string      `json:"status"`
	StatusMapped      string      `json:"status_mapped"`
	UpdatedAt         string      `json:"updated_at"`
	IsUserSelf        bool        `json:"is_user_self"`
}

// contractPage is the list's data, keys in the order clients know them.
type contractPage struct {
	Contracts   []contractListItem `json:"contracts"`
	TotalCount  int64              `json:"total_count"`
	PerPage     int                `json:"per_page"`
	Page        int                `json:"page"`
	HasNextPage bool               `json:"has_next_page"`
}

// approveStatusI18n is how the open API names approval states.
var approveStatusI18n = map[string]string{core.ApprovalApplying: "审批中", core.ApprovalApproved: "已通过"}

// rubyDecimal writes a decimal as Rails rendered BigDecimal: "19800.0", "86000.5".
func rubyDecimal(d decimal.Decimal) string {
	s := d.String()
	if !strings.Contains(s, ".") {
		s += ".0"
	}
	return s
}

// timeLayout is the open API's minute-precision time, in the tenant's zone.
const timeLayout = "2006-01-02 15:04"

// listContracts answers GET /api/v2/contracts.
func (a *Adapter) listContracts(ctx context.Context, caller core.Caller, p params) (any, error) {
	qp := p.query
	intParam := func(name string, def int) (int, error) {
		v := strings.TrimSpace(qp.Get(name))
		if v == "" {
			return def, nil
		}
		n, err := 0, strconv.ErrRange
		if len(v) <= maxNumberText {
			n, err = strconv.Atoi(v)
		}
		if err != nil || n < 1 {
			return 0, invalid(fmt.Sprintf("%s 应为正整数: %q", name, core.Excerpt(v)))
		}
		return n, nil
	}
	q := core.ContractListQuery{Query: strings.TrimSpace(qp.Get("query")), Sort: "created_at", Desc: true}
	var err error
	if q.Page, err = intParam("page", 1); err != nil {
		return nil, err
	}
	if q.PerPage, err = intParam("per_page", 15); err != nil {
		return nil, err
	}
	if v := qp.Get("status"); v != "" {
		code, _ := parseID(v)
		status, known := core.ContractStatusOfCode(code)
		if !known {
			return nil, invalid(fmt.Sprintf("status 不是合同状态的 id: %q", core.Excerpt(v)))
		}
		q.Status = status
	}
	if v := qp.Get("approve_status"); v != "" {
		if _, known := approveStatusI18n[v]; !known {
			return nil, invalid(fmt.Sprintf("approve_status 应为 applying 或 approved: %q", core.Excerpt(v)))
		}
		q.ApproveStatus = v
	}
	if v := qp.Get("sort"); v != "" {
		q.Sort = v
	}
	if q.Desc, err = descending(qp); err != nil {
		return nil, err
	}
	if entity := qp.Get("entity"); entity != "" {
		id, why := parseID(qp.Get("entity_id"))
		if why != "" || id == 0 {
			return nil, invalid(fmt.Sprintf("entity_id 应为 %s 的 id: %q", core.Excerpt(entity), core.Excerpt(qp.Get("entity_id"))))
		}
		switch entity {
		case "customer":
			q.CustomerID = id
		case "opportunity":
			q.OpportunityID = id
		default:
			return nil, invalid(fmt.Sprintf("entity 应为 customer 或 opportunity: %q", core.Excerpt(entity)))
		}
	}
	switch qp.Get("tab_type") {
	case "":
	case "my":
		q.Mine = true
	case "sub":
		q.Subordinates = true
	default:
		return nil, invalid(fmt.Sprintf("tab_type 应为 my 或 sub: %q", core.Excerpt(qp.Get("tab_type"))))
	}
	list, err := a.svc.ListContracts(ctx, caller, q)
	if err != nil {
		return nil, err
	}
	statuses, err := a.svc.Dictionary(ctx, caller, core.DictContractStatus)
	if err != nil {
		return nil, err
	}
	statusName := map[uint64]string{}
	for _, d := range statuses {
		statusName[d.Code] = d.Name
	}
	items := make([]contractListItem, 0, len(list.Items))
	for _, k := range list.Items {
		code := core.ContractStatusCode(k.Status)
		items = append(items, contractListItem{
			ID: k.ID, UserID: k.OwnerID, UserName: k.OwnerName, CustomerID: k.CustomerID, CustomerName: k.CustomerName,
			Title: k.Title, TotalAmount: rubyDecimal(k.TotalAmount.Decimal),
			UnreceivedAmount: json.Number(k.Unreceived.String()),
			ApproveStatus:    k.ApproveStatus, ApproveStatusI18n: approveStatusI18n[k.ApproveStatus],
			Status: strconv.FormatUint(code, 10), StatusMapped: statusName[code],
			UpdatedAt: k.UpdatedAt.In(caller.Location).Format(timeLayout), IsUserSelf: k.OwnerID == caller.UserID,
		})
	}
	return contractPage{items, list.Total, q.PerPage, q.Page, int64(q.Page*q.PerPage) < list.Total}, nil
}

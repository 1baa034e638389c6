package oa

// The OA's contracts and their money (vendor-facts-wider.md §3.1): the list,
// one contract, its status, its removal, its receipts (回款) and payments
// (支出) — the OA's payment write path — and every receipt of the tenant.

import (
	"context"
	"errors"
	"fmt"
	"runtime/debug"
	"strconv"
	"strings"
	"time"

	"crmgw/core"
)

// timeLayout is the OA's time, in the tenant's zone; dates are yyyy-MM-dd.
const timeLayout = "2006-01-02 15:04:05"

// statusOfDigit is contractStatus the other way: the OA's 0/1/2 as core's state.
var statusOfDigit = map[string]string{"0": core.ContractExecuting, "1": core.ContractFinished, "2": core.ContractTerminated}

// contractRow is a contract of GET /contracts.
type contractRow struct {
	ID     string `json:"id"`
	Name   string `json:"name"`
	Amount string `json:"amount"`
	Status int    `json:"status"`
}

// person is a user as the OA's contract shows one.
type person struct {
	ID           string `json:"id"`
	Username     string `json:"username"`
	RealName     string `json:"realname"`
	HeadPortrait string `json:"headportrait"`
}

type ref struct {
	ID   string `json:"id"`
	Name string `json:"name"`
}

// contractDetail is GET /contracts/{id}, keys in the order of the OA's table.
type contractDetail struct {
	ID             string     `json:"id"`
	Title          string     `json:"title"`
	Customer       ref        `json:"customer"`
	TotalAmount    any        `json:"totalamount" jsontype:"number"`
	SignDate       string     `json:"signdate"`
	StartDate      string     `json:"startdate"`
	EndDate        string     `json:"enddate"`
	HeadContractor person     `json:"headcontractor"`
	OurContractor  person     `json:"ourcontractor"`
	Creator        person     `json:"creator"`
	CustContractor string     `json:"custcontractor"`
	PayMethod      int        `json:"paymethod"`
	CNo            string     `json:"cno"`
	Content        string     `json:"content"`
	Status         int        `json:"status"`
	Remark         string     `json:"remark"`
	CreateTime     string     `json:"createtime"`
	ModifyTime     string     `json:"modifytime"`
	Images         []struct{} `json:"images"`
}

// moneyRow is a receipt or payment of one contract.
type moneyRow struct {
	Sum       any    `json:"sum" jsontype:"number"`
	DBillDate string `json:"dbilldate"`
	Period    int    `json:"period"`
}

// receivingRow is a receipt of GET /crm/contracts/receiving/all.
type receivingRow struct {
	ID         string      `json:"id"`
	Sum        any         `json:"sum" jsontype:"number"`
	DBillDate  string      `json:"dbilldate"`
	Period     int         `json:"period"`
	Contract   contractTag `json:"contract"`
	Remark     string      `json:"remark"`
	CreateTime string      `json:"createtime"`
	ModifyTime string      `json:"modifytime"`
}

type contractTag struct {
	ID     string `json:"id"`
	Title  string `json:"title"`
	Status int    `json:"status"`
}

func idText(id uint64) string { return strconv.FormatUint(id, 10) }

// contractIDOf reads the path's id: anything but a record's id names no contract (10053).
func contractIDOf(p params) (uint64, error) {
	id, err := core.ParseID(p.id)
	if err != nil || id == 0 {
		return 0, core.NotFoundf("contract", "contract %q not found", core.Excerpt(p.id))
	}
	return id, nil
}

// listContracts answers GET /contracts: keyword (title or number), status 0/1/2, newest first.
func (a *Adapter) listContracts(ctx context.Context, caller core.Caller, p params) (any, error) {
	pageNo, size, err := p.paging(a.svc.MaxPageSize())
	if err != nil {
		return nil, err
	}
	q := core.ContractListQuery{Query: strings.TrimSpace(p.form.Get("keyword")), Sort: "created_at", Desc: true,
		Page: pageNo + 1, PerPage: size}
	if v := strings.TrimSpace(p.form.Get("status")); v != "" {
		status, known := statusOfDigit[v]
		if !known {
			return nil, statusError(codeFormat, fmt.Sprintf("status 应为 0(执行中)、1(结束) 或 2(意外终止): %q", core.Excerpt(v)))
		}
		q.Status = status
	}
	list, err := a.svc.ListContracts(ctx, caller, q)
	if err != nil {
		return nil, err
	}
	rows := make([]contractRow, 0, len(list.Items))
	for _, k := range list.Items {
		rows = append(rows, contractRow{ID: idText(k.ID), Name: k.Title, Amount: k.TotalAmount.StringFixed(2), Status: contractStatus[k.Status]})
	}
	return page{rows: rows, total: list.Total, size: size}, nil
}

// payMethods are the OA's paymethod 1–3 for the default payment types
// (现金, 支票, 银行转账); any other, or none, is 0.
var payMethods = map[uint64]int{1: 1, 2: 2, 3: 3}

// showContract answers GET /contracts/{id}.
func (a *Adapter) showContract(ctx context.Context, caller core.Caller, p params) (any, error) {
	id, err := contractIDOf(p)
	if err != nil {
		return nil, err
	}
	d, err := a.svc.GetContract(ctx, caller, id)
	if err != nil {
		return nil, err
	}
	loc := caller.Location
	user := func(u core.User) person {
		if u.ID == 0 {
			return person{}
		}
		return person{ID: idText(u.ID), Username: u.Name, RealName: u.RealName}
	}
	return contractDetail{ID: idText(d.ID), Title: d.Title, Customer: ref{idText(d.Customer.ID), d.Customer.Name},
		TotalAmount: javaDouble(d.TotalAmount.Decimal), SignDate: d.SignDate.String(), StartDate: d.StartDate.String(),
		EndDate: d.EndDate.String(), HeadContractor: user(d.Owner),
		// crmgw keeps our signer as a name, not a user: it is the realname.
		OurContractor: person{RealName: d.OurSigner}, Creator: user(d.Creator), CustContractor: d.CustomerSigner,
		PayMethod: payMethods[d.PaymentTypeID], CNo: d.SN, Content: d.SpecialTerms, Status: contractStatus[d.Status],
		CreateTime: d.CreatedAt.In(loc).Format(timeLayout), ModifyTime: d.UpdatedAt.In(loc).Format(timeLayout),
		Images: []struct{}{}}, nil
}

// patchContract answers PATCH /contracts/{id}: status* 0/1/2.
func (a *Adapter) patchContract(ctx context.Context, caller core.Caller, p params) (any, error) {
	id, err := contractIDOf(p)
	if err != nil {
		return nil, err
	}
	v, err := p.required("status")
	if err != nil {
		return nil, err
	}
	status, known := statusOfDigit[v]
	switch {
	case !known && strings.Trim(v, "0123456789") != "":
		return nil, statusError(codeType, fmt.Sprintf("status 应为数字: %q", core.Excerpt(v)))
	case !known:
		return nil, statusError(codeFormat, fmt.Sprintf("status 应为 0(执行中)、1(结束) 或 2(意外终止): %q", core.Excerpt(v)))
	}
	if _, err := a.svc.UpdateContract(ctx, caller, id, core.ContractChange{Status: &status}); err != nil {
		return nil, err
	}
	return struct{}{}, nil
}

// deleteContract answers DELETE /contracts/{id}: the contract goes with its payments and plans.
func (a *Adapter) deleteContract(ctx context.Context, caller core.Caller, p params) (any, error) {
	id, err := contractIDOf(p)
	if err != nil {
		return nil, err
	}
	if err := a.svc.DeleteContract(ctx, caller, id); err != nil {
		return nil, err
	}
	return struct{}{}, nil
}

// listMoney answers GET /contracts/{id}/receiving (direction in) or /spending
// (out): the contract's payments, oldest first, numbered as periods.
func (a *Adapter) listMoney(direction string) handler {
	return func(ctx context.Context, caller core.Caller, p params) (any, error) {
		id, err := contractIDOf(p)
		if err != nil {
			return nil, err
		}
		pageNo, size, err := p.paging(a.svc.MaxPageSize())
		if err != nil {
			return nil, err
		}
		list, err := a.svc.Payments(ctx, caller, core.PaymentQuery{ContractID: id, Direction: direction, Page: pageNo + 1, PerPage: size})
		if err != nil {
			return nil, err
		}
		rows := make([]moneyRow, 0, len(list.Items))
		for _, m := range list.Items {
			rows = append(rows, moneyRow{Sum: javaDouble(m.Amount.Decimal), DBillDate: m.PaidOn.String(), Period: m.Period})
		}
		return page{rows: rows, total: list.Total, size: size}, nil
	}
}

// addMoney answers POST /contracts/{id}/receiving or /spending: sum* and
// dbilldate* (yyyy-MM-dd) recorded as a payment in or out, which home's
// monthback and contracts/count's totals count at once.
func (a *Adapter) addMoney(direction string) handler {
	return func(ctx context.Context, caller core.Caller, p params) (any, error) {
		id, err := contractIDOf(p)
		if err != nil {
			return nil, err
		}
		sumText, err := p.required("sum")
		if err != nil {
			return nil, err
		}
		dateText, err := p.required("dbilldate")
		if err != nil {
			return nil, err
		}
		sum, err := core.ParseMoney(sumText)
		switch {
		case errors.Is(err, core.ErrNotANumber):
			return nil, statusError(codeType, fmt.Sprintf("sum 应为数字: %q", core.Excerpt(sumText)))
		case err != nil:
			return nil, statusError(codeFormat, fmt.Sprintf("sum: %v", err))
		}
		day, err := core.ParseDate(dateText)
		if err != nil {
			return nil, statusError(codeFormat, "dbilldate: "+err.Error())
		}
		if err := core.CheckDate("", day); err != nil {
			return nil, statusError(codeFormat, "dbilldate "+core.AsError(err).Message)
		}
		_, err = a.svc.AddPayment(ctx, caller, core.NewPayment{ContractID: id, Direction: direction, Amount: sum, PaidOn: day})
		if ce := core.AsError(err); err != nil && ce.Code == core.EINVALID && ce.Field == core.FieldAmount {
			return nil, statusError(codeFormat, "sum: "+ce.Message) // the target's name is not this one's
		}
		if err != nil {
			return nil, err
		}
		return struct{}{}, nil
	}
}

// allReceiving answers GET /crm/contracts/receiving/all: every receipt of the tenant, newest first.
func (a *Adapter) allReceiving(ctx context.Context, caller core.Caller, p params) (any, error) {
	pageNo, size, err := p.paging(a.svc.MaxPageSize())
	if err != nil {
		return nil, err
	}
	list, err := a.svc.Payments(ctx, caller, core.PaymentQuery{Direction: core.PaymentIn, Newest: true, Page: pageNo + 1, PerPage: size})
	if err != nil {
		return nil, err
	}
	rows := make([]receivingRow, 0, len(list.Items))
	for _, m := range list.Items {
		created := m.CreatedAt.In(caller.Location).Format(timeLayout) // a payment is never changed
		rows = append(rows, receivingRow{ID: idText(m.ID), Sum: javaDouble(m.Amount.Decimal), DBillDate: m.PaidOn.String(),
			Period: m.Period, Contract: contractTag{idText(m.ContractID), m.ContractTitle, contractStatus[m.ContractStatus]},
			Remark: m.Remark, CreateTime: created, ModifyTime: created})
	}
	return page{rows: rows, total: list.Total, size: size}, nil
}

// versionData is GET /version: whether a newer client is to be had, and
// the version served. crmgw serves no client downloads, so there is never a
// newer one; vers describes the crmgw build.
type versionData struct {
	Updated bool        `json:"updated"`
	Vers    versionInfo `json:"vers"`
}

type versionInfo struct {
	Code       int    `json:"code"`
	Name       string `json:"name"`
	Link       string `json:"link"`
	Type       int    `json:"type"` // 1 Android, 2 iOS: the client's tt
	Content    string `json:"content"`
	CreateTime string `json:"createtime"`
	IsForce    bool   `json:"isforce"`
}

// version answers GET /version, which needs no token.
func (a *Adapter) version(_ context.Context, p params) (any, error) {
	v := versionInfo{Name: "crmgw", Type: 1}
	if p.form.Get("tt") == "2" {
		v.Type = 2
	}
	if info, ok := debug.ReadBuildInfo(); ok {
		name := info.Main.Version
		for _, s := range info.Settings {
			switch s.Key {
			case "vcs.revision":
				name = s.Value[:min(len(s.Value), 12)]
			case "vcs.time":
				if t, err := time.Parse(time.RFC3339, s.Value); err == nil {
					v.CreateTime = t.UTC().Format(timeLayout) // the commit's time, in UTC: there is no tenant here
				}
			}
		}
		if name != "" {
			v.Name += " " + name
		}
	}
	return versionData{Vers: v}, nil
}

package qcy

import (
	"context"
	"fmt"

	"github.com/labstack/echo/v4"

	"crmgw/core"
)

// ContactHistory/Get.ashx (id): one follow-up record.
func (a *Adapter) getContactHistory(c echo.Context) error {
	id, err := paramsOf(c).id("id")
	if err != nil {
		return err
	}
	caller := callerOf(c)
	h, err := a.svc.GetContactHistory(c.Request().Context(), caller, id)
	if err != nil {
		return err
	}
	return ok(c, fromContactHistory(h, caller.Location))
}

// ContactHistory/Add.ashx (customer_id, type_id, route_id, link_man_id, title, content): true.
func (a *Adapter) addContactHistory(c echo.Context) error {
	r := read(c)
	in := historyParams(r)
	if r.err != nil {
		return r.err
	}
	if _, err := a.svc.AddContactHistory(c.Request().Context(), callerOf(c), in); err != nil {
		return err
	}
	return ok(c, true)
}

// countByID runs a change on the record named by the id parameter and answers the count of rows it touched.
func (a *Adapter) countByID(c echo.Context, change func(context.Context, core.Caller, uint64) (int64, error)) error {
	id, err := paramsOf(c).id("id")
	if err != nil {
		return err
	}
	n, err := change(c.Request().Context(), callerOf(c), id)
	if err != nil {
		return err
	}
	return ok(c, n)
}

// Contract/ContractAudit.ashx (id): approve the contract; true.
func (a *Adapter) contractAudit(c echo.Context) error { return a.setApproval(c, core.ApprovalApproved) }

// Contract/ContractUnAudit.ashx (id): back to applying; true.
func (a *Adapter) contractUnAudit(c echo.Context) error {
	return a.setApproval(c, core.ApprovalApplying)
}

func (a *Adapter) setApproval(c echo.Context, status string) error {
	id, err := paramsOf(c).id("id")
	if err != nil {
		return err
	}
	if err := a.svc.SetContractApproval(c.Request().Context(), callerOf(c), id, status); err != nil {
		return err
	}
	return ok(c, true)
}

// Contract/StopContract.ashx (id): terminate; 1 on success (failures answer the error envelope).
func (a *Adapter) stopContract(c echo.Context) error {
	id, err := paramsOf(c).id("id")
	if err != nil {
		return err
	}
	if err := a.svc.StopContract(c.Request().Context(), callerOf(c), id); err != nil {
		return err
	}
	return ok(c, 1)
}

// Customer/NameIsRepeat.ashx (sName, id): whether another customer has that name.
func (a *Adapter) nameIsRepeat(c echo.Context) error {
	return a.isRepeat(c, "sName", a.svc.CustomerNameTaken)
}

// Customer/TelIsRepeat.ashx (tel, id): whether another customer has that phone number.
func (a *Adapter) telIsRepeat(c echo.Context) error {
	return a.isRepeat(c, "tel", a.svc.CustomerTelTaken)
}

func (a *Adapter) isRepeat(c echo.Context, param string, taken func(context.Context, core.Caller, string, uint64) (bool, error)) error {
	p := paramsOf(c)
	v, err := p.str(param)
	if err != nil {
		return err
	}
	except, err := p.int32("id") // 0 for a customer not yet saved
	if err != nil {
		return err
	}
	repeated, err := taken(c.Request().Context(), callerOf(c), v, uint64(max(except, 0)))
	if err != nil {
		return err
	}
	return ok(c, repeated)
}

// Customer/Get.ashx (id): one customer.
func (a *Adapter) getCustomer(c echo.Context) error {
	id, err := paramsOf(c).id("id")
	if err != nil {
		return err
	}
	caller := callerOf(c)
	cu, err := a.svc.GetCustomer(c.Request().Context(), caller, id)
	if err != nil {
		return err
	}
	return ok(c, fromCustomer(cu, caller.Location))
}

// Customer/Save.ashx (json: a Customer object as a string): PK_ID 0 adds it,
// another PK_ID updates that customer; true.
func (a *Adapter) saveCustomer(c echo.Context) error {
	var in Customer
	if err := paramsOf(c).object("json", &in); err != nil {
		return err
	}
	caller := callerOf(c)
	ctx := c.Request().Context()
	var err error
	if in.PK_ID == 0 {
		_, err = a.svc.CreateCustomer(ctx, caller, in.toCore())
	} else {
		_, err = a.svc.UpdateCustomer(ctx, caller, in.PK_ID, in.toCore())
	}
	if err != nil {
		return err
	}
	return ok(c, true)
}

// Customer/Update.ashx (customer: a Customer object with PK_ID; tran cannot
// travel over HTTP and is ignored): true.
func (a *Adapter) updateCustomer(c echo.Context) error {
	var in Customer
	if err := paramsOf(c).object("customer", &in); err != nil {
		return err
	}
	if in.PK_ID == 0 {
		return wireError(codeInvalid, "参数 customer 缺少 PK_ID: Update 更新已有的客户")
	}
	if _, err := a.svc.UpdateCustomer(c.Request().Context(), callerOf(c), in.PK_ID, in.toCore()); err != nil {
		return err
	}
	return ok(c, true)
}

// Customer/GetAllList.ashx (pageIndex from 1, pageSize default 10, at most 100): a page of customers, newest first.
func (a *Adapter) getAllList(c echo.Context) error {
	p, caller := paramsOf(c), callerOf(c)
	page, err := p.int32("pageIndex")
	if err != nil {
		return err
	}
	size := int64(10)
	if p.get("pageSize") != "" {
		if size, err = p.int32("pageSize"); err != nil {
			return err
		}
	}
	if maxSize := min(100, a.svc.MaxPageSize()); page < 1 || size < 1 || size > int64(maxSize) {
		return wireError(codeInvalid, fmt.Sprintf("pageIndex 从 1 开始, pageSize 应在 1 到 %d 之间", maxSize))
	}
	res, err := a.svc.ListCustomers(c.Request().Context(), caller, int(page), int(size))
	if err != nil {
		return err
	}
	out := make([]Customer, 0, len(res.Items))
	for _, cu := range res.Items {
		out = append(out, fromCustomer(cu, caller.Location))
	}
	return okList(c, "Customer", out)
}

// Sale/SetPublicCust.ashx (pkidList: "1,2,3"): move the customers to the public pool; true.
func (a *Adapter) setPublicCust(c echo.Context) error {
	ids, err := paramsOf(c).ids("pkidList")
	if err != nil {
		return err
	}
	if err := a.svc.MoveToPublicPool(c.Request().Context(), callerOf(c), ids); err != nil {
		return err
	}
	return ok(c, true)
}

package qcy

import (
	"context"
	"encoding/json"

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
	p := paramsOf(c)
	in := core.NewContactHistory{}
	var err error
	if in.CustomerID, err = p.id("customer_id"); err != nil {
		return err
	}
	if in.TypeID, err = p.id("type_id"); err != nil {
		return err
	}
	if in.RouteID, err = p.id("route_id"); err != nil {
		return err
	}
	if in.ContactID, err = p.id("link_man_id"); err != nil {
		return err
	}
	if in.Title, err = p.str("title"); err != nil {
		return err
	}
	if in.Content, err = p.str("content"); err != nil {
		return err
	}
	if _, err := a.svc.AddContactHistory(c.Request().Context(), callerOf(c), in); err != nil {
		return err
	}
	return ok(c, true)
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

// Customer/Save.ashx (json: a Customer object): PK_ID 0 adds it, another PK_ID updates that customer; true.
func (a *Adapter) saveCustomer(c echo.Context) error {
	text, err := paramsOf(c).str("json")
	if err != nil {
		return err
	}
	var in Customer
	if err := json.Unmarshal([]byte(text), &in); err != nil {
		return wireError(codeInvalid, "参数 json 不是有效的 Customer 对象: "+err.Error())
	}
	caller := callerOf(c)
	ctx := c.Request().Context()
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

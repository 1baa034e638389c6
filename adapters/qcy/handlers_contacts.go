package qcy

import (
	"github.com/labstack/echo/v4"

	"crmgw/core"
)

// ContactPlan/SaveContactPlan.ashx: carry out plan_id — record the contact
// (customer_id, type_id, route_id, link_man_id, title, content) and schedule the next at next_time; true.
func (a *Adapter) saveContactPlan(c echo.Context) error {
	p, caller := paramsOf(c), callerOf(c)
	planID, err := p.id("plan_id")
	if err != nil {
		return err
	}
	done, err := historyParams(p)
	if err != nil {
		return err
	}
	next, err := p.dateTime("next_time", caller.Location)
	if err != nil {
		return err
	}
	if err := a.svc.ExecuteContactPlan(c.Request().Context(), caller, planID, done, next); err != nil {
		return err
	}
	return ok(c, true)
}

// historyParams reads the parameters of a contact made, shared by ContactHistory/Add and SaveContactPlan.
func historyParams(p params) (core.NewContactHistory, error) {
	var in core.NewContactHistory
	var err error
	if in.CustomerID, err = p.id("customer_id"); err != nil {
		return in, err
	}
	if in.TypeID, err = p.id("type_id"); err != nil {
		return in, err
	}
	if in.RouteID, err = p.id("route_id"); err != nil {
		return in, err
	}
	if in.ContactID, err = p.id("link_man_id"); err != nil {
		return in, err
	}
	if in.Title, err = p.str("title"); err != nil {
		return in, err
	}
	in.Content, err = p.str("content")
	return in, err
}

// ContactPlan/GetContactPlan.ashx (id): one plan.
func (a *Adapter) getContactPlan(c echo.Context) error {
	id, err := paramsOf(c).id("id")
	if err != nil {
		return err
	}
	caller := callerOf(c)
	plan, err := a.svc.GetContactPlan(c.Request().Context(), caller, id)
	if err != nil {
		return err
	}
	return ok(c, fromContactPlan(plan, caller.Location))
}

// ContactPlan/GetContactPlanCount.ashx: how many of the caller's plans are pending.
func (a *Adapter) getContactPlanCount(c echo.Context) error {
	n, err := a.svc.PendingContactPlans(c.Request().Context(), callerOf(c))
	if err != nil {
		return err
	}
	return ok(c, n)
}

// ContactPlan/InsertContactPlan.ashx (title, customer_id, type_id, route_id,
// link_man_id, history_id, next_time; plan_id is accepted and ignored: the new plan gets its own id); true.
func (a *Adapter) insertContactPlan(c echo.Context) error {
	p, caller := paramsOf(c), callerOf(c)
	var in core.NewContactPlan
	var err error
	if in.Title, err = p.str("title"); err != nil {
		return err
	}
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
	history, err := p.int32("history_id") // 0: the plan follows no recorded contact
	if err != nil {
		return err
	}
	in.HistoryID = uint64(max(history, 0))
	if in.PlannedAt, err = p.dateTime("next_time", caller.Location); err != nil {
		return err
	}
	if _, err := a.svc.AddContactPlan(c.Request().Context(), caller, in); err != nil {
		return err
	}
	return ok(c, true)
}

// getLinkManListAs serves LinkMan/GetList.ashx (custId, as LinkMan elements) and
// LinkMan/GetLinkManList.ashx (cust_id, as CustomerLinkMan elements): the customer's contacts, main first.
func (a *Adapter) getLinkManListAs(item, param string) echo.HandlerFunc {
	return func(c echo.Context) error {
		id, err := paramsOf(c).id(param)
		if err != nil {
			return err
		}
		caller := callerOf(c)
		list, err := a.svc.ListContacts(c.Request().Context(), caller, id)
		if err != nil {
			return err
		}
		out := make([]CustomerLinkMan, 0, len(list))
		for _, ct := range list {
			out = append(out, fromContact(ct, caller.Location))
		}
		return okList(c, item, out)
	}
}

// LinkMan/GetLinkMan.ashx (id): one contact.
func (a *Adapter) getLinkMan(c echo.Context) error {
	id, err := paramsOf(c).id("id")
	if err != nil {
		return err
	}
	caller := callerOf(c)
	ct, err := a.svc.GetContact(c.Request().Context(), caller, id)
	if err != nil {
		return err
	}
	return ok(c, fromContact(ct, caller.Location))
}

// LinkMan/SaveLinkMan.ashx (man: a CustomerLinkMan with PK_ID; tran ignored): the count of rows updated.
func (a *Adapter) saveLinkMan(c echo.Context) error {
	var man CustomerLinkMan
	if err := paramsOf(c).object("man", &man); err != nil {
		return err
	}
	if man.PK_ID == 0 {
		return wireError(codeInvalid, "参数 man 缺少 PK_ID: SaveLinkMan 更新已有的联系人")
	}
	if _, err := a.svc.UpdateContact(c.Request().Context(), callerOf(c), man.PK_ID, man.toCore()); err != nil {
		return err
	}
	return ok(c, 1)
}

// LinkMan/InsertLinkMan.ashx (man: a CustomerLinkMan; tran ignored): true.
func (a *Adapter) insertLinkMan(c echo.Context) error {
	var man CustomerLinkMan
	if err := paramsOf(c).object("man", &man); err != nil {
		return err
	}
	if _, err := a.svc.CreateContact(c.Request().Context(), callerOf(c), man.toCore()); err != nil {
		return err
	}
	return ok(c, true)
}

// LinkMan/DeleteLinkMan.ashx (id): the count of rows deleted.
func (a *Adapter) deleteLinkMan(c echo.Context) error {
	return a.countByID(c, a.svc.DeleteContact)
}

// LinkMan/CancelMainMan.ashx (id): the count of rows changed (0 when it was not the main contact).
func (a *Adapter) cancelMainMan(c echo.Context) error {
	return a.countByID(c, a.svc.CancelMainContact)
}

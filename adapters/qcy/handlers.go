package qcy

import (
	"context"
	"fmt"

	"crmgw/core"
)

// ContactHistory/Get.ashx (id): one follow-up record.
func (a *Adapter) getContactHistory(ctx context.Context, caller core.Caller, p params) (any, error) {
	id, err := p.id("id")
	if err != nil {
		return nil, err
	}
	h, err := a.svc.GetContactHistory(ctx, caller, id)
	if err != nil {
		return nil, err
	}
	return fromContactHistory(h, caller.Location), nil
}

// ContactHistory/Add.ashx (customer_id, type_id, route_id, link_man_id, title, content): true.
func (a *Adapter) addContactHistory(ctx context.Context, caller core.Caller, p params) (any, error) {
	r := read(p)
	in := historyParams(r)
	if r.err != nil {
		return nil, r.err
	}
	if _, err := a.svc.AddContactHistory(ctx, caller, in); err != nil {
		return nil, err
	}
	return true, nil
}

// countByID runs a change on the record named by the id parameter and answers the count of rows it touched.
func countByID(ctx context.Context, caller core.Caller, p params, change func(context.Context, core.Caller, uint64) (int64, error)) (any, error) {
	id, err := p.id("id")
	if err != nil {
		return nil, err
	}
	n, err := change(ctx, caller, id)
	if err != nil {
		return nil, err
	}
	return n, nil
}

// Contract/ContractAudit.ashx (id): approve the contract; true.
func (a *Adapter) contractAudit(ctx context.Context, caller core.Caller, p params) (any, error) {
	return a.setApproval(ctx, caller, p, core.ApprovalApproved)
}

// Contract/ContractUnAudit.ashx (id): back to applying; true.
func (a *Adapter) contractUnAudit(ctx context.Context, caller core.Caller, p params) (any, error) {
	return a.setApproval(ctx, caller, p, core.ApprovalApplying)
}

func (a *Adapter) setApproval(ctx context.Context, caller core.Caller, p params, status string) (any, error) {
	id, err := p.id("id")
	if err != nil {
		return nil, err
	}
	if err := a.svc.SetContractApproval(ctx, caller, id, status); err != nil {
		return nil, err
	}
	return true, nil
}

// Contract/StopContract.ashx (id): terminate; 1 on success (failures answer the error envelope).
func (a *Adapter) stopContract(ctx context.Context, caller core.Caller, p params) (any, error) {
	id, err := p.id("id")
	if err != nil {
		return nil, err
	}
	if err := a.svc.StopContract(ctx, caller, id); err != nil {
		return nil, err
	}
	return 1, nil
}

// Customer/NameIsRepeat.ashx (sName, id): whether another customer has that name.
func (a *Adapter) nameIsRepeat(ctx context.Context, caller core.Caller, p params) (any, error) {
	return isRepeat(ctx, caller, p, "sName", a.svc.CustomerNameTaken)
}

// Customer/TelIsRepeat.ashx (tel, id): whether another customer has that phone number.
func (a *Adapter) telIsRepeat(ctx context.Context, caller core.Caller, p params) (any, error) {
	return isRepeat(ctx, caller, p, "tel", a.svc.CustomerTelTaken)
}

func isRepeat(ctx context.Context, caller core.Caller, p params, param string,
	taken func(context.Context, core.Caller, string, uint64) (bool, error)) (any, error) {
	v, err := p.str(param)
	if err != nil {
		return nil, err
	}
	except, err := p.int32("id") // 0 for a customer not yet saved
	if err != nil {
		return nil, err
	}
	repeated, err := taken(ctx, caller, v, uint64(max(except, 0)))
	if err != nil {
		return nil, err
	}
	return repeated, nil
}

// Customer/Get.ashx (id): one customer.
func (a *Adapter) getCustomer(ctx context.Context, caller core.Caller, p params) (any, error) {
	id, err := p.id("id")
	if err != nil {
		return nil, err
	}
	cu, err := a.svc.GetCustomer(ctx, caller, id)
	if err != nil {
		return nil, err
	}
	return fromCustomer(cu, caller.Location), nil
}

// Customer/Save.ashx (json: a Customer object as a string): PK_ID 0 adds it,
// another PK_ID updates that customer; true.
func (a *Adapter) saveCustomer(ctx context.Context, caller core.Caller, p params) (any, error) {
	var in Customer
	if err := p.object("json", &in); err != nil {
		return nil, err
	}
	var err error
	if in.PK_ID == 0 {
		_, err = a.svc.CreateCustomer(ctx, caller, in.toCore())
	} else {
		_, err = a.svc.UpdateCustomer(ctx, caller, in.PK_ID, in.toCore())
	}
	if err != nil {
		return nil, err
	}
	return true, nil
}

// Customer/Update.ashx (customer: a Customer object with PK_ID; tran cannot
// travel over HTTP and is ignored): true.
func (a *Adapter) updateCustomer(ctx context.Context, caller core.Caller, p params) (any, error) {
	var in Customer
	if err := p.object("customer", &in); err != nil {
		return nil, err
	}
	if in.PK_ID == 0 {
		return nil, wireError(codeInvalid, "参数 customer 缺少 PK_ID: Update 更新已有的客户")
	}
	if _, err := a.svc.UpdateCustomer(ctx, caller, in.PK_ID, in.toCore()); err != nil {
		return nil, err
	}
	return true, nil
}

// Customer/GetAllList.ashx (pageIndex from 1, pageSize default 10, at most 100): a page of customers, newest first.
func (a *Adapter) getAllList(ctx context.Context, caller core.Caller, p params) (any, error) {
	page, err := p.int32("pageIndex")
	if err != nil {
		return nil, err
	}
	size := int64(10)
	if p.get("pageSize") != "" {
		if size, err = p.int32("pageSize"); err != nil {
			return nil, err
		}
	}
	if maxSize := min(100, a.svc.MaxPageSize()); page < 1 || size < 1 || size > int64(maxSize) {
		return nil, wireError(codeInvalid, fmt.Sprintf("pageIndex 从 1 开始, pageSize 应在 1 到 %d 之间", maxSize))
	}
	res, err := a.svc.ListCustomers(ctx, caller, int(page), int(size))
	if err != nil {
		return nil, err
	}
	out := make([]Customer, 0, len(res.Items))
	for _, cu := range res.Items {
		out = append(out, fromCustomer(cu, caller.Location))
	}
	return listOf("Customer", out), nil
}

// Sale/SetPublicCust.ashx (pkidList: "1,2,3"): move the customers to the public pool; true.
func (a *Adapter) setPublicCust(ctx context.Context, caller core.Caller, p params) (any, error) {
	ids, err := p.ids("pkidList")
	if err != nil {
		return nil, err
	}
	if err := a.svc.MoveToPublicPool(ctx, caller, ids); err != nil {
		return nil, err
	}
	return true, nil
}

package qcy

import (
	"context"
	"fmt"

	"crmgw/core"
)

// BaseType/GetBaseType.ashx (par_id: a dictionary's number 1–12 or name, e.g. 1 or ContactType): its entries.
func (a *Adapter) getBaseType(ctx context.Context, caller core.Caller, p params) (any, error) {
	par, err := p.str("par_id")
	if err != nil {
		return nil, err
	}
	kind, known := core.DictKind(par)
	if !known {
		return nil, wireError(codeInvalid, fmt.Sprintf("参数 par_id 不是已知的字典: %q", core.Excerpt(par)))
	}
	entries, err := a.svc.Dictionary(ctx, caller, kind)
	if err != nil {
		return nil, err
	}
	out := make([]BaseType, 0, len(entries))
	for _, d := range entries {
		out = append(out, BaseType{PK_ID: d.Code, Par_ID: par, TypeName: d.Name, SortNo: d.Sort})
	}
	return listOf("BaseType", out), nil
}

// CustomerSign/GetClientSignDefault.ashx: the default customer sign, 1 a company, 2 a person.
func (a *Adapter) getClientSignDefault(ctx context.Context, caller core.Caller, _ params) (any, error) {
	sign, err := a.svc.CustomerSign(ctx, caller)
	if err != nil {
		return nil, err
	}
	return sign, nil
}

// CustomerSign/GetCustTypeBdefault.ashx: the customer kinds, the one of the default sign marked.
func (a *Adapter) getCustTypeBdefault(ctx context.Context, caller core.Caller, _ params) (any, error) {
	sign, err := a.svc.CustomerSign(ctx, caller)
	if err != nil {
		return nil, err
	}
	kinds, err := a.svc.Dictionary(ctx, caller, core.DictCustomerCategory)
	if err != nil {
		return nil, err
	}
	out := make([]CRM_Cust_T_CustKind, 0, len(kinds))
	for _, k := range kinds {
		out = append(out, CRM_Cust_T_CustKind{PK_ID: k.Code, KindName: k.Name, SortNo: k.Sort, IsDefault: k.Code == uint64(sign)})
	}
	return listOf("CRM_Cust_T_CustKind", out), nil
}

// CustomerType/GetTypeList.ashx (parent_id: 0 for the top level): the customer types under it.
func (a *Adapter) getTypeList(ctx context.Context, caller core.Caller, p params) (any, error) {
	parent, err := p.int32("parent_id")
	if err != nil {
		return nil, err
	}
	if parent < 0 {
		return nil, wireError(codeInvalid, fmt.Sprintf("参数 parent_id 不能为负: %d", parent))
	}
	types, err := a.svc.CustomerTypes(ctx, caller, uint64(parent))
	if err != nil {
		return nil, err
	}
	out := make([]CustomerType, 0, len(types))
	for _, t := range types {
		out = append(out, CustomerType{PK_ID: t.Code, Parent_ID: t.ParentCode, TypeName: t.Name, SortNo: t.Sort})
	}
	return listOf("CustomerType", out), nil
}

package test

import (
	"fmt"
	"net/http"
	"net/url"
	"strings"

	"crmgw/core"
)

// The isolation probes of the payments' routes: ikcrm's received payments
// and plans, the OA's contracts and their money.

// isoPlanOf and isoPaymentInOf are tenant t's payment plan and payment in (seedIsoTenant makes one each).
func (x *isoWorld) isoPlanOf(t isoTenant) string {
	var p core.PaymentPlan
	x.e.must(x.e.db.Where("tenant_id = ?", t.tenant.ID).Take(&p).Error)
	return isoID(p.ID)
}

func (x *isoWorld) isoPaymentInOf(t isoTenant) string {
	var p core.Payment
	x.e.must(x.e.db.Where("tenant_id = ? AND direction = ?", t.tenant.ID, core.PaymentIn).Take(&p).Error)
	return isoID(p.ID)
}

// -- ikcrm --

func isoIKContractPlans(x *isoWorld, r isoRoute) []isoProbe {
	list := func(id string) isoReq { return x.ik(r.method, "/api/v2/contracts/"+id+"/received_payments", "") }
	return []isoProbe{
		{name: "B's contract", foreign: isoID(x.b.approved.ID), missing: isoMissing, req: list, want: isoIKNotFound},
		{name: "A's contract: A's plan", req: func(string) isoReq { return list(isoID(x.a.approved.ID)) },
			want: isoIKCode(0, `"amount":"400.0"`, "isoA-合同二")},
	}
}

func isoIKContractPlan(x *isoWorld, r isoRoute) []isoProbe {
	show := func(contract string) func(string) isoReq {
		return func(id string) isoReq {
			return x.ik(r.method, "/api/v2/contracts/"+contract+"/received_payments/"+id, "")
		}
	}
	return []isoProbe{
		{name: "B's plan under A's contract", foreign: x.isoPlanOf(x.b), missing: isoMissing, req: show(isoID(x.a.approved.ID)), want: isoIKNotFound},
		{name: "B's plan under B's contract", foreign: x.isoPlanOf(x.b), missing: isoMissing, req: show(isoID(x.b.approved.ID)), want: isoIKNotFound},
		{name: "A's plan", req: func(string) isoReq { return show(isoID(x.a.approved.ID))(x.isoPlanOf(x.a)) },
			want: isoIKCode(0, `"amount":"400.0"`)},
	}
}

// isoIKTopList probes a top-level list of payments or plans: A's only; B's contract as a filter finds nothing.
func isoIKTopList(want string) isoProbes {
	return func(x *isoWorld, r isoRoute) []isoProbe {
		list := func(query string) func(string) isoReq {
			return func(id string) isoReq { return x.ik(r.method, r.path+strings.ReplaceAll(query, "{id}", id), "") }
		}
		return []isoProbe{
			{name: "A's only", req: list("?per_page=100"), want: isoIKCode(0, want, `"total_count":1`)},
			{name: "B's contract as contract_id", foreign: isoID(x.b.approved.ID), missing: isoMissing, req: list("?contract_id={id}"), want: isoIKNotFound},
		}
	}
}

func isoIKPaymentCreate(x *isoWorld, r isoRoute) []isoProbe {
	create := func(fields string) func(string) isoReq {
		return func(id string) isoReq {
			return x.ik(r.method, r.path, `{"received_payment":{"amount":"1",`+strings.ReplaceAll(fields, "{id}", id)+`}}`)
		}
	}
	mine := fmt.Sprintf(`"contract_id":%d`, x.a.approved.ID)
	return []isoProbe{
		{name: "B's contract", foreign: isoID(x.b.applying.ID), missing: isoMissing, req: create(`"contract_id":{id}`), want: isoIKNoReference("contract_id")},
		{name: "B's plan on A's contract", foreign: x.isoPlanOf(x.b), missing: isoMissing, req: create(mine + `,"received_payment_plan_id":{id}`),
			want: isoIKNoReference("received_payment_plan_id")},
		{name: "B's own payment type", foreign: isoID(x.b.customType), missing: "12345", req: create(mine + `,"received_types":{id}`),
			want: isoIKNoReference("received_types")},
	}
}

func isoIKPaymentShow(x *isoWorld, r isoRoute) []isoProbe {
	show := func(id string) isoReq { return x.ik(r.method, "/api/v2/received_payments/"+id, "") }
	return []isoProbe{
		{name: "B's payment", foreign: x.isoPaymentInOf(x.b), missing: isoMissing, req: show, want: isoIKNotFound},
		{name: "A's payment", req: func(string) isoReq { return show(x.isoPaymentInOf(x.a)) }, want: isoIKCode(0, `"amount":"300.0"`)},
	}
}

func isoIKPlanCreate(x *isoWorld, r isoRoute) []isoProbe {
	create := func(fields string) func(string) isoReq {
		return func(id string) isoReq {
			return x.ik(r.method, r.path, `{"received_payment_plan":{"amount":"1","receive_date":"2015-12-01",`+strings.ReplaceAll(fields, "{id}", id)+`}}`)
		}
	}
	return []isoProbe{
		{name: "B's contract", foreign: isoID(x.b.approved.ID), missing: isoMissing, req: create(`"contract_id":{id}`), want: isoIKNoReference("contract_id")},
		{name: "B's own payment type", foreign: isoID(x.b.customType), missing: "12345",
			req: create(fmt.Sprintf(`"contract_id":%d,"received_types":{id}`, x.a.approved.ID)), want: isoIKNoReference("received_types")},
	}
}

// -- oa --

// isoOAContract is a request on /oa/contracts/{id}[suffix], the token in the query as the OA's clients send it.
func (x *isoWorld) isoOAContract(method, suffix string, kv ...string) func(string) isoReq {
	return func(id string) isoReq {
		path := "/oa/contracts/" + id + suffix + "?access_token=" + url.QueryEscape(x.a.token)
		if len(kv) == 0 {
			return isoReq{method: method, path: path}
		}
		return isoReq{method: method, path: path, contentType: "application/x-www-form-urlencoded", body: isoKV(kv...).Encode()}
	}
}

func isoOAContracts(x *isoWorld, r isoRoute) []isoProbe {
	list := func(kv ...string) func(string) isoReq {
		return func(id string) isoReq {
			sent := make([]string, len(kv))
			for i := range kv {
				sent[i] = strings.ReplaceAll(kv[i], "{id}", id)
			}
			return x.oa(r.method, r.path, sent...)
		}
	}
	return []isoProbe{
		{name: "A's contracts only", req: list("size", "1000"), want: isoOAStatus("0000", "isoA-合同一", "isoA-合同二", `"totalels":2`)},
		{name: "B's title as keyword", foreign: x.b.approved.Title, missing: "isoZ-none", req: list("keyword", "{id}"), want: isoOAStatus("0000", `"data":[]`)},
	}
}

// isoOAOfContract probes a route on one contract: B's is not found (10053).
func isoOAOfContract(suffix string, kv ...string) isoProbes {
	return func(x *isoWorld, r isoRoute) []isoProbe {
		return []isoProbe{{name: "B's contract", foreign: isoID(x.b.approved.ID), missing: isoMissing,
			req: x.isoOAContract(r.method, suffix, kv...), want: isoOAStatus("10053")}}
	}
}

func isoOAContractShow(x *isoWorld, r isoRoute) []isoProbe {
	return append(isoOAOfContract("")(x, r), isoProbe{name: "A's contract",
		req: func(string) isoReq { return x.isoOAContract(r.method, "")(isoID(x.a.approved.ID)) }, want: isoOAStatus("0000", "isoA-合同二")})
}

func isoOAReceivingAll(x *isoWorld, r isoRoute) []isoProbe {
	return []isoProbe{{name: "A's receipts only", req: func(string) isoReq { return x.oa(r.method, r.path, "size", "1000") },
		want: isoOAStatus("0000", `"sum":300.0`, `"totalels":1`)}}
}

func isoOAVersion(x *isoWorld, r isoRoute) []isoProbe {
	return []isoProbe{{name: "the same for anyone, with A's token or none",
		req: func(string) isoReq {
			return isoReq{method: http.MethodGet, path: r.path + "?access_token=" + url.QueryEscape(x.a.token)}
		},
		want: isoOAStatus("0000", `"updated":false`)}}
}

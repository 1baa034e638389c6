// Package migration imports a company's data from a file (an .xlsx workbook
// or a folder of CSV files, one sheet or file per kind of record) through
// core's own use cases, keeping the ids its old vendor gave each record.
package migration

import (
	"context"
	"strings"

	"crmgw/core"
)

// Type is what a column holds.
type Type string

// The types of columns.
const (
	TypeID       Type = "id"       // a positive integer, unique in its sheet
	TypeRef      Type = "ref"      // the id of a record of another sheet (Column.Ref), in the file or the tenant
	TypeText     Type = "text"     // any text
	TypeInt      Type = "int"      // an integer ≥ 0 (a dictionary code, a sort order, a percent)
	TypeBool     Type = "bool"     // 1 or 0 (true or false)
	TypeDate     Type = "date"     // 2006-01-02
	TypeDateTime Type = "datetime" // 2006-01-02 15:04:05 in the tenant's time zone
	TypeMonth    Type = "month"    // 2006-01
	TypeMoney    Type = "money"    // a decimal with at most 2 places, inside core's limits
)

// Column is one column of a sheet.
type Column struct {
	Name     string
	Required bool
	Type     Type
	Ref      string // the sheet a TypeRef column names a record of
	Example  string // its value in the template's example row
	Doc      string
}

// Kind is one kind of record: one sheet of a workbook, one CSV file of a folder.
type Kind struct {
	Sheet   string // the sheet's name, and the CSV file's without ".csv"
	Record  string // core's kind of record (core.KindCustomer …) whose ids it keeps; "" for records keyed otherwise, written by key
	Doc     string
	Columns []Column
	// LinesOf, for a sheet of product lines, is the sheet of the records they
	// are lines of: each is written with its record, in its transaction.
	LinesOf string
	// write writes one row, telling whether it changed anything: a row
	// written by key (a dictionary entry, a tag, a target) that the tenant
	// has as it is already is skipped, as a row whose id it holds is. Nil
	// for a sheet of lines.
	write func(ctx context.Context, w *writer, r row) (changed bool, _ error)
}

func col(name string, required bool, t Type, example, doc string) Column {
	return Column{Name: name, Required: required, Type: t, Example: example, Doc: doc}
}

func ref(name string, required bool, sheet, example, doc string) Column {
	return Column{Name: name, Required: required, Type: TypeRef, Ref: sheet, Example: example, Doc: doc}
}

func id(example string) Column { return col("id", true, TypeID, example, "the id clients hold, kept") }

func created(example string) Column {
	return col("created_at", false, TypeDateTime, example, "when it was made; empty: the import's time")
}

func updated(example string) Column {
	return col("updated_at", false, TypeDateTime, example, "when it was last changed; empty: its created_at")
}

// lineColumns are a sheet of product lines' columns, of records of sheet parent.
func lineColumns(first, parent, parentCol, parentExample string) []Column {
	return []Column{
		id(first), ref(parentCol, true, parent, parentExample, "the record it is a line of, in this file"),
		col("product_id", false, TypeInt, "", "the product's id in the old vendor"), col("product_name", false, TypeText, "服务器", ""),
		col("product_no", false, TypeText, "SRV-1", ""), col("quantity", true, TypeInt, "2", ""),
		col("unit_price", true, TypeMoney, "12000.00", ""), col("total_price", false, TypeMoney, "24000.00", "when given, unit_price × quantity"),
		col("sale_unit", false, TypeText, "台", ""), col("spec", false, TypeText, "2U", ""), col("remark", false, TypeText, "", ""),
	}
}

// Kinds are the sheets in the order they are written: each one's references
// are to sheets before it. The template, the reader, the checks and the docs
// table all read this one list.
var Kinds = []Kind{
	{Sheet: "departments", Record: core.KindDepartment, Doc: "the tenant's departments", Columns: []Column{
		id("10"), col("name", true, TypeText, "销售部", "unique in the tenant"),
	}, write: writeDepartment},
	{Sheet: "users", Record: core.KindUser, Doc: "the tenant's users, without passwords (set one with `crmgw user passwd`)", Columns: []Column{
		id("20"), col("name", true, TypeText, "zhangsan", "the login name, unique in the tenant"),
		col("real_name", false, TypeText, "张三", "the name shown; empty: the login name"),
		col("email", false, TypeText, "zhangsan@example.com", ""), col("phone", false, TypeText, "13800000000", ""),
		ref("department_id", false, "departments", "10", ""), created("2020-01-02 09:00:00"),
	}, write: writeUser},
	{Sheet: "dictionary", Doc: "dictionary entries by kind and code (the id clients send): an entry of a code the tenant has is replaced", Columns: []Column{
		col("kind", true, TypeText, core.DictCustomerStatus, "one of core's dictionaries: "+strings.Join(core.DictKinds(), ", ")),
		col("code", true, TypeInt, "3166436", "the entry's id, unique in its kind"), col("name", true, TypeText, "重点跟进", ""),
		col("parent_code", false, TypeInt, "", "the code of its parent in a tree (customer_type)"),
		col("sort", false, TypeInt, "1", "its place in lists"), col("enabled", false, TypeBool, "1", "offered to clients; empty: 1"),
	}, write: writeDictEntry},
	{Sheet: "customers", Record: core.KindCustomer, Doc: "customers", Columns: []Column{
		id("30"), col("name", true, TypeText, "北京示例科技有限公司", ""), ref("owner_id", true, "users", "20", "its owner, who also made it"),
		col("tel", false, TypeText, "010-12345678", ""), col("address", false, TypeText, "北京市海淀区", ""),
		col("industry_id", false, TypeInt, "1", "an industry code"), col("source_id", false, TypeInt, "1", "a source code"),
		col("progress_id", false, TypeInt, "1", "a progress code"), col("category_id", false, TypeInt, "1", "a customer_category code"),
		col("status_id", false, TypeInt, "3166436", "a customer_status code"),
		created("2020-03-04 10:00:00"), updated("2021-05-06 11:30:00"),
	}, write: writeCustomer},
	{Sheet: "customer_tags", Doc: "tags on customers: one row a tag", Columns: []Column{
		ref("customer_id", true, "customers", "30", ""), col("tag", true, TypeInt, "1", "a tag code"),
	}, write: writeTag},
	{Sheet: "contacts", Record: core.KindContact, Doc: "the customers' contact people", Columns: []Column{
		id("40"), ref("customer_id", true, "customers", "30", ""), col("name", true, TypeText, "李四", ""),
		col("title", false, TypeText, "采购经理", ""), col("phone", false, TypeText, "13900000000", ""),
		col("email", false, TypeText, "lisi@example.com", ""), col("is_main", false, TypeBool, "1", "the customer's main contact"),
		created("2020-03-04 10:05:00"), updated(""),
	}, write: writeContact},
	{Sheet: "follow_ups", Record: core.KindFollowUp, Doc: "follow-ups (contact histories)", Columns: []Column{
		id("50"), ref("customer_id", true, "customers", "30", ""), ref("user_id", true, "users", "20", "who followed up"),
		ref("contact_id", false, "contacts", "40", ""), col("type_id", false, TypeInt, "1", "a contact_type code"),
		col("route_id", false, TypeInt, "1", "a contact_route code"), col("title", false, TypeText, "电话回访", ""),
		col("content", false, TypeText, "客户有意向", ""), col("contacted_at", true, TypeDateTime, "2021-01-05 14:00:00", ""),
		created(""),
	}, write: writeFollowUp},
	{Sheet: "contact_plans", Record: core.KindContactPlan, Doc: "contacts planned", Columns: []Column{
		id("60"), ref("customer_id", true, "customers", "30", ""), ref("user_id", true, "users", "20", "who is to contact"),
		ref("contact_id", false, "contacts", "40", ""), col("type_id", false, TypeInt, "1", "a contact_type code"),
		col("route_id", false, TypeInt, "1", "a contact_route code"), ref("follow_up_id", false, "follow_ups", "50", "the follow-up that led to it"),
		col("title", true, TypeText, "再次回访", ""), col("planned_at", true, TypeDateTime, "2021-02-01 10:00:00", ""),
		col("done_at", false, TypeDateTime, "", "when it was done; empty: pending"), created(""),
	}, write: writeContactPlan},
	{Sheet: "opportunities", Record: core.KindOpportunity, Doc: "opportunities", Columns: []Column{
		id("70"), ref("customer_id", true, "customers", "30", ""), ref("owner_id", true, "users", "20", "its owner, who also made it"),
		col("title", true, TypeText, "年度采购", ""), col("amount", false, TypeMoney, "50000.00", ""),
		col("stage_id", false, TypeInt, "1", "an opportunity_stage code; empty: open"),
		col("probability", false, TypeInt, "50", "percent, 0 to 100"), created("2021-01-10 09:00:00"), updated(""),
	}, write: writeOpportunity},
	{Sheet: "opportunity_lines", Record: core.KindOpportunityLine, LinesOf: "opportunities", Doc: "the opportunities' product lines",
		Columns: lineColumns("75", "opportunities", "opportunity_id", "70")},
	{Sheet: "contracts", Record: core.KindContract, Doc: "contracts", Columns: []Column{
		id("80"), col("sn", false, TypeText, "HT-2021-001", "its number, unique in the tenant; empty: numbered by the tenant's rule"),
		col("title", true, TypeText, "年度采购合同", ""), ref("customer_id", true, "customers", "30", ""),
		ref("owner_id", true, "users", "20", "its owner, who also made it"), ref("opportunity_id", false, "opportunities", "70", ""),
		col("total_amount", true, TypeMoney, "48000.00", ""), col("sign_date", true, TypeDate, "2021-02-15", ""),
		col("start_date", true, TypeDate, "2021-03-01", ""), col("end_date", true, TypeDate, "2022-02-28", "not before start_date"),
		col("status", false, TypeText, core.ContractExecuting, "executing, finished or terminated; empty: executing"),
		col("approve_status", false, TypeText, core.ApprovalApproved, "applying or approved; empty: the tenant's setting"),
		col("category_id", false, TypeInt, "1", "a contract_category code"), col("payment_type_id", false, TypeInt, "3", "a payment_type code"),
		created("2021-02-15 16:00:00"), updated(""),
	}, write: writeContract},
	{Sheet: "contract_lines", Record: core.KindContractLine, LinesOf: "contracts", Doc: "the contracts' product lines",
		Columns: lineColumns("85", "contracts", "contract_id", "80")},
	{Sheet: "payment_plans", Record: core.KindPaymentPlan, Doc: "payments planned", Columns: []Column{
		id("90"), ref("contract_id", true, "contracts", "80", ""), col("amount", true, TypeMoney, "24000.00", ""),
		col("due_on", true, TypeDate, "2021-03-31", ""), col("payment_type_id", false, TypeInt, "3", "a payment_type code"),
		col("remark", false, TypeText, "首期", ""), created(""),
	}, write: writePaymentPlan},
	{Sheet: "payments", Record: core.KindPayment, Doc: "payments received (in) and refunded (out)", Columns: []Column{
		id("100"), ref("contract_id", true, "contracts", "80", ""), col("direction", true, TypeText, core.PaymentIn, "in or out"),
		col("amount", true, TypeMoney, "24000.00", ""), col("paid_on", true, TypeDate, "2021-03-30", ""),
		ref("plan_id", false, "payment_plans", "90", "the plan of the same contract it settles (in only)"),
		col("payment_type_id", false, TypeInt, "3", "a payment_type code"), col("remark", false, TypeText, "", ""), created(""),
	}, write: writePayment},
	{Sheet: "monthly_targets", Doc: "users' sales targets by month: a target of a user and month the tenant has is replaced", Columns: []Column{
		ref("user_id", true, "users", "20", ""), col("month", true, TypeMonth, "2021-03", ""),
		col("amount", true, TypeMoney, "100000.00", ""),
	}, write: writeTarget},
}

// kindOf is the kind of a sheet's name.
func kindOf(sheet string) (*Kind, bool) {
	for i := range Kinds {
		if Kinds[i].Sheet == sheet {
			return &Kinds[i], true
		}
	}
	return nil, false
}

// parentColumn is, for a sheet of lines, its column naming their record.
func (k *Kind) parentColumn() string {
	for _, c := range k.Columns {
		if c.Type == TypeRef && c.Ref == k.LinesOf {
			return c.Name
		}
	}
	return ""
}

// column is the kind's column of that name.
func (k *Kind) column(name string) (Column, bool) {
	for _, c := range k.Columns {
		if c.Name == name {
			return c, true
		}
	}
	return Column{}, false
}

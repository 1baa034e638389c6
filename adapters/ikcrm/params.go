package ikcrm

// Reading typed values out of a request tree: numbers may come as JSON
// numbers or as strings ("400000"), as the vendor's own sample sends them.

import (
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"time"

	"crmgw/core"
)

// fields reads one object of the tree; the first error is kept and the reads
// after it are no-ops, so a handler checks once.
type fields struct {
	m   map[string]any
	err error
	// names are the vendor's names of the object's fields, where they are not the contract's.
	names map[string]string
}

func (f *fields) fail(key, format string, args ...any) {
	if f.err == nil {
		name := label(key)
		if l, ok := f.names[key]; ok {
			name = l + "(" + key + ")"
		}
		f.err = invalid(name + " " + fmt.Sprintf(format, args...))
	}
}

// has reports whether key was sent (a JSON null counts as sent: it clears).
func (f *fields) has(key string) bool {
	_, ok := f.m[key]
	return ok
}

// scalar is a value as text; "" for a missing or null one.
func (f *fields) scalar(key string) string {
	switch v := f.m[key].(type) {
	case nil:
		return ""
	case string:
		return strings.TrimSpace(v)
	case json.Number:
		return v.String()
	case bool:
		return strconv.FormatBool(v)
	default:
		f.fail(key, "应为单个值, 不是列表或对象")
		return ""
	}
}

func (f *fields) str(key string) string { return f.scalar(key) }

// maxNumberText bounds the text of an id or whole number before it is
// parsed: longer than any valid one, even written "0000123" or "2.0", so a
// megabyte of digits costs a length check. core.ParseMoney bounds amounts.
const maxNumberText = 40

// parseID reads a record's id: digits up to core.MaxID. When s is none, why
// says so, quoting only an excerpt of s.
func parseID(s string) (id uint64, why string) {
	id, err := core.ParseID(s)
	switch {
	case errors.Is(err, core.ErrIDRange):
		return 0, fmt.Sprintf("超出 id 的范围 (至多 %d): %q", core.MaxID, core.Excerpt(s))
	case err != nil:
		return 0, fmt.Sprintf("应为整数 id: %q", core.Excerpt(s))
	}
	return id, ""
}

// id reads an id: digits as a number or a string; "" or null is 0.
func (f *fields) id(key string) uint64 {
	s := f.scalar(key)
	if s == "" {
		return 0
	}
	n, why := parseID(s)
	if why != "" {
		f.fail(key, "%s", why)
	}
	return n
}

// maxInteger bounds whole numbers sent as decimals ("2.0"): a float64 holds
// every integer up to it exactly.
const maxInteger = 1e15

func (f *fields) integer(key string) int64 {
	s := f.scalar(key)
	if s == "" {
		return 0
	}
	if len(s) > maxNumberText {
		f.fail(key, "超出整数的范围: %q", core.Excerpt(s))
		return 0
	}
	n, err := strconv.ParseInt(s, 10, 64)
	if errors.Is(err, strconv.ErrRange) {
		f.fail(key, "超出整数的范围: %q", core.Excerpt(s))
	} else if err != nil {
		// "2.0" is a whole number a JavaScript client may well send.
		x, ferr := strconv.ParseFloat(s, 64)
		switch {
		case ferr == nil && x == math.Trunc(x) && math.Abs(x) > maxInteger:
			f.fail(key, "超出整数的范围: %q", core.Excerpt(s))
		case ferr != nil || x != math.Trunc(x):
			f.fail(key, "应为整数: %q", core.Excerpt(s))
		}
		n = int64(x)
	}
	return n
}

func (f *fields) money(key string) core.Money {
	s := f.scalar(key)
	if s == "" {
		return core.Money{}
	}
	m, err := core.ParseMoney(s) // its error quotes only an excerpt of s
	if err != nil {
		f.fail(key, "应为金额: %v", err)
	}
	return m
}

func (f *fields) flag(key string) bool {
	switch s := f.scalar(key); s {
	case "", "false", "0":
		return false
	case "true", "1":
		return true
	default:
		f.fail(key, "应为 true 或 false: %q", core.Excerpt(s))
		return false
	}
}

// dateLayouts are the forms dates arrive in: the doc's "2019-01-10 10:41", the sample's "2024-08-26", and ISO-8601.
var dateLayouts = []string{"2006-01-02", "2006-01-02 15:04", "2006-01-02 15:04:05", time.RFC3339, "2006/01/02"}

// date reads a date in the tenant's zone; a time is cut to its date there.
// It must lie in core's range of days, which every engine stores.
func (f *fields) date(key string, loc *time.Location) core.Date {
	s := f.scalar(key)
	if s == "" {
		return core.Date{}
	}
	for _, layout := range dateLayouts {
		if t, err := time.ParseInLocation(layout, s, loc); err == nil {
			d := core.DateOf(t.In(loc))
			if err := core.CheckDate("", d); err != nil { // named here, by its key
				f.fail(key, "超出日期的范围: %s", core.AsError(err).Message)
			}
			return d
		}
	}
	f.fail(key, "不是有效的日期: %q", core.Excerpt(s))
	return core.Date{}
}

// ids reads a list of ids: a JSON array, name[]=… pairs, or one value.
func (f *fields) ids(key string) []uint64 {
	var out []uint64
	for i, v := range f.list(key) {
		one := fields{m: map[string]any{key: v}}
		s := one.scalar(key)
		if one.err != nil {
			f.fail(key, "第 %d 项应为整数 id", i+1)
			return nil
		}
		if s == "" {
			continue
		}
		id, why := parseID(s)
		if why != "" {
			f.fail(key, "第 %d 项%s", i+1, why)
			return nil
		}
		out = append(out, id)
	}
	return out
}

// list reads a list: a JSON array, name[]=… pairs, an object keyed by
// indexes (name[0][x]=…, in index order), or one value.
func (f *fields) list(key string) []any {
	switch v := f.m[key].(type) {
	case nil:
		return nil
	case []any:
		return v
	case map[string]any:
		keys := make([]string, 0, len(v))
		for k := range v {
			keys = append(keys, k)
		}
		sort.Slice(keys, func(i, j int) bool {
			a, aerr := strconv.Atoi(keys[i])
			b, berr := strconv.Atoi(keys[j])
			if aerr == nil && berr == nil {
				return a < b
			}
			return keys[i] < keys[j]
		})
		out := make([]any, 0, len(v))
		for _, k := range keys {
			out = append(out, v[k])
		}
		return out
	default:
		return []any{v}
	}
}

// object reads a nested object of the tree.
func object(v any) (map[string]any, bool) {
	m, ok := v.(map[string]any)
	return m, ok
}

// labels are the vendor's names for the contract's fields, used in messages.
var labels = map[string]string{
	"title": "合同标题", "sn": "合同编号", "customer_id": "客户", "start_at": "开始时间", "end_at": "结束时间",
	"user_id": "负责人", "want_department_id": "所属部门", "opportunity_id": "商机", "total_amount": "总金额",
	"sign_date": "签约日期", "status": "合同状态", "category": "类别", "payment_type": "付款方式",
	"approve_status": "审批状态", "customer_signer": "客户签约人", "our_signer": "我方签约人", "special_terms": "特别条款",
	"notify_user_ids": "通知人", "custom_field_template_id": "合同业务类型", "product_assets_attributes": "关联产品",
	"quantity": "数量", "recommended_unit_price": "售卖单价", "total_price": "总价", "product_id": "产品",
	"product_attr_id": "产品属性", "product_name": "产品名称", "product_no": "产品编号",
	"contract_id": "合同", "amount": "金额", "receive_date": "回款日期", "received_types": "付款方式",
	"received_payment_plan_id": "回款计划", "note": "备注",
}

// label names a field as the vendor does, with its key: 合同标题(title).
func label(key string) string {
	if l, ok := labels[key]; ok {
		return l + "(" + key + ")"
	}
	return key
}

// descending reads a list's order: desc when absent, or asc.
func descending(qp url.Values) (bool, error) {
	switch v := qp.Get("order"); v {
	case "", "desc":
		return true, nil
	case "asc":
		return false, nil
	default:
		return false, invalid(fmt.Sprintf("order 应为 asc 或 desc: %q", core.Excerpt(v)))
	}
}

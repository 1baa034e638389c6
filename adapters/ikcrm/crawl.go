package ikcrm

// The ikcrm's side of `crmgw import ikcrm`: a client of an old ikcrm server
// (or of a crmgw serving the ikcrm) that reads every record its token sees,
// page by page, from the open API's endpoints that read data, decodes them
// into this adapter's own wire structs, and writes them through core's
// import with the ikcrm's ids and times kept. What the ikcrm never shows
// (login names, targets, tag names, payments out)
// is the file import's.

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"time"

	"crmgw/adapters"
	"crmgw/core"
)

// CrawlSize is how many records one page of the crawl reads: one batch, the
// open API's largest page.
const CrawlSize = maxPerPage

// Crawl is one import of an ikcrm's data.
type Crawl struct {
	Client   *http.Client
	Base     string // the ikcrm's root, without /api/v2
	Token    string // a user_token that sees every record
	DryRun   bool
	PerPage  int                         // records a page and a batch; 0: CrawlSize
	Progress func(kind string, rows int) // told of each page written; may be nil

	im               *core.Import
	loc              *time.Location
	customerCreators map[uint64]uint64 // a customer's creator, as its contracts show it
}

// crawlEnvelope is an answer, its data read as raw JSON.
type crawlEnvelope struct {
	Code    *int            `json:"code"`
	Message string          `json:"message"`
	Data    json.RawMessage `json:"data"`
}

// get reads one answer of the ikcrm into data.
func (c *Crawl) get(ctx context.Context, path string, q url.Values, data any) error {
	target := c.Base + "/api/v2" + path
	if len(q) > 0 {
		target += "?" + q.Encode()
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, target, nil)
	if err != nil {
		return err
	}
	req.Header.Set("Authorization", fmt.Sprintf(`Token token="%s",device="%s"`, c.Token, deviceOpenAPI))
	res, err := c.Client.Do(req)
	if err != nil {
		return err
	}
	defer res.Body.Close()
	raw, err := io.ReadAll(io.LimitReader(res.Body, 64<<20))
	if err != nil {
		return err
	}
	var e crawlEnvelope
	if err := json.Unmarshal(raw, &e); err != nil || e.Code == nil {
		return fmt.Errorf("%s: HTTP %d, not the ikcrm's answer: %.200s", path, res.StatusCode, raw)
	}
	if *e.Code != 0 {
		return fmt.Errorf("%s: code %d %s", path, *e.Code, e.Message)
	}
	dec := json.NewDecoder(bytes.NewReader(e.Data))
	dec.UseNumber() // amounts as written, never through float64
	return dec.Decode(data)
}

// record reads one record's answer into v, and answers the custom fields it
// carries beside the vendor's own (see CustomFieldValues), of the record and
// of each object of its list under nested (a customer's contacts).
func (c *Crawl) record(ctx context.Context, path string, v any, nested string) (own map[string]any, inner []map[string]any, err error) {
	var raw json.RawMessage
	if err := c.get(ctx, path, nil, &raw); err != nil {
		return nil, nil, err
	}
	var m map[string]any
	for _, into := range []any{v, &m} {
		dec := json.NewDecoder(bytes.NewReader(raw))
		dec.UseNumber()
		if err := dec.Decode(into); err != nil {
			return nil, nil, fmt.Errorf("%s: %w", path, err)
		}
	}
	if nested != "" {
		list, _ := m[nested].([]any)
		for _, o := range list {
			om, _ := o.(map[string]any)
			inner = append(inner, CustomFieldValues(om))
		}
	}
	return CustomFieldValues(m), inner, nil
}

// Run reads everything into im: departments, users, dictionaries, the
// custom field catalogues, customers with their contacts, opportunities,
// contracts, payment plans, payments received and follow-ups. Every record
// has its id, so the order is that of their references.
func (c *Crawl) Run(ctx context.Context, im *core.Import) error {
	c.im, c.loc, c.customerCreators = im, im.Location(), map[uint64]uint64{}
	return im.Run(ctx, c.DryRun, func() error {
		for _, step := range []func(context.Context) error{c.departments, c.users, c.dictionaries, c.customFields, c.creators, c.customers,
			c.opportunities, c.contracts, c.plans, c.payments, c.revisitLogs} {
			if err := step(ctx); err != nil {
				return err
			}
		}
		return nil
	})
}

func (c *Crawl) perPage() int {
	if c.PerPage > 0 {
		return c.PerPage
	}
	return CrawlSize
}

func (c *Crawl) batch(ctx context.Context, kind string, rows int, fn func() error) error {
	if err := c.im.Batch(ctx, fn); err != nil {
		return err
	}
	if c.Progress != nil {
		c.Progress(kind, rows)
	}
	return nil
}

// pages reads a list page by page, from 1, handing each page to each, which
// tells how many records the page has and the whole list. The pages are
// followed until they hold the whole list, however many a page the server
// gives.
func pages[P any](ctx context.Context, c *Crawl, path string, q url.Values, each func(P) (rows int, total int64, err error)) error {
	if q == nil {
		q = url.Values{}
	}
	seen := int64(0)
	for page := 1; ; page++ {
		q.Set("page", strconv.Itoa(page))
		q.Set("per_page", strconv.Itoa(c.perPage()))
		var p P
		if err := c.get(ctx, path, q, &p); err != nil {
			return err
		}
		rows, total, err := each(p)
		if err != nil {
			return err
		}
		if seen += int64(rows); rows == 0 || seen >= total {
			return nil
		}
	}
}

// minute reads the open API's minute-precision time, in the tenant's zone.
func (c *Crawl) minute(s string) (time.Time, error) {
	return time.ParseInLocation(timeLayout, s, c.loc)
}

// codeOf reads a dictionary code the open API writes as a string, or null.
func codeOf(s *string) (uint64, error) {
	if s == nil || *s == "" {
		return 0, nil
	}
	return strconv.ParseUint(*s, 10, 64)
}

// refID is the id of a reference the open API writes as an object, {} when none.
func refID(v any) uint64 {
	m, _ := v.(map[string]any)
	n, _ := m["id"].(json.Number)
	id, _ := strconv.ParseUint(string(n), 10, 64)
	return id
}

func (c *Crawl) departments(ctx context.Context) error {
	var d departmentOptions
	if err := c.get(ctx, "/user/department_list", nil, &d); err != nil {
		return err
	}
	return c.batch(ctx, core.ImportDepartment, len(d.Options), func() error {
		for _, o := range d.Options {
			if err := c.im.Department(ctx, o.ID, o.Name); err != nil {
				return err
			}
		}
		return nil
	})
}

// users reads the users. The open API shows a user's name, never its login
// name: the login is the phone, else the email, else the name shown, and
// crmgw import file brings the real ones.
func (c *Crawl) users(ctx context.Context) error {
	return pages(ctx, c, "/user/list", url.Values{"sort": {"id"}}, func(p userPage) (int, int64, error) {
		return len(p.Users), p.TotalCount, c.batch(ctx, core.ImportUser, len(p.Users), func() error {
			for _, u := range p.Users {
				made, err := time.Parse(isoLayout, u.CreatedAt)
				if err != nil {
					return fmt.Errorf("user %d: %w", u.ID, err)
				}
				login := u.Phone
				if login == "" {
					login = u.Email
				}
				if login == "" {
					login = u.Name
				}
				if err := c.im.User(ctx, core.NewUser{ID: u.ID, Name: login, RealName: u.Name, Email: u.Email, Phone: u.Phone,
					DepartmentID: u.DepartmentID, CreatedAt: made}); err != nil {
					return err
				}
			}
			return nil
		})
	})
}

// dictionaries reads the field maps of customers, opportunities and
// contracts: each entry with its code and place in the list.
func (c *Crawl) dictionaries(ctx context.Context) error {
	for _, m := range []struct {
		entity string
		fields []struct{ field, kind string }
	}{{"customer", customerFields}, {"opportunity", opportunityFields}, {"contract", contractFields}} {
		var maps map[string][]fieldMap
		if err := c.get(ctx, "/field_maps/"+m.entity, nil, &maps); err != nil {
			return err
		}
		var entries []core.DictEntry
		for _, fm := range maps[m.entity] {
			i := slices.IndexFunc(m.fields, func(f struct{ field, kind string }) bool { return f.field == fm.FieldName })
			if i < 0 {
				continue // a field crmgw keeps no dictionary of
			}
			for sort, v := range fm.FieldValues {
				entries = append(entries, core.DictEntry{Kind: m.fields[i].kind, Code: v.ID, Name: v.Name, Sort: sort, Enabled: true})
			}
		}
		err := c.batch(ctx, core.ImportDictionary, len(entries), func() error {
			for _, e := range entries {
				if err := c.im.DictEntry(ctx, e); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			return err
		}
	}
	return nil
}

// crawledFieldEntities are the entities whose catalogues and values are
// imported: those of core's records.
var crawledFieldEntities = []string{"customer", "contact", "opportunity", "contract"}

// customFields reads the catalogue of each entity's custom fields, each
// field at its place in its group.
func (c *Crawl) customFields(ctx context.Context) error {
	for _, entity := range crawledFieldEntities {
		var groups customFieldGroups
		if err := c.get(ctx, "/custom_fields/"+entity+"/by_group", nil, &groups); err != nil {
			return err
		}
		var defs []core.CustomFieldDefinition
		for _, g := range groups.Groups {
			for sort, f := range g.CustomFields {
				defs = append(defs, core.CustomFieldDefinition{Entity: entity, Key: f.Name, Label: f.Label, FieldType: f.FieldType,
					GroupName: g.Label, Options: f.InputFieldOptions.CollectionOptions, Required: f.Required, Sort: sort})
			}
		}
		err := c.batch(ctx, core.ImportCustomField, len(defs), func() error {
			for _, d := range defs {
				if err := c.im.CustomField(ctx, d); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			return err
		}
	}
	return nil
}

// creators reads, before any customer is written, who made each customer
// that a contract's customer shows: the customer object itself names only
// its owner, who made the others.
func (c *Crawl) creators(ctx context.Context) error {
	return c.eachContract(ctx, func(details []contractView, _ []map[string]any) error {
		for _, d := range details {
			if id := refID(d.Customer.Creator); id != 0 {
				c.customerCreators[d.Customer.ID] = id
			}
		}
		return nil
	})
}

// eachContract reads the contracts, oldest first, a page at a time with
// each one's detail and custom fields, read before each handles the page.
func (c *Crawl) eachContract(ctx context.Context, each func([]contractView, []map[string]any) error) error {
	return pages(ctx, c, "/contracts", url.Values{"sort": {"created_at"}, "order": {"asc"}}, func(p contractPage) (int, int64, error) {
		n := len(p.Contracts)
		details, custom := make([]contractView, n), make([]map[string]any, n)
		if err := adapters.FetchEach(ctx, n, func(i int) error {
			var err error
			custom[i], _, err = c.record(ctx, "/contracts/"+strconv.FormatUint(p.Contracts[i].ID, 10), &details[i], "")
			return err
		}); err != nil {
			return 0, 0, err
		}
		return n, p.TotalCount, each(details, custom)
	})
}

// customers reads the customers, oldest first, each with its detail and
// contacts, read before the page's transaction.
func (c *Crawl) customers(ctx context.Context) error {
	return pages(ctx, c, "/customers", url.Values{"sort": {"created_at"}, "order": {"asc"}}, func(p customerPage) (int, int64, error) {
		n := len(p.Customers)
		details, custom, contacts := make([]customerObject, n), make([]map[string]any, n), make([][]map[string]any, n)
		if err := adapters.FetchEach(ctx, n, func(i int) error {
			var err error
			custom[i], contacts[i], err = c.record(ctx, "/customers/"+strconv.FormatUint(p.Customers[i].ID, 10), &details[i], "contacts")
			return err
		}); err != nil {
			return 0, 0, err
		}
		return n, p.TotalCount, c.batch(ctx, core.ImportCustomer, n, func() error {
			for i, d := range details {
				if err := c.customer(ctx, d, custom[i], contacts[i]); err != nil {
					return err
				}
			}
			return nil
		})
	})
}

func (c *Crawl) customer(ctx context.Context, d customerObject, custom map[string]any, contacts []map[string]any) error {
	status, err1 := codeOf(d.Status)
	category, err2 := codeOf(d.Category)
	source, err3 := codeOf(d.Source)
	industry, err4 := codeOf(d.Industry)
	made, err5 := c.minute(d.CreatedAt)
	changed, err6 := c.minute(d.UpdatedAt)
	if err := errors.Join(err1, err2, err3, err4, err5, err6); err != nil {
		return fmt.Errorf("customer %d: %w", d.ID, err)
	}
	// Who made a customer shows only in its contracts; else its owner made it, and
	// a customer of the public pool, which has none, the tenant alone.
	creator := c.customerCreators[d.ID]
	if creator == 0 {
		creator = d.UserID
	}
	a := d.Address
	in := core.NewCustomer{ID: d.ID, Name: d.Name, Tel: a.Tel, Address: a.DetailAddress, OwnerID: d.UserID, Public: d.IsPublic,
		StatusID: status, CategoryID: category, SourceID: source, IndustryID: industry, CreatedAt: made, UpdatedAt: changed,
		CustomerDetails: core.CustomerDetails{Phone: a.Phone, Email: a.Email, QQ: a.QQ, Wechat: a.Wechat, URL: a.URL, Zip: a.Zip,
			Fax: a.Fax, Note: d.Note},
		TagIDs: d.Labels, CustomFields: custom}
	for i, ct := range d.Contacts {
		cMade, err1 := c.minute(ct.CreatedAt)
		cChanged, err2 := c.minute(ct.UpdatedAt)
		if err := errors.Join(err1, err2); err != nil {
			return fmt.Errorf("contact %d: %w", ct.ID, err)
		}
		in.Contacts = append(in.Contacts, core.NewContact{ID: ct.ID, Name: ct.Name, Title: ct.Job, Phone: ct.Address.Phone,
			Tel: ct.Address.Tel, Email: ct.Address.Email, Address: ct.Address.DetailAddress, IsMain: ct.IsMain,
			CreatedAt: cMade, UpdatedAt: cChanged})
		if i < len(contacts) {
			in.Contacts[i].CustomFields = contacts[i]
		}
	}
	_, err := c.im.Customer(ctx, creator, in)
	return err
}

// lines reads product lines, as a contract or an opportunity shows them.
func lines(assets []productAssetView) ([]core.NewContractLine, error) {
	out := make([]core.NewContractLine, 0, len(assets))
	for _, l := range assets {
		unit, err1 := core.ParseMoney(l.RecommendedUnitPrice)
		total, err2 := core.ParseMoney(l.TotalPrice)
		if err := errors.Join(err1, err2); err != nil {
			return nil, fmt.Errorf("product line %d: %w", l.ID, err)
		}
		out = append(out, core.NewContractLine{ID: l.ID, ProductID: l.ProductID, ProductAttrID: l.ProductAttrID,
			ProductName: l.ProductName, ProductNo: l.ProductNo, Quantity: l.Quantity, UnitPrice: unit, TotalPrice: &total,
			SaleUnit: l.SaleUnit, Spec: l.Spec, Remark: l.Remark})
	}
	return out, nil
}

// opportunities reads the opportunities, each with its detail, read before
// the page's transaction.
func (c *Crawl) opportunities(ctx context.Context) error {
	return pages(ctx, c, "/opportunities", url.Values{"sort": {"created_at"}, "order": {"asc"}}, func(p opportunityPage) (int, int64, error) {
		n := len(p.Opportunities)
		details, custom := make([]opportunityView, n), make([]map[string]any, n)
		if err := adapters.FetchEach(ctx, n, func(i int) error {
			var err error
			custom[i], _, err = c.record(ctx, "/opportunities/"+strconv.FormatUint(p.Opportunities[i].ID, 10), &details[i], "")
			return err
		}); err != nil {
			return 0, 0, err
		}
		return n, p.TotalCount, c.batch(ctx, core.ImportOpportunity, n, func() error {
			for i, d := range details {
				if err := c.opportunity(ctx, d, custom[i]); err != nil {
					return err
				}
			}
			return nil
		})
	})
}

func (c *Crawl) opportunity(ctx context.Context, d opportunityView, custom map[string]any) error {
	stage, err1 := strconv.ParseUint(d.Stage, 10, 64)
	source, err2 := codeOf(d.Source)
	kind, err3 := codeOf(d.Kind)
	amount, err4 := core.ParseMoney(d.ExpectAmount)
	made, err5 := c.minute(d.CreatedAt)
	changed, err6 := c.minute(d.UpdatedAt)
	var expect *core.Date
	var err7 error
	if d.ExpectSignDate != nil {
		var day core.Date
		day, err7 = core.ParseDate(*d.ExpectSignDate)
		expect = &day
	}
	assets := make([]productAssetView, 0, len(d.ProductAssets))
	for _, l := range d.ProductAssets {
		assets = append(assets, productAssetView{ID: l.ID, ProductID: l.ProductID, ProductName: l.ProductName, Quantity: l.Quantity,
			RecommendedUnitPrice: l.RecommendedUnitPrice, TotalPrice: l.TotalPrice, Remark: l.Remark})
	}
	ls, err8 := lines(assets)
	if err := errors.Join(err1, err2, err3, err4, err5, err6, err7, err8); err != nil {
		return fmt.Errorf("opportunity %d: %w", d.ID, err)
	}
	in := core.NewOpportunity{ID: d.ID, CustomerID: d.CustomerID, OwnerID: d.UserID, DepartmentID: refID(d.OwnedDepartment),
		Title: d.Title, Amount: amount, StageID: stage, SourceID: source, KindID: kind, Probability: d.SignPossibility,
		ExpectSignDate: expect, Note: d.Note, CustomerRequirement: d.CustomerRequirement, Lines: ls, CustomFields: custom,
		CreatedAt: made, UpdatedAt: changed}
	for _, ct := range d.Contacts {
		in.ContactIDs = append(in.ContactIDs, ct.ID)
	}
	creator := refID(d.Creator)
	if creator == 0 {
		creator = d.UserID
	}
	return c.im.Opportunity(ctx, creator, in)
}

// contracts reads the contracts, oldest first, each with its detail.
func (c *Crawl) contracts(ctx context.Context) error {
	return c.eachContract(ctx, func(details []contractView, custom []map[string]any) error {
		return c.batch(ctx, core.ImportContract, len(details), func() error {
			for i, d := range details {
				if err := c.contract(ctx, d, custom[i]); err != nil {
					return err
				}
			}
			return nil
		})
	})
}

func (c *Crawl) contract(ctx context.Context, d contractView, custom map[string]any) error {
	category, err1 := codeOf(d.Category)
	payment, err2 := codeOf(d.PaymentType)
	statusCode, err3 := strconv.ParseUint(d.Status, 10, 64)
	total, err4 := core.ParseMoney(d.TotalAmount)
	signed, err5 := core.ParseDate(d.SignDate)
	started, err6 := core.ParseDate(d.StartAt)
	ends, err7 := core.ParseDate(d.EndAt)
	made, err8 := c.minute(d.CreatedAt)
	changed, err9 := c.minute(d.UpdatedAt)
	var assets []productAssetView
	var err10 error
	if _, none := d.ProductAssets.(string); !none { // "暂无产品" when there are none
		raw, err := json.Marshal(d.ProductAssets)
		if err10 = err; err == nil {
			err10 = json.Unmarshal(raw, &assets)
		}
	}
	ls, err11 := lines(assets)
	if err := errors.Join(err1, err2, err3, err4, err5, err6, err7, err8, err9, err10, err11); err != nil {
		return fmt.Errorf("contract %d: %w", d.ID, err)
	}
	status, known := core.ContractStatusOfCode(statusCode)
	if !known {
		return fmt.Errorf("contract %d: status %s is none of the ikcrm's", d.ID, d.Status)
	}
	in := core.NewContract{ID: d.ID, Title: d.Title, SN: d.SN, CustomerID: d.Customer.ID, OwnerID: refID(d.User),
		DepartmentID: refID(d.OwnedDepartment), OpportunityID: refID(d.Opportunity), TotalAmount: total,
		SignDate: signed, StartDate: started, EndDate: ends, Status: status, ApproveStatus: d.ApproveStatus,
		CategoryID: category, PaymentTypeID: payment, CustomFieldTemplateID: d.CustomFieldTemplateID,
		CustomerSigner: d.CustomerSigner, OurSigner: d.OurSigner, SpecialTerms: d.SpecialTerms, Lines: ls, CustomFields: custom,
		CreatedAt: made, UpdatedAt: changed}
	for _, u := range d.NotifyUsers {
		in.NotifyUserIDs = append(in.NotifyUserIDs, u.ID)
	}
	creator := refID(d.Creator)
	if creator == 0 {
		creator = in.OwnerID
	}
	_, err := c.im.Contract(ctx, creator, in)
	return err
}

// plans reads every payment plan of the tenant, each contract's in their stages' order.
func (c *Crawl) plans(ctx context.Context) error {
	var all []receivedPaymentPlan
	err := pages(ctx, c, "/received_payment_plans", nil, func(p receivedPaymentPlanPage) (int, int64, error) {
		all = append(all, p.ReceivedPaymentPlans...)
		return len(p.ReceivedPaymentPlans), p.TotalCount, nil
	})
	if err != nil {
		return err
	}
	slices.SortStableFunc(all, func(a, b receivedPaymentPlan) int { return a.ReceiveStage - b.ReceiveStage })
	for page := range slices.Chunk(all, c.perPage()) {
		err := c.batch(ctx, core.ImportPaymentPlan, len(page), func() error {
			for _, p := range page {
				amount, err1 := core.ParseMoney(p.Amount)
				due, err2 := core.ParseDate(p.ReceiveDate)
				kind, err3 := codeOf(p.ReceivedTypes)
				if err := errors.Join(err1, err2, err3); err != nil {
					return fmt.Errorf("payment plan %d: %w", p.ID, err)
				}
				if err := c.im.PaymentPlan(ctx, p.User.ID, core.NewPaymentPlan{ID: p.ID, ContractID: p.ContractID, Amount: amount,
					DueOn: due, PaymentTypeID: kind, Remark: p.Note}); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			return err
		}
	}
	return nil
}

// payments reads every payment received, and writes them oldest first.
func (c *Crawl) payments(ctx context.Context) error {
	var all []receivedPayment
	err := pages(ctx, c, "/received_payments", nil, func(p receivedPaymentPage) (int, int64, error) {
		all = append(all, p.ReceivedPayments...)
		return len(p.ReceivedPayments), p.TotalCount, nil
	})
	if err != nil {
		return err
	}
	slices.Reverse(all) // the list is newest first
	for page := range slices.Chunk(all, c.perPage()) {
		err := c.batch(ctx, core.ImportPayment, len(page), func() error {
			for _, p := range page {
				amount, err1 := core.ParseMoney(p.Amount)
				paid, err2 := core.ParseDate(p.ReceiveDate)
				kind, err3 := codeOf(p.ReceivedTypes)
				made, err4 := c.minute(p.CreatedAt)
				if err := errors.Join(err1, err2, err3, err4); err != nil {
					return fmt.Errorf("payment %d: %w", p.ID, err)
				}
				if err := c.im.Payment(ctx, p.User.ID, core.NewPayment{ID: p.ID, ContractID: p.ContractID, Direction: core.PaymentIn,
					Amount: amount, PaidOn: paid, PlanID: p.ReceivedPaymentPlanID, PaymentTypeID: kind, Remark: p.Note,
					CreatedAt: made}); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			return err
		}
	}
	return nil
}

// revisitLogs reads every follow-up, of every day, and writes them oldest first.
func (c *Crawl) revisitLogs(ctx context.Context) error {
	var all []revisitLog
	err := pages(ctx, c, "/revisit_logs/new_index", url.Values{"date": {"all"}}, func(p revisitPage) (int, int64, error) {
		all = append(all, p.RevisitLogs...)
		return len(p.RevisitLogs), p.TotalCount, nil
	})
	if err != nil {
		return err
	}
	slices.Reverse(all) // the list is the latest first
	for page := range slices.Chunk(all, c.perPage()) {
		err := c.batch(ctx, core.ImportFollowUp, len(page), func() error {
			for _, r := range page {
				in, err := c.followUp(r)
				if err != nil {
					return err
				}
				if err := c.im.FollowUpOn(ctx, r.User.ID, in); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			return err
		}
	}
	return nil
}

func (c *Crawl) followUp(r revisitLog) (core.NewFollowUp, error) {
	kind, lead, known := subjectKind(r.LoggableType)
	if !known || lead {
		return core.NewFollowUp{}, fmt.Errorf("follow-up %d: on %q, which crmgw keeps none of", r.ID, r.LoggableType)
	}
	category, err1 := codeOf(r.Category)
	contacted, err2 := c.minute(r.RealRevisitAt)
	made, err3 := c.minute(r.CreatedAt)
	var remind time.Time
	var err4 error
	if r.RemindAt != nil {
		remind, err4 = c.minute(*r.RemindAt)
	}
	if err := errors.Join(err1, err2, err3, err4); err != nil {
		return core.NewFollowUp{}, fmt.Errorf("follow-up %d: %w", r.ID, err)
	}
	in := core.NewFollowUp{ID: r.ID, CreatedAt: made, SubjectKind: kind, SubjectID: r.LoggableID, TypeID: category,
		Content: r.Content, ContactedAt: contacted, RemindAt: remind}
	if a := r.Address; a != nil {
		in.Place = a.DetailAddress
		if a.Lat != nil && a.Lng != nil {
			in.Lat, in.Lng = a.Lat.String(), a.Lng.String()
		}
	}
	return in, nil
}

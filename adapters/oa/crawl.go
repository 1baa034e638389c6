package oa

// The OA's side of `crmgw import oa`: a client of an old OA server (or of a
// crmgw serving the OA) that reads every record its token sees, page by page,
// from the endpoints that read data, and writes it through core's import with
// the OA's ids kept. What the OA never shows (owners other than the creator,
// departments, other users' targets, contacts beside the main one's name) is
// the file import's.

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"crmgw/adapters"
	"crmgw/core"
)

// CrawlSize is how many records one page of the crawl reads: one batch.
const CrawlSize = 100

// Crawl is one import of an OA's data.
type Crawl struct {
	Client *http.Client
	Base   string // the OA's root, without /oa
	Token  string
	// Login and Password, when Token is "", log in for a token; the login's
	// user then also brings its department and this month's target.
	Login, Password string
	DryRun          bool
	Progress        func(kind string, rows int) // told of each page written; may be nil

	im          *core.Import
	loc         *time.Location
	users       map[uint64]bool // written or held already
	contractIDs []uint64        // every contract read, for its payments out
	me          loginData       // the login's user, when logged in
}

// envelope's data, read as raw JSON.
type crawlEnvelope struct {
	StatusCode string          `json:"statuscode"`
	StatusMsg  string          `json:"statusmsg"`
	Data       json.RawMessage `json:"data"`
	TotalPgs   int64           `json:"totalpgs"`
	UserMsg    string          `json:"usermsg"`
}

// get reads one answer of the OA into data, returning its page count.
func (c *Crawl) get(ctx context.Context, path string, q url.Values, data any) (pages int64, err error) {
	if q == nil {
		q = url.Values{}
	}
	q.Set("access_token", c.Token)
	return c.do(ctx, http.MethodGet, path+"?"+q.Encode(), "", data)
}

func (c *Crawl) do(ctx context.Context, method, pathAndQuery, form string, data any) (int64, error) {
	var body io.Reader
	if form != "" {
		body = strings.NewReader(form)
	}
	req, err := http.NewRequestWithContext(ctx, method, c.Base+"/oa"+pathAndQuery, body)
	if err != nil {
		return 0, err
	}
	if form != "" {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	res, err := c.Client.Do(req)
	if err != nil {
		return 0, err
	}
	defer res.Body.Close()
	raw, err := io.ReadAll(io.LimitReader(res.Body, 64<<20))
	if err != nil {
		return 0, err
	}
	var e crawlEnvelope
	if err := json.Unmarshal(raw, &e); err != nil {
		return 0, fmt.Errorf("%s: HTTP %d, not the OA's answer: %.200s", redactedPath(pathAndQuery), res.StatusCode, raw)
	}
	if e.StatusCode != "0000" {
		return 0, fmt.Errorf("%s: %s %s (%s)", redactedPath(pathAndQuery), e.StatusCode, e.StatusMsg, e.UserMsg)
	}
	dec := json.NewDecoder(bytes.NewReader(e.Data))
	dec.UseNumber() // the OA's sums are Java doubles ("2.0E7"): read as written, not as float64
	return e.TotalPgs, dec.Decode(data)
}

// redactedPath is a request's path without its query, where the token is.
func redactedPath(pathAndQuery string) string {
	u, err := url.Parse(pathAndQuery)
	if err != nil {
		return "?"
	}
	return u.Path
}

// Run reads everything into im: users as they are first seen, customers,
// contracts, receipts, payments out, and the login's target.
func (c *Crawl) Run(ctx context.Context, im *core.Import) error {
	c.im, c.loc, c.users, c.contractIDs = im, im.Location(), map[uint64]bool{}, nil
	return im.Run(ctx, c.DryRun, func() error { return c.run(ctx) })
}

func (c *Crawl) run(ctx context.Context) error {
	if c.Token == "" {
		form := url.Values{"tt": {"1"}, "vn": {"1.0"}, "username": {c.Login}, "password": {c.Password}}
		if _, err := c.do(ctx, http.MethodPost, "/users/login", form.Encode(), &c.me); err != nil {
			return fmt.Errorf("login: %w", err)
		}
		c.Token = c.me.AccessToken
		if err := c.batch(ctx, func() error { return c.meFirst(ctx) }); err != nil {
			return err
		}
	}
	// Records with ids first, so that the ids given to those without (payments
	// out) are past every kept one.
	for _, step := range []func(context.Context) error{c.customers, c.contracts, c.receipts, c.paymentsOut, c.target} {
		if err := step(ctx); err != nil {
			return err
		}
	}
	return nil
}

func (c *Crawl) batch(ctx context.Context, fn func() error) error {
	return c.im.Batch(ctx, fn)
}

func (c *Crawl) progress(kind string, n int) {
	if c.Progress != nil {
		c.Progress(kind, n)
	}
}

// meFirst writes the login's user with its department, the one the OA shows.
func (c *Crawl) meFirst(ctx context.Context) error {
	if c.me.Dept.ID != 0 {
		if err := c.im.Department(ctx, c.me.Dept.ID, c.me.Dept.Name); err != nil {
			return err
		}
	}
	return c.user(ctx, c.me.ID, c.me.Username, c.me.RealName, c.me.Dept.ID)
}

// user writes a user the first time one is seen; the OA's users have a login
// name and a real name, no more.
func (c *Crawl) user(ctx context.Context, id uint64, name, realName string, department uint64) error {
	if id == 0 || c.users[id] {
		return nil
	}
	c.users[id] = true
	return c.im.User(ctx, core.NewUser{ID: id, Name: name, RealName: realName, DepartmentID: department})
}

// pages reads a list page by page, from 0, handing each page's rows to each.
func pages[T any](ctx context.Context, c *Crawl, path string, q url.Values, each func([]T) error) error {
	for page := int64(0); ; page++ {
		q.Set("page", strconv.FormatInt(page, 10))
		q.Set("size", strconv.Itoa(CrawlSize))
		var rows []T
		total, err := c.get(ctx, path, q, &rows)
		if err != nil {
			return err
		}
		if err := each(rows); err != nil {
			return err
		}
		if page+1 >= total || len(rows) == 0 {
			return nil
		}
	}
}

func (c *Crawl) time(text string) (time.Time, error) {
	return time.ParseInLocation(timeLayout, text, c.loc)
}

// customers reads the customers, oldest first, each with its detail.
func (c *Crawl) customers(ctx context.Context) error {
	industries, err := c.im.DictionaryCodes(ctx, core.DictIndustry)
	if err != nil {
		return err
	}
	return pages(ctx, c, "/customers", url.Values{"order": {"createtime"}}, func(rows []customerRow) error {
		details := make([]customerData, len(rows))
		if err := adapters.FetchEach(ctx, len(rows), func(i int) error {
			_, err := c.get(ctx, "/customers/"+url.PathEscape(rows[i].ID), nil, &details[i])
			return err
		}); err != nil {
			return err
		}
		err := c.batch(ctx, func() error {
			for _, d := range details {
				if err := c.customer(ctx, d, industries); err != nil {
					return err
				}
			}
			return nil
		})
		if err == nil {
			c.progress(core.ImportCustomer, len(rows))
		}
		return err
	})
}

func (c *Crawl) customer(ctx context.Context, d customerData, industries map[string]uint64) error {
	id, err1 := core.ParseID(d.ID)
	creator, err2 := core.ParseID(d.Creator.ID)
	status, err3 := strconv.ParseUint(d.Status, 10, 8)
	level, err4 := strconv.Atoi(d.Level)
	made, err5 := c.time(d.CreateTime)
	changed, err6 := c.time(d.ModifyTime)
	if err := errors.Join(err1, err2, err3, err4, err5, err6); err != nil {
		return fmt.Errorf("customer %s: %w", d.ID, err)
	}
	if err := c.user(ctx, creator, d.Creator.Username, d.Creator.RealName, 0); err != nil {
		return err
	}
	in := core.NewCustomer{ID: id, Name: d.Name, Tel: d.Tel, Address: d.Address, OwnerID: creator, ProgressID: status + 1,
		IndustryID: industries[d.Industry], CreatedAt: made, UpdatedAt: changed, Level: &level,
		CustomerDetails: core.CustomerDetails{URL: d.Site, Fax: d.Fax, Note: d.Remark, Profile: d.ComProfile}}
	if d.Contact != "" {
		in.Contacts = []core.NewContact{{Name: d.Contact, IsMain: true, CreatedAt: made, UpdatedAt: changed}}
	}
	_, err := c.im.Customer(ctx, creator, in)
	return err
}

// contracts reads the contracts, each with its detail.
func (c *Crawl) contracts(ctx context.Context) error {
	return pages(ctx, c, "/contracts", url.Values{}, func(rows []contractRow) error {
		details := make([]contractDetail, len(rows))
		if err := adapters.FetchEach(ctx, len(rows), func(i int) error {
			_, err := c.get(ctx, "/contracts/"+url.PathEscape(rows[i].ID), nil, &details[i])
			return err
		}); err != nil {
			return err
		}
		err := c.batch(ctx, func() error {
			for _, d := range details {
				if err := c.contract(ctx, d); err != nil {
					return err
				}
			}
			return nil
		})
		if err == nil {
			c.progress(core.ImportContract, len(rows))
		}
		return err
	})
}

// paymentTypeOf is the payment type code of the OA's paymethod: payMethods
// the other way; 0, none, for any other.
func paymentTypeOf(payMethod int) uint64 {
	for code, m := range payMethods {
		if m == payMethod {
			return code
		}
	}
	return 0
}

func (c *Crawl) contract(ctx context.Context, d contractDetail) error {
	id, err1 := core.ParseID(d.ID)
	customer, err2 := core.ParseID(d.Customer.ID)
	owner, err3 := core.ParseID(d.HeadContractor.ID)
	creator, err4 := core.ParseID(d.Creator.ID)
	total, err5 := core.ParseMoney(fmt.Sprint(d.TotalAmount))
	signed, err6 := core.ParseDate(d.SignDate)
	started, err7 := core.ParseDate(d.StartDate)
	ends, err8 := core.ParseDate(d.EndDate)
	made, err9 := c.time(d.CreateTime)
	changed, err10 := c.time(d.ModifyTime)
	if err := errors.Join(err1, err2, err3, err4, err5, err6, err7, err8, err9, err10); err != nil {
		return fmt.Errorf("contract %s: %w", d.ID, err)
	}
	status, known := statusOfDigit[strconv.Itoa(d.Status)]
	if !known {
		return fmt.Errorf("contract %s: status %d is none of the OA's", d.ID, d.Status)
	}
	for _, p := range []person{d.HeadContractor, d.Creator} {
		pid, _ := core.ParseID(p.ID)
		if err := c.user(ctx, pid, p.Username, p.RealName, 0); err != nil {
			return err
		}
	}
	_, err := c.im.Contract(ctx, creator, core.NewContract{ID: id, Title: d.Title, SN: d.CNo, CustomerID: customer, OwnerID: owner,
		TotalAmount: total, SignDate: signed, StartDate: started, EndDate: ends, Status: status, ApproveStatus: core.ApprovalApproved,
		PaymentTypeID: paymentTypeOf(d.PayMethod), CustomerSigner: d.CustContractor, OurSigner: d.OurContractor.RealName,
		SpecialTerms: d.Content, CreatedAt: made, UpdatedAt: changed})
	if err == nil {
		c.contractIDs = append(c.contractIDs, id)
	}
	return err
}

// paymentsOut reads each contract's payments out, which the OA shows without
// ids: those past the ones the contract has here already are written.
func (c *Crawl) paymentsOut(ctx context.Context) error {
	for start := 0; start < len(c.contractIDs); start += CrawlSize {
		ids := c.contractIDs[start:min(start+CrawlSize, len(c.contractIDs))]
		out := make([][]core.NewPayment, len(ids))
		if err := adapters.FetchEach(ctx, len(ids), func(i int) error {
			return pages(ctx, c, "/contracts/"+strconv.FormatUint(ids[i], 10)+"/spending", url.Values{}, func(page []moneyRow) error {
				for _, m := range page {
					sum, err1 := core.ParseMoney(fmt.Sprint(m.Sum))
					paid, err2 := core.ParseDate(m.DBillDate)
					if err := errors.Join(err1, err2); err != nil {
						return fmt.Errorf("contract %d's payment out: %w", ids[i], err)
					}
					out[i] = append(out[i], core.NewPayment{Amount: sum, PaidOn: paid})
				}
				return nil
			})
		}); err != nil {
			return err
		}
		n := 0
		err := c.batch(ctx, func() error {
			for i, rows := range out {
				if len(rows) == 0 {
					continue
				}
				n += len(rows)
				if err := c.im.PaymentsWithout(ctx, 0, ids[i], core.PaymentOut, rows); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			return err
		}
		c.progress(core.ImportPayment, n)
	}
	return nil
}

// receipts reads every receipt of the tenant, oldest first, with its id.
func (c *Crawl) receipts(ctx context.Context) error {
	var all []receivingRow
	err := pages(ctx, c, "/crm/contracts/receiving/all", url.Values{}, func(rows []receivingRow) error {
		all = append(all, rows...)
		return nil
	})
	if err != nil {
		return err
	}
	// The list is newest first; written oldest first, each contract's periods count as they did.
	for end := len(all); end > 0; end -= CrawlSize {
		page := all[max(0, end-CrawlSize):end]
		err := c.batch(ctx, func() error {
			for i := len(page) - 1; i >= 0; i-- {
				r := page[i]
				id, err1 := core.ParseID(r.ID)
				contract, err2 := core.ParseID(r.Contract.ID)
				sum, err3 := core.ParseMoney(fmt.Sprint(r.Sum))
				paid, err4 := core.ParseDate(r.DBillDate)
				made, err5 := c.time(r.CreateTime)
				if err := errors.Join(err1, err2, err3, err4, err5); err != nil {
					return fmt.Errorf("receipt %s: %w", r.ID, err)
				}
				if err := c.im.Payment(ctx, 0, core.NewPayment{ID: id, ContractID: contract, Direction: core.PaymentIn, Amount: sum,
					PaidOn: paid, Remark: r.Remark, CreatedAt: made}); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			return err
		}
		c.progress(core.ImportPayment, len(page))
	}
	return nil
}

// target imports the login's target of this month, which home shows.
func (c *Crawl) target(ctx context.Context) error {
	if c.me.ID == 0 {
		return nil
	}
	var h struct {
		MonthTarget any `json:"monthtarget"` // a number, or "" when there is none
	}
	if _, err := c.get(ctx, "/crm/home", nil, &h); err != nil || h.MonthTarget == "" {
		return err
	}
	amount, err := core.ParseMoney(fmt.Sprint(h.MonthTarget))
	if err != nil {
		return fmt.Errorf("home's monthtarget: %w", err)
	}
	return c.batch(ctx, func() error { return c.im.Target(ctx, c.me.ID, c.im.CurrentMonth(), amount) })
}

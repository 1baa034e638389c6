package qcy

import (
	"time"

	"crmgw/core"
)

// Customer is the WebApi's Customer object.
type Customer struct {
	PK_ID      uint64 `json:"PK_ID" xml:"PK_ID"`
	CustName   string `json:"CustName" xml:"CustName"`
	Tel        string `json:"Tel" xml:"Tel"`
	Address    string `json:"Address" xml:"Address"`
	FK_UserID  uint64 `json:"FK_UserID" xml:"FK_UserID"`
	IndustryID uint64 `json:"IndustryID" xml:"IndustryID"`
	SourceID   uint64 `json:"SourceID" xml:"SourceID"`
	ProgressID uint64 `json:"ProgressID" xml:"ProgressID"`
	KindID     uint64 `json:"KindID" xml:"KindID"`
	StateID    uint64 `json:"StateID" xml:"StateID"`
	IsPublic   bool   `json:"IsPublic" xml:"IsPublic"`
	CDate      string `json:"CDate" xml:"CDate"`
	UDate      string `json:"UDate" xml:"UDate"`
}

func fromCustomer(c core.Customer, loc *time.Location) Customer {
	return Customer{PK_ID: c.ID, CustName: c.Name, Tel: c.Tel, Address: c.Address, FK_UserID: c.OwnerID,
		IndustryID: c.IndustryID, SourceID: c.SourceID, ProgressID: c.ProgressID, KindID: c.CategoryID,
		StateID: c.StatusID, IsPublic: c.IsPublic, CDate: formatTime(c.CreatedAt, loc), UDate: formatTime(c.UpdatedAt, loc)}
}

// toCore maps the fields a client may set; ids, owner flags and dates are the server's.
func (c Customer) toCore() core.NewCustomer {
	return core.NewCustomer{Name: c.CustName, Tel: c.Tel, Address: c.Address, OwnerID: c.FK_UserID,
		IndustryID: c.IndustryID, SourceID: c.SourceID, ProgressID: c.ProgressID, CategoryID: c.KindID, StatusID: c.StateID}
}

// ContactHistory is the WebApi's ContactHistory object.
type ContactHistory struct {
	PK_ID        uint64 `json:"PK_ID" xml:"PK_ID"`
	FK_CustID    uint64 `json:"FK_CustID" xml:"FK_CustID"`
	FK_LinkManID uint64 `json:"FK_LinkManID" xml:"FK_LinkManID"`
	FK_UserID    uint64 `json:"FK_UserID" xml:"FK_UserID"`
	TypeID       uint64 `json:"TypeID" xml:"TypeID"`
	RouteID      uint64 `json:"RouteID" xml:"RouteID"`
	Title        string `json:"Title" xml:"Title"`
	Content      string `json:"Content" xml:"Content"`
	ContactDate  string `json:"ContactDate" xml:"ContactDate"`
	CDate        string `json:"CDate" xml:"CDate"`
}

func fromContactHistory(h core.ContactHistory, loc *time.Location) ContactHistory {
	return ContactHistory{PK_ID: h.ID, FK_CustID: h.CustomerID, FK_LinkManID: h.ContactID, FK_UserID: h.UserID,
		TypeID: h.TypeID, RouteID: h.RouteID, Title: h.Title, Content: h.Content,
		ContactDate: formatTime(h.ContactedAt, loc), CDate: formatTime(h.CreatedAt, loc)}
}

// CustomerLinkMan is the WebApi's contact person of a customer (also listed as LinkMan).
type CustomerLinkMan struct {
	PK_ID       uint64 `json:"PK_ID" xml:"PK_ID"`
	FK_CustID   uint64 `json:"FK_CustID" xml:"FK_CustID"`
	LinkManName string `json:"LinkManName" xml:"LinkManName"`
	Post        string `json:"Post" xml:"Post"`
	Mobile      string `json:"Mobile" xml:"Mobile"`
	Email       string `json:"Email" xml:"Email"`
	IsMainMan   bool   `json:"IsMainMan" xml:"IsMainMan"`
	CDate       string `json:"CDate" xml:"CDate"`
}

func fromContact(ct core.Contact, loc *time.Location) CustomerLinkMan {
	return CustomerLinkMan{PK_ID: ct.ID, FK_CustID: ct.CustomerID, LinkManName: ct.Name, Post: ct.Title,
		Mobile: ct.Phone, Email: ct.Email, IsMainMan: ct.IsMain, CDate: formatTime(ct.CreatedAt, loc)}
}

func (m CustomerLinkMan) toCore() core.NewContact {
	return core.NewContact{CustomerID: m.FK_CustID, Name: m.LinkManName, Title: m.Post, Phone: m.Mobile, Email: m.Email, IsMain: m.IsMainMan}
}

// CustomerContactPlan is the WebApi's contact plan.
type CustomerContactPlan struct {
	PK_ID        uint64 `json:"PK_ID" xml:"PK_ID"`
	FK_CustID    uint64 `json:"FK_CustID" xml:"FK_CustID"`
	FK_LinkManID uint64 `json:"FK_LinkManID" xml:"FK_LinkManID"`
	FK_UserID    uint64 `json:"FK_UserID" xml:"FK_UserID"`
	FK_HistoryID uint64 `json:"FK_HistoryID" xml:"FK_HistoryID"`
	TypeID       uint64 `json:"TypeID" xml:"TypeID"`
	RouteID      uint64 `json:"RouteID" xml:"RouteID"`
	Title        string `json:"Title" xml:"Title"`
	NextTime     string `json:"NextTime" xml:"NextTime"`
	IsDone       bool   `json:"IsDone" xml:"IsDone"`
	DoneTime     string `json:"DoneTime" xml:"DoneTime"` // "" while pending
	CDate        string `json:"CDate" xml:"CDate"`
}

func fromContactPlan(p core.ContactPlan, loc *time.Location) CustomerContactPlan {
	w := CustomerContactPlan{PK_ID: p.ID, FK_CustID: p.CustomerID, FK_LinkManID: p.ContactID, FK_UserID: p.UserID,
		FK_HistoryID: p.HistoryID, TypeID: p.TypeID, RouteID: p.RouteID, Title: p.Title,
		NextTime: formatTime(p.PlannedAt, loc), IsDone: p.DoneAt != nil, CDate: formatTime(p.CreatedAt, loc)}
	if p.DoneAt != nil {
		w.DoneTime = formatTime(*p.DoneAt, loc)
	}
	return w
}

// BaseType is a dictionary entry (BaseType/GetBaseType).
type BaseType struct {
	PK_ID    uint64 `json:"PK_ID" xml:"PK_ID"`
	Par_ID   string `json:"Par_ID" xml:"Par_ID"` // the dictionary, as the caller named it
	TypeName string `json:"TypeName" xml:"TypeName"`
	SortNo   int    `json:"SortNo" xml:"SortNo"`
}

// CustomerType is a node of the customer type tree (CustomerType/GetTypeList).
type CustomerType struct {
	PK_ID     uint64 `json:"PK_ID" xml:"PK_ID"`
	Parent_ID uint64 `json:"Parent_ID" xml:"Parent_ID"`
	TypeName  string `json:"TypeName" xml:"TypeName"`
	SortNo    int    `json:"SortNo" xml:"SortNo"`
}

// CRM_Cust_T_CustKind is a customer kind (CustomerSign/GetCustTypeBdefault).
type CRM_Cust_T_CustKind struct {
	PK_ID     uint64 `json:"PK_ID" xml:"PK_ID"`
	KindName  string `json:"KindName" xml:"KindName"`
	SortNo    int    `json:"SortNo" xml:"SortNo"`
	IsDefault bool   `json:"IsDefault" xml:"IsDefault"`
}

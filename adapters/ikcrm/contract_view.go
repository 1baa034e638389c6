package ikcrm

// The full contract object of ikcrm-contracts.md's example, field for field.

import (
	"context"
	"encoding/json"
	"strconv"
	"strings"

	"github.com/mozillazg/go-pinyin"

	"crmgw/core"
)

type contractView struct {
	ID                         uint64         `json:"id"`
	Category                   *string        `json:"category"`
	CategoryMapped             *string        `json:"category_mapped"`
	PaymentType                *string        `json:"payment_type"`
	PaymentTypeMapped          *string        `json:"payment_type_mapped"`
	Status                     string         `json:"status"`
	StatusMapped               string         `json:"status_mapped"`
	IsEditable                 bool           `json:"is_editable"`
	OrganizationID             uint64         `json:"organization_id"`
	Title                      string         `json:"title"`
	TotalAmount                string         `json:"total_amount"`
	StartAt                    string         `json:"start_at"`
	EndAt                      string         `json:"end_at"`
	CustomerSigner             string         `json:"customer_signer"`
	NeedHiddenDispose          bool           `json:"need_hidden_dispose"`
	RevisitRemindAt            string         `json:"revisit_remind_at"`
	ReceivedPaymentsPlanCount  int            `json:"received_payments_plan_count"`
	ReceivedPaymentsPlanAmount json.Number    `json:"received_payments_plan_amount"`
	ReceivedPaymentsAmount     string         `json:"received_payments_amount"`
	UnreceivedAmount           json.Number    `json:"unreceived_amount"`
	UncheckingPaymentsAmount   json.Number    `json:"unchecking_payments_amount"`
	CheckingPaymentsAmount     string         `json:"checking_payments_amount"`
	SN                         string         `json:"sn"`
	SignDate                   string         `json:"sign_date"`
	Times                      string         `json:"times"`
	TimesDisplay               string         `json:"times_display"`
	ApproveStatus              string         `json:"approve_status"`
	ApproveStatusI18n          string         `json:"approve_status_i18n"`
	ApproveDenyType            int            `json:"approve_deny_type"`
	AllAttachments             []struct{}     `json:"all_attachments"`
	OwnedDepartment            any            `json:"owned_department" jsontype:"object"`
	IsOwn                      bool           `json:"is_own"`
	IsHasPolicyForAssistUser   bool           `json:"is_has_policy_for_assist_user"`
	IsMyAssistEntity           bool           `json:"is_my_assist_entity"`
	ProductAssetsForNewRecord  []assetSeed    `json:"product_assets_for_new_record"`
	OurSigner                  string         `json:"our_signer"`
	SpecialTerms               string         `json:"special_terms"`
	CreatedAt                  string         `json:"created_at"`
	UpdatedAt                  string         `json:"updated_at"`
	ProductAssets              any            `json:"product_assets" jsontype:"string,array"` // "暂无产品" when there are none, as the example shows
	Attachments                string         `json:"attachments"`                            // crmgw keeps no files: always "暂无附件"
	BeforeUser                 struct{}       `json:"before_user"`
	BeforeOwnedDepartment      struct{}       `json:"before_owned_department"`
	Creator                    any            `json:"creator" jsontype:"object"`
	User                       any            `json:"user" jsontype:"object"`
	Opportunity                any            `json:"opportunity" jsontype:"object"`
	Customer                   customerView   `json:"customer"`
	CanApprove                 bool           `json:"can_approve"`
	StepCanApprove             bool           `json:"step_can_approve"`
	Step                       int            `json:"step"`
	NotifyUsers                []userRef      `json:"notify_users"`
	CanRevertApplying          bool           `json:"can_revert_applying"`
	NeedApproveStep            int            `json:"need_approve_step"`
	AttachmentsCount           int            `json:"attachments_count"`
	FileAttachmentsCount       int            `json:"file_attachments_count"`
	IsUserSelf                 bool           `json:"is_user_self"`
	ReceivedPaymentPlans       []paymentPlan  `json:"received_payment_plans"`
	CustomFieldTemplateID      uint64         `json:"custom_field_template_id,omitempty"`
	custom                     map[string]any // echoed after the vendor's fields, in key order
	catalogue                  []core.CustomField
}

type departmentRef struct {
	ID   uint64 `json:"id"`
	Name string `json:"name"`
}

type userRef struct {
	ID   uint64 `json:"id"`
	Name string `json:"name"`
}

type userView struct {
	ID             uint64 `json:"id"`
	Email          string `json:"email"`
	CreatedAt      string `json:"created_at"`
	Name           string `json:"name"`
	OrganizationID uint64 `json:"organization_id"`
	Phone          string `json:"phone"`
	RoleID         int    `json:"role_id"`
	WorkflowState  string `json:"workflow_state"`
	Job            string `json:"job"`
	Tel            string `json:"tel"`
	AvatarURL      string `json:"avatar_url"`
	DepartmentName string `json:"department_name"`
}

type customerView struct {
	ID                uint64      `json:"id"`
	Name              string      `json:"name"`
	NamePinyin        string      `json:"name_pinyin"`
	UserID            uint64      `json:"user_id"`
	UserName          string      `json:"user_name"`
	Contacts          []struct{}  `json:"contacts"`
	CompanyName       string      `json:"company_name"`
	Address           addressView `json:"address"`
	RevisitAt         string      `json:"revisit_at"`
	IsOwn             bool        `json:"is_own"`
	Status            *string     `json:"status"`
	StatusMapped      *string     `json:"status_mapped"`
	Category          *string     `json:"category"`
	CategoryMapped    *string     `json:"category_mapped"`
	QixinbaoID        string      `json:"qixinbao_id"`
	CreatedAt         string      `json:"created_at"`
	UpdatedAt         string      `json:"updated_at"`
	Creator           any         `json:"creator" jsontype:"object"`
	IsUserSelf        bool        `json:"is_user_self"`
	ApproveStatus     string      `json:"approve_status"`
	ApproveStatusI18n string      `json:"approve_status_i18n"`
}

// addressView is the customer's address; crmgw keeps a telephone and an address line.
type addressView struct {
	ID                uint64   `json:"id"`
	Tel               string   `json:"tel"`
	TelHiddenResult   string   `json:"tel_hidden_result"`
	Phone             string   `json:"phone"`
	PhoneHiddenResult string   `json:"phone_hidden_result"`
	QQ                string   `json:"qq"`
	Email             string   `json:"email"`
	Lng               *float64 `json:"lng"`
	Lat               *float64 `json:"lat"`
	DetailAddress     string   `json:"detail_address"`
	OffDistance       int      `json:"off_distance"`
	URL               string   `json:"url"`
	GaodeStaticmap    string   `json:"gaode_staticmap"`
	FullAddress       string   `json:"full_address"`
}

type productAssetView struct {
	ID                   uint64 `json:"id"`
	ProductID            uint64 `json:"product_id"`
	ProductAttrID        uint64 `json:"product_attr_id"`
	ProductName          string `json:"product_name"`
	ProductNo            string `json:"product_no"`
	Quantity             int64  `json:"quantity"`
	RecommendedUnitPrice string `json:"recommended_unit_price"`
	TotalPrice           string `json:"total_price"`
	SaleUnit             string `json:"sale_unit"`
	Spec                 string `json:"spec"`
	Remark               string `json:"remark"`
	TypeName             string `json:"type_name"`
	TypeID               uint64 `json:"type_id"`
}

// assetSeed is a product line as a client copies it into a new record
// (vendor-facts-wider.md §1.10): every field a number or a string, never
// null, for clients that read them into non-nullable types.
type assetSeed struct {
	ProductID            uint64 `json:"product_id"`
	ProductNo            string `json:"product_no"`
	Quantity             int64  `json:"quantity"`
	RecommendedUnitPrice string `json:"recommended_unit_price"`
	Name                 string `json:"name"`
}

type paymentPlan struct {
	ID          uint64      `json:"id"`
	Amount      json.Number `json:"amount"`
	ReceiveDate string      `json:"receive_date"`
}

// isoLayout is the example's ISO-8601 time with milliseconds and offset.
const isoLayout = "2006-01-02T15:04:05.000-07:00"

// contract is the contract object that show, create and update answer.
func (a *Adapter) contract(ctx context.Context, caller core.Caller, id uint64) (any, error) {
	d, err := a.svc.GetContract(ctx, caller, id)
	if err != nil {
		return nil, err
	}
	names, err := a.svc.DictionaryNames(ctx, caller, core.DictContractCategory, core.DictPaymentType,
		core.DictContractStatus, core.DictCustomerStatus, core.DictCustomerCategory)
	if err != nil {
		return nil, err
	}
	v, err := viewOf(caller, d, names)
	if err != nil {
		return nil, err
	}
	if v.catalogue, err = a.svc.CustomFields(ctx, caller, core.EntityContract); err != nil {
		return nil, err
	}
	return v, nil
}

func viewOf(caller core.Caller, d core.ContractDetail, names map[string]map[uint64]string) (*contractView, error) {
	loc := caller.Location
	user := func(u core.User) any {
		if u.ID == 0 {
			return struct{}{}
		}
		return userView{ID: u.ID, Email: u.Email, CreatedAt: minuteTime(u.CreatedAt, loc), Name: displayName(u),
			OrganizationID: caller.Dialects.IkcrmOrg, Phone: u.Phone, WorkflowState: "organization_staff",
			DepartmentName: d.DepartmentNames[u.DepartmentID]}
	}
	statusCode := core.ContractStatusCode(d.Status)
	times := d.StartDate.String() + " - " + d.EndDate.String()
	checking := core.Money{} // crmgw has no payment checking step: every payment counts as checked
	v := &contractView{
		ID:       d.ID,
		Category: code(d.CategoryID), CategoryMapped: mapped(names[core.DictContractCategory], d.CategoryID),
		PaymentType: code(d.PaymentTypeID), PaymentTypeMapped: mapped(names[core.DictPaymentType], d.PaymentTypeID),
		Status: strconv.FormatUint(statusCode, 10), StatusMapped: names[core.DictContractStatus][statusCode],
		IsEditable: true, OrganizationID: caller.Dialects.IkcrmOrg, Title: d.Title, TotalAmount: rubyDecimal(d.TotalAmount.Decimal),
		StartAt: d.StartDate.String(), EndAt: d.EndDate.String(), CustomerSigner: d.CustomerSigner,
		ReceivedPaymentsPlanCount: len(d.Plans), ReceivedPaymentsAmount: rubyDecimal(d.Received.Decimal),
		UnreceivedAmount:         json.Number(d.Unreceived.String()),
		UncheckingPaymentsAmount: json.Number(d.Unreceived.Sub(checking.Decimal).String()),
		CheckingPaymentsAmount:   rubyDecimal(checking.Decimal),
		SN:                       d.SN, SignDate: d.SignDate.String(), Times: times, TimesDisplay: times,
		ApproveStatus: d.ApproveStatus, ApproveStatusI18n: approveStatusI18n[d.ApproveStatus],
		AllAttachments: []struct{}{}, OwnedDepartment: struct{}{},
		IsOwn: d.OwnerID == caller.UserID, IsHasPolicyForAssistUser: true,
		ProductAssetsForNewRecord: []assetSeed{}, OurSigner: d.OurSigner, SpecialTerms: d.SpecialTerms,
		CreatedAt: minuteTime(d.CreatedAt, loc), UpdatedAt: minuteTime(d.UpdatedAt, loc),
		ProductAssets: "暂无产品", Attachments: "暂无附件",
		Creator: user(d.Creator), User: user(d.Owner), Opportunity: struct{}{},
		Customer: customerViewOf(caller, d, names, user),
		// Any user of the tenant may approve (the WebApi's ContractAudit has no roles either).
		CanApprove: true, NotifyUsers: []userRef{},
		CanRevertApplying: d.ApproveStatus == core.ApprovalApplying && d.CreatorID == caller.UserID,
		NeedApproveStep:   1, IsUserSelf: d.OwnerID == caller.UserID,
		ReceivedPaymentPlans:  []paymentPlan{},
		CustomFieldTemplateID: d.CustomFieldTemplateID,
	}
	for _, p := range d.Plans {
		v.ReceivedPaymentPlans = append(v.ReceivedPaymentPlans, paymentPlan{p.ID, json.Number(p.Amount.String()), p.DueOn.String()})
	}
	v.ReceivedPaymentsPlanAmount = json.Number(d.Planned.String())
	if d.Department.ID != 0 {
		v.OwnedDepartment = departmentRef{d.Department.ID, d.Department.Name}
	}
	if o := d.Opportunity; o != nil {
		v.Opportunity = struct {
			ID    uint64 `json:"id"`
			Title string `json:"title"`
		}{o.ID, o.Title}
	}
	for _, u := range d.NotifyUsers {
		v.NotifyUsers = append(v.NotifyUsers, userRef{u.ID, displayName(u)})
	}
	if len(d.Lines) > 0 {
		assets := make([]productAssetView, 0, len(d.Lines))
		for _, l := range d.Lines {
			assets = append(assets, productAssetView{ID: l.ID, ProductID: l.ProductID, ProductAttrID: l.ProductAttrID,
				ProductName: l.ProductName, ProductNo: l.ProductNo, Quantity: l.Quantity,
				RecommendedUnitPrice: rubyDecimal(l.UnitPrice.Decimal), TotalPrice: rubyDecimal(l.TotalPrice.Decimal),
				SaleUnit: l.SaleUnit, Spec: l.Spec, Remark: l.Remark, TypeName: "Contract", TypeID: d.ID})
			v.ProductAssetsForNewRecord = append(v.ProductAssetsForNewRecord, assetSeed{ProductID: l.ProductID,
				ProductNo: l.ProductNo, Quantity: l.Quantity, RecommendedUnitPrice: rubyDecimal(l.UnitPrice.Decimal), Name: l.ProductName})
		}
		v.ProductAssets = assets
	}
	custom, err := d.CustomFieldValues()
	if err != nil {
		return nil, err
	}
	v.custom = custom
	return v, nil
}

func customerViewOf(caller core.Caller, d core.ContractDetail, names map[string]map[uint64]string, user func(core.User) any) customerView {
	cu, loc := d.Customer, caller.Location
	v := customerView{ID: cu.ID, Name: cu.Name, NamePinyin: namePinyin(cu.Name), UserID: cu.OwnerID,
		UserName: displayName(d.CustomerOwner), Contacts: []struct{}{},
		Address: addressView{ID: cu.ID, Tel: cu.Tel, TelHiddenResult: cu.Tel, DetailAddress: cu.Address,
			OffDistance: -1, FullAddress: cu.Address},
		IsOwn:  cu.OwnerID == caller.UserID,
		Status: code(cu.StatusID), StatusMapped: mapped(names[core.DictCustomerStatus], cu.StatusID),
		Category: code(cu.CategoryID), CategoryMapped: mapped(names[core.DictCustomerCategory], cu.CategoryID),
		CreatedAt: minuteTime(cu.CreatedAt, loc), UpdatedAt: minuteTime(cu.UpdatedAt, loc),
		Creator: user(d.CustomerCreator), IsUserSelf: cu.OwnerID == caller.UserID,
		ApproveStatus: core.ApprovalApproved, ApproveStatusI18n: approveStatusI18n[core.ApprovalApproved]}
	if d.LastContactAt != nil {
		v.RevisitAt = d.LastContactAt.In(loc).Format(isoLayout)
	}
	return v
}

// MarshalJSON writes the vendor's fields, then the contract's custom fields in key order.
func (v *contractView) MarshalJSON() ([]byte, error) {
	type plain contractView // without this method
	b, err := marshal((*plain)(v))
	if err != nil {
		return nil, err
	}
	return AppendCustomFields(b, v.custom, v.catalogue)
}

// code writes a dictionary code as the vendor does ("68092"), null for none.
func code(c uint64) *string {
	if c == 0 {
		return nil
	}
	s := strconv.FormatUint(c, 10)
	return &s
}

// mapped is a code's name, null for none.
func mapped(names map[uint64]string, c uint64) *string {
	if c == 0 {
		return nil
	}
	s := names[c]
	return &s
}

func displayName(u core.User) string {
	if u.RealName != "" {
		return u.RealName
	}
	return u.Name
}

var pinyinArgs = func() pinyin.Args {
	a := pinyin.NewArgs()
	a.Fallback = func(r rune, _ pinyin.Args) []string { return []string{string(r)} }
	return a
}()

// namePinyin spells Han characters in pinyin and keeps the rest: "TEST5612", "ceshigongsi".
func namePinyin(name string) string { return strings.Join(pinyin.LazyPinyin(name, pinyinArgs), "") }

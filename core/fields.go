package core

// Field names an input core checks, in core's own words: the snake_case name
// of the core struct field (or argument) the value is read into. No dialect's
// parameter name appears here; each adapter's errors.go maps every Field to
// its own. A value refused by its column's bounds (registerColumnChecks) is
// named by the column instead: columns are core's names too, and every
// dialect has always shown them as they are.
type Field string

// The fields core's errors name.
const (
	FieldAddress        Field = "address"
	FieldAmount         Field = "amount"
	FieldApproveStatus  Field = "approve_status"
	FieldContactedAt    Field = "contacted_at"
	FieldContent        Field = "content"
	FieldContractID     Field = "contract_id"
	FieldContractPrefix Field = "contract_prefix"
	FieldCreatedAt      Field = "created_at"
	FieldCustomFields   Field = "custom_fields"
	FieldCustomerID     Field = "customer_id"
	FieldCustomerIDs    Field = "customer_ids"
	FieldCustomerSigner Field = "customer_signer"
	FieldDepartmentName Field = "department_name"
	FieldDirection      Field = "direction"
	FieldDueOn          Field = "due_on"
	FieldDuration       Field = "duration"
	FieldEmail          Field = "email"
	FieldEndDate        Field = "end_date"
	FieldEndedAt        Field = "ended_at"
	FieldFrom           Field = "from"
	FieldHits           Field = "hits"
	FieldIDs            Field = "ids"
	FieldIMS            Field = "ims"
	FieldLines          Field = "lines"
	FieldLostAt         Field = "lost_at"
	FieldMobile         Field = "mobile"
	FieldName           Field = "name"
	FieldNotifyUserIDs  Field = "notify_user_ids"
	FieldOpportunityID  Field = "opportunity_id"
	FieldOrderNo        Field = "order_no"
	FieldOurSigner      Field = "our_signer"
	FieldPage           Field = "page"
	FieldPassword       Field = "password"
	FieldPerPage        Field = "per_page"
	FieldPhone          Field = "phone"
	FieldPlannedAt      Field = "planned_at"
	FieldProductName    Field = "product_name"
	FieldProductNo      Field = "product_no"
	FieldQuantity       Field = "quantity"
	FieldQuery          Field = "query"
	FieldRealName       Field = "real_name"
	FieldRemark         Field = "remark"
	FieldSaleUnit       Field = "sale_unit"
	FieldSchedule       Field = "schedule"
	FieldScope          Field = "scope"
	FieldSendAt         Field = "send_at"
	FieldSize           Field = "size"
	FieldSN             Field = "sn"
	FieldSort           Field = "sort"
	FieldSpec           Field = "spec"
	FieldSpecialTerms   Field = "special_terms"
	FieldStage          Field = "stage"
	FieldStartDate      Field = "start_date"
	FieldStartedAt      Field = "started_at"
	FieldStatus         Field = "status"
	FieldTel            Field = "tel"
	FieldTenant         Field = "tenant"
	FieldTenantName     Field = "tenant_name"
	FieldTitle          Field = "title"
	FieldTo             Field = "to"
	FieldTotalAmount    Field = "total_amount"
	FieldTotalPrice     Field = "total_price"
	FieldUnitPrice      Field = "unit_price"
	FieldUserName       Field = "user_name"
	FieldQQ             Field = "qq"
	FieldWechat         Field = "wechat"
	FieldURL            Field = "url"
	FieldZip            Field = "zip"
	FieldFax            Field = "fax"
	FieldNote           Field = "note"
	FieldProfile        Field = "profile"
	FieldLevel          Field = "level"
	FieldTags           Field = "tags"
)

// Fields are all the fields core's errors name, but columns: the list every
// adapter's table of parameter names is tested against. A validated struct's
// `name` tags are Fields too.
var Fields = []Field{
	FieldAddress, FieldAmount, FieldApproveStatus, FieldContactedAt, FieldContent, FieldContractID,
	FieldContractPrefix, FieldCreatedAt, FieldCustomFields, FieldCustomerID, FieldCustomerIDs, FieldCustomerSigner,
	FieldDepartmentName, FieldDirection, FieldDueOn, FieldDuration, FieldEmail, FieldEndDate, FieldEndedAt,
	FieldFrom, FieldHits, FieldIDs, FieldIMS, FieldLines, FieldLostAt, FieldMobile, FieldName, FieldNotifyUserIDs,
	FieldOpportunityID, FieldOrderNo, FieldOurSigner, FieldPage, FieldPassword, FieldPerPage, FieldPhone,
	FieldPlannedAt, FieldProductName, FieldProductNo, FieldQuantity, FieldQuery, FieldRealName, FieldRemark, FieldSaleUnit,
	FieldSchedule, FieldScope, FieldSendAt, FieldSize, FieldSN, FieldSort, FieldSpec, FieldSpecialTerms,
	FieldStage, FieldStartDate, FieldStartedAt, FieldStatus, FieldTel, FieldTenant, FieldTenantName, FieldTitle, FieldTo,
	FieldTotalAmount, FieldTotalPrice, FieldUnitPrice, FieldUserName,
	FieldQQ, FieldWechat, FieldURL, FieldZip, FieldFax, FieldNote, FieldProfile, FieldLevel, FieldTags,
}

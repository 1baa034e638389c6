package core

// The canonical CRM model, shared by every dialect. Every row but a tenant's
// carries TenantID, and every query goes through inTenant. Each table's type
// sits in its aggregate's file, beside the use cases that keep its rows right.

// allModels lists every table, in creation order.
var allModels = []any{
	&Tenant{}, &Department{}, &User{}, &APIToken{},
	&Customer{}, &CustomerTag{}, &Contact{}, &ContactHistory{}, &ContactPlan{},
	&Opportunity{}, &OpportunityLine{}, &OpportunityContact{}, &Contract{}, &ContractLine{}, &ContractNotifyUser{}, &Payment{}, &PaymentPlan{}, &MonthCounter{}, &UserFigure{}, &UserDay{}, &UserMonth{},
	&MonthlyTarget{}, &ImsLock{}, &CallRecord{}, &SmsMessage{}, &CustomerCollection{}, &CustomerShare{},
	&DictEntry{}, &SiteKey{}, &HitCounter{}, &MessageBoardEntry{}, &SampleOrder{}, &SampleOrderLine{},
	&CustomField{}, &idSequence{}, &ImportRun{},
	&spaceProbe{},                                       // readiness's own row (store.go), without tenants
	&mirrorEndpoint{}, &mirrorField{}, &mirrorExample{}, // the operator's, without tenants (mirror.go)
	&AdminToken{}, &AdminSession{}, // the console's operators, without tenants (admin.go)
}

package qcy

import (
	"strconv"
	"strings"

	"crmgw/core"
)

// baseTypes are core's dictionaries in the order of BaseType's par_id: par_id n is baseTypes[n-1].
var baseTypes = []string{core.DictContactType, core.DictContactRoute, core.DictIndustry, core.DictSource,
	core.DictProgress, core.DictContractCategory, core.DictPaymentType, core.DictContractStatus,
	core.DictCustomerStatus, core.DictCustomerCategory, core.DictCustomerType, core.DictTag}

// dictKind resolves a par_id: a dictionary's number ("1") or its name in any
// case, with or without underscores ("ContactType").
func dictKind(parID string) (string, bool) {
	if n, err := strconv.Atoi(parID); err == nil {
		if n >= 1 && n <= len(baseTypes) {
			return baseTypes[n-1], true
		}
		return "", false
	}
	norm := strings.ToLower(strings.ReplaceAll(parID, "_", ""))
	for _, k := range baseTypes {
		if strings.ReplaceAll(k, "_", "") == norm {
			return k, true
		}
	}
	return "", false
}

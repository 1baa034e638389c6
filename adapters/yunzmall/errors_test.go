package yunzmall

import (
	"slices"
	"testing"

	"crmgw/core"
)

// Every field core's errors name has an entry in paramNames (unreachable
// for one the plugin never sends), and every code core returns has an answer
// of its own: only EINTERNAL is the internal error.
func TestErrorsMapEveryFieldAndCode(t *testing.T) {
	for _, f := range core.Fields {
		if _, listed := paramNames[f]; !listed {
			t.Errorf("core's field %q is not in paramNames", f)
		}
	}
	for f := range paramNames {
		if !slices.Contains(core.Fields, f) {
			t.Errorf("paramNames maps %q, which core does not name", f)
		}
	}
	for _, code := range core.Codes {
		_, _, internal := answerOf(&core.Error{Code: code})
		if internal != (code == core.EINTERNAL) {
			t.Errorf("%s: answered as the internal error: %v", code, internal)
		}
	}
}

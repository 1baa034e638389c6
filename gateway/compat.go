package gateway

import (
	_ "embed"
	"encoding/json"
)

// CompatRow is one endpoint of one dialect in the compatibility table.
type CompatRow struct {
	Dialect string `json:"dialect"`
	Method  string `json:"method"` // its methods, "GET, POST" for one served alike by both
	// Path is the route as echo and the metrics label it ("/api/v2/contracts/:id").
	Path    string `json:"path"`
	Summary string `json:"summary"`
	Served  bool   `json:"served"` // in the dialect's table
	// DocExamples are the vendor-doc examples replayed byte for byte against a golden file.
	DocExamples int `json:"doc_examples"`
	// ClientReplays are the real-client replays that exercise it (test names), all passing in CI.
	ClientReplays []string `json:"client_replays"`
}

// compatibility is the table as the test suite generated it from the
// dialects' tables, its golden files and its client replays (the suite fails
// when the file is not what it would generate).
//
//go:embed compatibility.json
var compatibility []byte

// Compatibility is the compatibility table of the default configuration's
// dialects, in the order of their tables.
func Compatibility() []CompatRow {
	var rows []CompatRow
	if err := json.Unmarshal(compatibility, &rows); err != nil {
		// Generated and checked by the suite, the same in every build.
		panic("gateway: compatibility.json: " + err.Error())
	}
	return rows
}

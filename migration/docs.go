package migration

import (
	"fmt"
	"strings"
)

// DocsTable is the sheets and their columns as markdown, for docs/migration.md.
func DocsTable() string {
	var b strings.Builder
	for _, k := range Kinds {
		fmt.Fprintf(&b, "#### %s\n\n%s.", k.Sheet, upperFirst(k.Doc))
		if k.Record != "" {
			b.WriteString(" A row whose id the tenant holds is skipped.")
		}
		b.WriteString("\n\n| column | required | type | notes |\n|---|---|---|---|\n")
		for _, c := range k.Columns {
			req, typ := "", string(c.Type)
			if c.Required {
				req = "yes"
			}
			if c.Type == TypeRef {
				typ = "id in " + c.Ref
			}
			fmt.Fprintf(&b, "| %s | %s | %s | %s |\n", c.Name, req, typ, c.Doc)
		}
		b.WriteString("\n")
	}
	return b.String()
}

func upperFirst(s string) string {
	if s == "" {
		return s
	}
	return strings.ToUpper(s[:1]) + s[1:]
}

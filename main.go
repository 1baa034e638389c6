// Command crmgw serves four legacy CRM API dialects over one canonical CRM core.
package main

import (
	"fmt"
	"os"

	_ "time/tzdata" // tenant time zones work on machines without a zoneinfo database
)

func main() {
	if err := newRootCmd().Execute(); err != nil {
		fmt.Fprintln(os.Stderr, "crmgw:", err)
		os.Exit(1)
	}
}

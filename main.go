// Command crmgw serves four legacy CRM API dialects over one canonical CRM core.
// Each command is in a file of its name; serve is the default.
package main

import (
	"encoding/json"
	"fmt"
	"io"
	"os"

	"github.com/spf13/cobra"

	"crmgw/app"
	"crmgw/config"

	_ "time/tzdata" // tenant time zones work on machines without a zoneinfo database
)

func main() {
	if err := newRootCmd().Execute(); err != nil {
		fmt.Fprintln(os.Stderr, "crmgw:", err)
		os.Exit(1)
	}
}

func newRootCmd() *cobra.Command {
	root := &cobra.Command{
		Use:           "crmgw",
		Short:         "A compatibility gateway for legacy CRM APIs",
		Args:          cobra.NoArgs,
		SilenceUsage:  true,
		SilenceErrors: true,
		RunE:          runServe,
		Version:       version(),
	}
	root.SetVersionTemplate("crmgw {{.Version}}\n")
	config.Flags(root.PersistentFlags())
	root.AddCommand(
		newServeCmd(), newMigrateCmd(),
		newTokenCmd(), newSiteKeyCmd(), newUserCmd(), newTenantCmd(), newFieldCmd(), newSeedCmd(), newImportCmd(), newAdminCmd(),
		newDiffCmd(), newVersionCmd(),
	)
	return root
}

// withApp loads the configuration, opens the app (its database migrated),
// runs fn and closes the app again.
func withApp(cmd *cobra.Command, fn func(a *app.App) error) error {
	cfg, err := config.Load(cmd.Flags())
	if err != nil {
		return err
	}
	a, err := app.Open(cfg, app.Seams{Logs: cmd.ErrOrStderr()})
	if err != nil {
		return err
	}
	defer a.Close()
	return fn(a)
}

// identity is what `token add --json` and `seed --json` print.
type identity struct {
	Token        string `json:"token"`
	TenantID     uint64 `json:"tenant_id"`
	UserID       uint64 `json:"user_id"`
	DepartmentID uint64 `json:"department_id"`
}

// printIdentity prints the token alone on a line, or the identity as JSON.
func printIdentity(w io.Writer, id identity, asJSON bool) error {
	if !asJSON {
		_, err := fmt.Fprintln(w, id.Token)
		return err
	}
	return json.NewEncoder(w).Encode(id)
}

package main

import (
	"fmt"

	"github.com/spf13/cobra"

	"crmgw/app"
	"crmgw/core"
)

func newMigrateCmd() *cobra.Command {
	return &cobra.Command{Use: "migrate", Short: "Create or upgrade the database schema", Args: cobra.NoArgs, RunE: runMigrate}
}

// runMigrate does what every command's start does (migrates), and what only
// an operator's deliberate step may: converts the tables' collation.
func runMigrate(cmd *cobra.Command, _ []string) error {
	return withApp(cmd, func(a *app.App) error {
		if err := core.ConvertCollation(a.DB); err != nil {
			return fmt.Errorf("migrate: %w", err)
		}
		n, err := a.Service.SweepTokens(cmd.Context())
		if err != nil {
			return fmt.Errorf("migrate: sweeping expired tokens: %w", err)
		}
		fmt.Fprintf(cmd.ErrOrStderr(), "schema is up to date; %d expired tokens deleted\n", n)
		return nil
	})
}

package main

import (
	"errors"
	"fmt"
	"io"
	"os"
	"text/tabwriter"
	"time"

	"github.com/schollz/progressbar/v3"
	"github.com/spf13/cobra"
	"golang.org/x/term"

	"crmgw/app"
	"crmgw/migration"
)

func newImportCmd() *cobra.Command {
	cmd := &cobra.Command{Use: "import", Short: "Move a company's data in from a file, keeping its ids"}
	var tenant string
	var dryRun bool
	file := &cobra.Command{
		Use:   "file PATH",
		Short: "Import an .xlsx workbook or a folder of CSV files (see docs/migration.md) into a tenant",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return withApp(cmd, func(a *app.App) error {
				t, err := a.Service.FindTenant(cmd.Context(), tenant)
				if err != nil {
					return err
				}
				sheets, err := migration.Read(args[0])
				if err != nil {
					return err
				}
				stderr := cmd.ErrOrStderr()
				opt := migration.Options{DryRun: dryRun}
				var bar *progressbar.ProgressBar
				if isTerminal(stderr) && !dryRun {
					// The bar counts the rows written or skipped, after every row was checked.
					total := 0
					for _, s := range sheets {
						total += len(s.Rows)
					}
					fmt.Fprintf(stderr, "checking %d rows…\n", total)
					bar = progressbar.NewOptions(total, progressbar.OptionSetWriter(stderr), progressbar.OptionSetDescription("importing"),
						progressbar.OptionShowCount(), progressbar.OptionShowIts(),
						progressbar.OptionThrottle(100*time.Millisecond), progressbar.OptionOnCompletion(func() { fmt.Fprintln(stderr) }))
					opt.Progress = func(rows int) { _ = bar.Add(rows) }
				}
				start := time.Now()
				res, err := migration.ImportSheets(cmd.Context(), a.Service, t, sheets, opt)
				if bar != nil {
					_ = bar.Finish()
				}
				printImport(stderr, res)
				if err != nil {
					return err
				}
				if len(res.Problems) > 0 {
					return fmt.Errorf("%d problems: nothing was written", len(res.Problems))
				}
				verb := "imported"
				if dryRun {
					verb = "checked (dry run, nothing written)"
				}
				fmt.Fprintf(stderr, "%s %d rows into tenant %q in %s\n", verb, res.Rows(), t.Name, time.Since(start).Round(time.Millisecond))
				return nil
			})
		},
	}
	file.Flags().StringVar(&tenant, "tenant", "", "the tenant to import into (it must exist)")
	file.Flags().BoolVar(&dryRun, "dry-run", false, "check every row, core's checks included, and write nothing")
	_ = file.MarkFlagRequired("tenant")
	template := &cobra.Command{
		Use:   "template",
		Short: "Write the empty import workbook, its headers and an example row a sheet, to standard output",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			out := cmd.OutOrStdout()
			if isTerminal(out) {
				return errors.New("the template is an .xlsx file: send it to a file (crmgw import template > crmgw-import.xlsx)")
			}
			return migration.Template(out)
		},
	}
	cmd.AddCommand(file, template)
	return cmd
}

// isTerminal tells whether w is a terminal: a progress bar is drawn there
// only, and binary is never written there.
func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	return ok && term.IsTerminal(int(f.Fd()))
}

// printImport prints the problems, then a line a sheet of what was done.
func printImport(w io.Writer, res migration.Result) {
	for _, p := range res.Problems {
		fmt.Fprintln(w, p)
	}
	if len(res.Counts) == 0 {
		return
	}
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "sheet\tread\twritten\tskipped\trefused\t")
	for _, c := range res.Counts {
		fmt.Fprintf(tw, "%s\t%d\t%d\t%d\t%d\t\n", c.Sheet, c.Read, c.Written, c.Skipped, c.Refused)
	}
	_ = tw.Flush()
}

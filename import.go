package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/schollz/progressbar/v3"
	"github.com/spf13/cobra"
	"golang.org/x/term"

	"crmgw/adapters/oa"
	"crmgw/app"
	"crmgw/core"
	"crmgw/migration"
)

func newImportCmd() *cobra.Command {
	cmd := &cobra.Command{Use: "import", Short: "Move a company's data in from its old vendor's API or a file, its ids kept"}
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
	cmd.AddCommand(file, template, newImportOACmd())
	return cmd
}

// importFlags are what every import from a vendor's API takes.
type importFlags struct {
	tenant, url, token string
	dryRun             bool
	timeout            time.Duration
}

func (f *importFlags) declare(cmd *cobra.Command) {
	cmd.Flags().StringVar(&f.tenant, "tenant", "", "the tenant to import into (required; crmgw tenant add makes one)")
	cmd.Flags().StringVar(&f.url, "url", "", "the old vendor's base URL (required), e.g. https://crm.example.com")
	cmd.Flags().StringVar(&f.token, "token", "", "a token of the old vendor's that sees every record")
	cmd.Flags().BoolVar(&f.dryRun, "dry-run", false, "read and check everything, write nothing")
	cmd.Flags().DurationVar(&f.timeout, "request-timeout", 30*time.Second, "how long one request to the old vendor may take")
	_ = cmd.MarkFlagRequired("tenant")
	_ = cmd.MarkFlagRequired("url")
}

func newImportOACmd() *cobra.Command {
	var f importFlags
	var login, password string
	cmd := &cobra.Command{
		Use:   "oa",
		Short: "Import a tenant from an OA server over its API: customers, contracts, receipts and payments out, their users",
		Long: `Reads, page by page, every record the OA's token sees — customers with their details, contracts with
their details and payments out, every receipt — and writes each into the tenant with the OA's id kept.
Users come with the records that name them; with --login and --password instead of --token, the
login's user also brings its department and this month's target. A second run adds nothing; a run
cut short is finished by the next. What the OA does not show (other departments, other targets,
tags, dictionaries) comes from crmgw import file.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if (f.token == "") == (login == "") {
				return fmt.Errorf("give --token, or --login with --password")
			}
			crawl := &oa.Crawl{Client: &http.Client{Timeout: f.timeout}, Base: strings.TrimRight(f.url, "/"), Token: f.token,
				Login: login, Password: password, DryRun: f.dryRun}
			return runImport(cmd, f, func(ctx context.Context, im *core.Import, progress func(string, int)) error {
				crawl.Progress = progress
				return crawl.Run(ctx, im)
			})
		},
	}
	f.declare(cmd)
	cmd.Flags().StringVar(&login, "login", "", "an OA user's login name, instead of --token")
	cmd.Flags().StringVar(&password, "password", "", "that user's password")
	return cmd
}

// runImport runs one import into the tenant, with a progress bar on a
// terminal, and prints its summary whether it ends well or not.
func runImport(cmd *cobra.Command, f importFlags, run func(context.Context, *core.Import, func(string, int)) error) error {
	return withApp(cmd, func(a *app.App) error {
		ctx := cmd.Context()
		t, err := a.Service.FindTenant(ctx, f.tenant)
		if err != nil {
			return fmt.Errorf("tenant %q: %w (crmgw tenant add makes one)", f.tenant, err)
		}
		stderr := cmd.ErrOrStderr()
		bar := progressBar(stderr, -1, "importing")
		im := a.Service.NewImport(t)
		start := time.Now()
		err = run(ctx, im, func(kind string, rows int) {
			bar.Describe(kind)
			_ = bar.Add(rows)
		})
		_ = bar.Finish()
		verb := "imported"
		if f.dryRun {
			verb = "checked (dry run: nothing written)"
		}
		fmt.Fprintf(stderr, "%s into tenant %s in %s:\n", verb, t.Name, time.Since(start).Round(time.Millisecond))
		printImportStats(stderr, im.Stats)
		return err
	})
}

// printImportStats prints what an import did, kind by kind.
func printImportStats(w io.Writer, stats map[string]*core.ImportStats) {
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "KIND\tREAD\tWRITTEN\tSKIPPED\tREFUSED\t")
	for _, kind := range core.ImportKinds {
		if st := stats[kind]; st != nil {
			fmt.Fprintf(tw, "%s\t%d\t%d\t%d\t%d\t\n", kind, st.Read, st.Written, st.Skipped, st.Refused)
		}
	}
	_ = tw.Flush()
}

// progressBar is a bar of total steps (-1: unknown) on w when w is a
// terminal, and silent otherwise: logs and pipes get the summary alone.
func progressBar(w io.Writer, total int, description string) *progressbar.ProgressBar {
	return progressbar.NewOptions(total, progressbar.OptionSetWriter(w), progressbar.OptionSetDescription(description),
		progressbar.OptionShowCount(), progressbar.OptionShowIts(), progressbar.OptionSetVisibility(isTerminal(w)),
		progressbar.OptionThrottle(100*time.Millisecond), progressbar.OptionOnCompletion(func() {
			if isTerminal(w) {
				fmt.Fprintln(w)
			}
		}))
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

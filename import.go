package main

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"os"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/schollz/progressbar/v3"
	"github.com/spf13/cobra"

	"crmgw/adapters/oa"
	"crmgw/app"
	"crmgw/core"
)

func newImportCmd() *cobra.Command {
	cmd := &cobra.Command{Use: "import", Short: "Move a company's data in from its old vendor, its ids kept"}
	cmd.AddCommand(newImportOACmd())
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

// isTerminal tells whether w is a terminal.
func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	if !ok {
		return false
	}
	info, err := f.Stat()
	return err == nil && info.Mode()&os.ModeCharDevice != 0
}

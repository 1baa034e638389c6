package main

import (
	"context"
	"fmt"
	"net"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/spf13/cobra"

	"crmgw/app"
)

func newServeCmd() *cobra.Command {
	return &cobra.Command{Use: "serve", Short: "Migrate the database, then serve every enabled dialect", Args: cobra.NoArgs, RunE: runServe}
}

func runServe(cmd *cobra.Command, _ []string) error {
	return withApp(cmd, func(a *app.App) error {
		ln, err := net.Listen("tcp", a.Config.Listen)
		if err != nil {
			return err
		}
		var admin net.Listener // none when admin.listen is empty
		if a.Config.Admin.Listen != "" {
			if admin, err = net.Listen("tcp", a.Config.Admin.Listen); err != nil {
				ln.Close()
				return fmt.Errorf("admin.listen: %w", err)
			}
			a.Log.Info("admin serving", "listen", admin.Addr().String())
		}
		ctx, stop := signal.NotifyContext(cmd.Context(), os.Interrupt, syscall.SIGTERM)
		defer stop()
		a.Log.Info("serving", "listen", ln.Addr().String(), "db", a.Config.DB.Driver)
		swept := make(chan struct{})
		go func() {
			defer close(swept)
			sweepTokensEvery(ctx, a, tokenSweepInterval)
		}()
		err = a.Gateway.Serve(ctx, ln, admin)
		stop() // Serve may also end on its own: the sweep ends with it, before the database closes
		<-swept
		return err
	})
}

// tokenSweepInterval is how often serve deletes expired login tokens.
const tokenSweepInterval = 5 * time.Minute

// sweepTokensEvery deletes expired login tokens at once and then every
// interval, until ctx is done. A failed sweep is logged; the next one retries.
func sweepTokensEvery(ctx context.Context, a *app.App, interval time.Duration) {
	tick := time.NewTicker(interval)
	defer tick.Stop()
	for {
		n, err := a.Service.SweepTokens(ctx)
		switch {
		case ctx.Err() != nil:
			return
		case err != nil:
			a.Log.Warn("sweeping expired tokens", "error", err)
		case n > 0:
			a.Log.Info("swept expired tokens", "deleted", n)
		}
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		}
	}
}

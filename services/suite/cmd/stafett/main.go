// Command stafett runs the Stafett suite: `stafett dev` for everything in one
// process, `stafett serve` for production, `stafett token` to mint dev tokens.
package main

import (
	"context"
	"os"
	"os/signal"
	"syscall"

	"github.com/stafett/stafett/services/suite/internal/cli"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := cli.Main(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}

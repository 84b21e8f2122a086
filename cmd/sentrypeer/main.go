// Command sentrypeer is a SIP honeypot: it records who probes it and which
// numbers they try to call. See README.md for its settings.
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"syscall"

	"github.com/sentrypeer/sentrypeer/internal/cli"
	"github.com/sentrypeer/sentrypeer/internal/config"
	"github.com/sentrypeer/sentrypeer/internal/daemon"
)

// version is set at link time with -ldflags "-X main.version=...".
var version = "0.1.0-dev"

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

func run(args []string, stdout, stderr io.Writer) int {
	if len(args) > 0 && args[0] == "version" {
		printVersion(stdout)
		return 0
	}
	if len(args) > 0 && args[0] == "id" {
		return id(args[1:], stdout, stderr)
	}
	if len(args) > 0 && cli.IsCommand(args[0]) {
		ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGINT, syscall.SIGTERM)
		defer stop()
		return cli.Run(ctx, args[0], args[1:], os.LookupEnv, stdout, stderr)
	}
	cfg, err := config.Load(args, os.LookupEnv)
	switch {
	case errors.Is(err, config.ErrHelp):
		config.Usage(stdout)
		cli.Usage(stdout)
		fmt.Fprintln(stdout, idHelp)
		return 0
	case errors.Is(err, config.ErrVersion):
		printVersion(stdout)
		return 0
	case err != nil:
		fmt.Fprintf(stderr, "sentrypeer: %v\n", err)
		return 2
	}

	level := slog.LevelInfo
	if cfg.Debug {
		level = slog.LevelDebug
	}
	logger := slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: level}))

	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGINT, syscall.SIGTERM)
	defer stop()
	d := daemon.New(cfg, daemon.Info{Name: "sentrypeer", Version: version}, logger)

	hup := make(chan os.Signal, 1)
	signal.Notify(hup, syscall.SIGHUP)
	defer signal.Stop(hup)
	go func() {
		for range hup {
			logger.Info("SIGHUP: reopening log files")
			d.ReopenLogs()
		}
	}()

	if err := d.Run(ctx); err != nil {
		logger.Error("sentrypeer stopped", "err", err)
		if errors.Is(err, daemon.ErrConfig) {
			return 2
		}
		return 1
	}
	return 0
}

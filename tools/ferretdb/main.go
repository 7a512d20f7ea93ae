// Command ferretdb runs FerretDB v1 embedded as a library, as the project's local
// MongoDB-wire database for development and tests.
//
// Why a wrapper instead of `go install .../cmd/ferretdb`: the upstream command panics at start
// when built with `go install` from the module proxy (its build/version/version.txt is generated
// by its own build tooling and is absent from the module). The embeddable package has no such
// check, disables telemetry and opens no debug listener. It also keeps an index that FerretDB's
// own lookups by _id can use (see id_index.go).
//
// It listens on loopback (a free port by default), prints one JSON line
// {"event":"ready","uri":"mongodb://..."} on stdout once it accepts connections, and stops
// cleanly on SIGINT/SIGTERM or when its standard input closes (its parent went away), so a
// crashed test run never leaves a database process behind.
package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"path/filepath"
	"syscall"

	"github.com/FerretDB/FerretDB/ferretdb"
)

func main() {
	listen := flag.String("listen-addr", "127.0.0.1:0", "TCP address to listen on (port 0 picks a free port)")
	dataDir := flag.String("data-dir", "", "directory for the SQLite backend's files (required)")
	logLevel := flag.String("log-level", "error", "log level: debug, info, warn or error")
	watchStdin := flag.Bool("exit-on-stdin-close", true, "stop when standard input reaches EOF")
	explainSQL := flag.String("explain", "", "print SQLite's plan for this query on --explain-file and exit (no server)")
	explainFile := flag.String("explain-file", "", "the database file for --explain")
	flag.Parse()

	if *explainSQL != "" {
		if err := explain(*explainFile, *explainSQL); err != nil {
			fail(err)
		}
		return
	}

	if *dataDir == "" {
		fail(fmt.Errorf("--data-dir is required"))
	}
	abs, err := filepath.Abs(*dataDir)
	if err != nil {
		fail(err)
	}
	if err = os.MkdirAll(abs, 0o700); err != nil {
		fail(err)
	}

	var level slog.Level
	if err = level.UnmarshalText([]byte(*logLevel)); err != nil {
		fail(fmt.Errorf("--log-level: %w", err))
	}
	logger := slog.New(slog.NewJSONHandler(os.Stderr, &slog.HandlerOptions{Level: level}))

	f, err := ferretdb.New(&ferretdb.Config{
		Listener:  ferretdb.ListenerConfig{TCP: *listen},
		Logger:    logger,
		Handler:   "sqlite",
		SQLiteURL: "file:" + filepath.ToSlash(abs) + "/",
	})
	if err != nil {
		fail(err)
	}

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()

	if *watchStdin {
		go func() {
			_, _ = io.Copy(io.Discard, os.Stdin)
			stop()
		}()
	}

	keepIDIndexes(ctx, abs, logger)

	done := make(chan struct{})
	go func() {
		_ = f.Run(ctx)
		close(done)
	}()

	line, _ := json.Marshal(map[string]string{"event": "ready", "uri": f.MongoDBURI()})
	fmt.Println(string(line))

	<-done
}

func fail(err error) {
	fmt.Fprintln(os.Stderr, "ferretdb:", err)
	os.Exit(2)
}

// Command ensemble is the Ensemble video-conferencing server and its tools.
//
//	ensemble serve [--dev] [--config FILE] ...   run the server
//	ensemble token --room R --identity I ...      print a room token
//	ensemble room ...                             call the room HTTP API
//	ensemble record-worker --url U --api-key K ... record the rooms a server queues
//	ensemble loadtest ...                         run the load generator
//	ensemble sip --url U --api-key K ...          run the SIP bridge beside a server
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"syscall"
)

// subcommand runs one `ensemble` subcommand with the arguments after its name.
type subcommand struct {
	name    string
	summary string
	run     func(ctx context.Context, args []string) error
}

func subcommands() []subcommand {
	return []subcommand{
		{"serve", "run the server", runServe},
		{"token", "print a signed room token", runToken},
		{"room", "manage rooms and meetings through the HTTP API", runRoom},
		{"record-worker", "record the rooms a server queues (recording.workers)", runRecordWorker},
		{"loadtest", "run the load generator against a server", runLoadtest},
		{"sip", "run the SIP bridge beside a server", runSIP},
	}
}

func usage() {
	fmt.Fprintln(os.Stderr, "usage: ensemble <command> [flags]\n\ncommands:")
	for _, c := range subcommands() {
		fmt.Fprintf(os.Stderr, "  %-10s %s\n", c.name, c.summary)
	}
	fmt.Fprintln(os.Stderr, "\nRun 'ensemble <command> -h' for a command's flags.")
}

func main() {
	if len(os.Args) < 2 {
		usage()
		os.Exit(2)
	}
	name := os.Args[1]
	if name == "-h" || name == "--help" || name == "help" {
		usage()
		return
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	for _, c := range subcommands() {
		if c.name != name {
			continue
		}
		err := c.run(ctx, os.Args[2:])
		if errors.Is(err, flag.ErrHelp) {
			return
		}
		if err != nil {
			fmt.Fprintf(os.Stderr, "ensemble %s: %v\n", name, err)
			os.Exit(1)
		}
		return
	}
	fmt.Fprintf(os.Stderr, "ensemble: unknown command %q\n\n", name)
	usage()
	os.Exit(2)
}

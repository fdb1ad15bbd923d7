package main

import (
	"context"
	"os"

	"github.com/ensemble-sfu/ensemble/signalling/apiclient"
)

// runRoom is `ensemble room ...`: the room, participant and meeting HTTP API from
// the command line (the logic and its tests live in signalling/api).
func runRoom(ctx context.Context, args []string) error {
	return apiclient.RunCLI(ctx, args, os.Stdout, os.Stderr)
}

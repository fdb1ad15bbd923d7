package main

import (
	"context"
	"os"

	"github.com/ensemble-sfu/ensemble/signalling/api"
)

// runRoom is `ensemble room ...`: the room, participant and meeting HTTP API from
// the command line (the logic and its tests live in signalling/api).
func runRoom(ctx context.Context, args []string) error {
	return api.RunCLI(ctx, args, os.Stdout, os.Stderr)
}

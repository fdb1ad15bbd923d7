package main

import (
	"context"
	"os"

	"github.com/ensemble-sfu/ensemble/internal/config/tokencmd"
)

// runToken is `ensemble token`; the logic and its tests are in internal/config/tokencmd.
func runToken(_ context.Context, args []string) error {
	return tokencmd.Run(args, os.Stdout, os.Stderr, os.LookupEnv)
}

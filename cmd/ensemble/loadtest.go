package main

import (
	"context"
	"os"

	"github.com/ensemble-sfu/ensemble/loadtest"
)

func runLoadtest(ctx context.Context, args []string) error {
	return loadtest.Command(ctx, args, os.Stdout, os.Stderr)
}

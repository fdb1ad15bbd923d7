package loadtest

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/ensemble-sfu/ensemble/signalling/auth"
)

// Command is `ensemble loadtest ARGS`: it parses the flags, runs the load, prints a
// progress line while it runs and a table at the end to stdout, and writes the JSON
// report when --json names a file ("-" for stdout). -h returns flag.ErrHelp.
func Command(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("loadtest", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var (
		cfg     Config
		dev     bool
		quality string
		jsonOut string
		mode    string
	)
	fs.StringVar(&cfg.URL, "url", "ws://127.0.0.1:7880", "server URL (ws:// or wss://)")
	fs.StringVar(&cfg.APIKey, "api-key", "", "API key that signs the participants' tokens")
	fs.StringVar(&cfg.APISecret, "api-secret", "", "secret of the API key")
	fs.BoolVar(&dev, "dev", false, "use the development key of `ensemble serve --dev`")
	fs.IntVar(&cfg.Rooms, "rooms", 1, "number of rooms")
	fs.IntVar(&cfg.Publishers, "publishers", 2, "publishers per room (each also subscribes)")
	fs.IntVar(&cfg.Subscribers, "subscribers", 0, "subscribe-only participants per room")
	fs.StringVar(&mode, "subscriber-mode", "full", "how subscribe-only participants receive: full (decrypt every packet, for correctness) or light (RTP headers only, for many subscribers)")
	fs.DurationVar(&cfg.Duration, "duration", 30*time.Second, "how long to measure, once every participant has joined")
	fs.DurationVar(&cfg.JoinTimeout, "join-timeout", DefaultJoinTimeout, "longest time given to the joins before measuring")
	fs.StringVar(&quality, "video-quality", "high", "highest video layer published: low, medium or high")
	fs.BoolVar(&cfg.Simulcast, "simulcast", false, "publish video as 3-layer simulcast (up to --video-quality)")
	fs.BoolVar(&cfg.AudioOnly, "audio-only", false, "publish audio only")
	fs.Float64Var(&cfg.Churn, "churn", 0, "participants per second that leave and are replaced")
	fs.StringVar(&jsonOut, "json", "", "write the machine-readable report to this file (- for stdout)")
	fs.BoolVar(&cfg.AllowRemote, "allow-remote", false, "allow a server that is not on a loopback address")
	fs.StringVar(&cfg.MetricsURL, "metrics-url", "", "server's /metrics (default derived from --url)")
	fs.StringVar(&cfg.RoomPrefix, "room-prefix", "loadtest", "room names are PREFIX-0, PREFIX-1, …")
	fs.Usage = func() {
		fmt.Fprintln(stderr, "usage: ensemble loadtest [flags]\n\nSimulated participants publish and receive real media against a server you run.\n\nflags:")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("unexpected argument %q", fs.Arg(0))
	}
	cfg.Quality = VideoQuality(quality)
	cfg.SubscriberMode = SubscriberMode(mode)
	if dev {
		if cfg.APIKey != "" || cfg.APISecret != "" {
			return errors.New("--dev and --api-key/--api-secret exclude each other")
		}
		cfg.APIKey, cfg.APISecret = auth.DevAPIKey, auth.DevAPISecret
	}
	if err := cfg.Validate(); err != nil {
		return err
	}
	report, err := Run(ctx, cfg, stderr)
	if err != nil {
		return err
	}
	if err := report.WriteTable(stdout); err != nil {
		return err
	}
	switch jsonOut {
	case "":
	case "-":
		return report.WriteJSON(stdout)
	default:
		f, err := os.Create(jsonOut)
		if err != nil {
			return fmt.Errorf("json report: %w", err)
		}
		if err := report.WriteJSON(f); err != nil {
			f.Close()
			return err
		}
		if err := f.Close(); err != nil {
			return fmt.Errorf("json report: %w", err)
		}
	}
	return nil
}

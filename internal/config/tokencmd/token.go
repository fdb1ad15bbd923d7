package tokencmd

import (
	"flag"
	"fmt"
	"io"
	"time"

	"github.com/ensemble-sfu/ensemble/internal/config"
	"github.com/ensemble-sfu/ensemble/signalling/auth"
	"github.com/ensemble-sfu/ensemble/vocab"
)

// Run is `ensemble token ARGS`: it writes the token and a newline, and nothing else, to
// stdout (scripts capture it); flag errors and help go to stderr. lookupEnv reads the
// environment (nil = os.LookupEnv). -h returns flag.ErrHelp.
//
// Grants: --grant NAME,... (the claims' JSON names) or, without it,
// auth.DefaultParticipantGrants. --sources limits publishing to some sources. --admin
// adds room_create, room_list and room_admin; with --admin, --room and --identity are
// optional, and without --room no participant grant is added unless --grant asks.
func Run(args []string, stdout, stderr io.Writer, lookupEnv func(string) (string, bool)) error {
	fs := flag.NewFlagSet("token", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var (
		room     = fs.String("room", "", "room the token is for (required unless --admin)")
		identity = fs.String("identity", "", "participant identity (required unless --admin)")
		name     = fs.String("name", "", "display name")
		metadata = fs.String("metadata", "", "participant metadata")
		grants   = fs.String("grant", "", "comma-separated grants: join,publish,subscribe,publish_data,hidden,update_metadata,room_admin,room_create,room_list,record,skip_lobby (default join,publish,subscribe,publish_data,update_metadata)")
		kind     = fs.String("kind", "", "participant kind: standard, recorder (needs --grant with record), sip, agent or ingress (a WHIP encoder; needs publish) (default standard)")
		sources  = fs.String("sources", "", "comma-separated publishable sources: camera,microphone,screen_share,screen_share_audio (default all)")
		admin    = fs.Bool("admin", false, "add room_create, room_list and room_admin (API clients)")
		ttl      = fs.Duration("ttl", auth.DefaultTTL, "how long the token is valid")
		dev      = fs.Bool("dev", false, "sign with the development key (as `ensemble serve --dev`)")
		file     = fs.String("config", "", "YAML configuration file of the server (default $"+config.EnvConfigFile+")")
		apiKey   = fs.String("api-key", "", "API key to sign with (default: the dev key with --dev, else the only configured key)")
	)
	fs.Usage = func() {
		fmt.Fprintln(stderr, "usage: ensemble token --room R --identity I [flags]\n\nPrints a signed room token on stdout.\n\nflags:")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("%w: unexpected argument %q", ErrUsage, fs.Arg(0))
	}
	grantGiven := false
	fs.Visit(func(f *flag.Flag) { grantGiven = grantGiven || f.Name == "grant" })

	if !*admin {
		if *room == "" {
			return fmt.Errorf("%w: --room is required (or --admin for an API token)", ErrUsage)
		}
		if *identity == "" {
			return fmt.Errorf("%w: --identity is required (or --admin for an API token)", ErrUsage)
		}
	}
	if *ttl <= 0 {
		return fmt.Errorf("%w: --ttl %v must be positive", ErrUsage, *ttl)
	}

	var g auth.Grants
	switch {
	case grantGiven:
		var err error
		if g, err = auth.ParseGrantList(*grants); err != nil {
			return fmt.Errorf("%w: --grant: %w", ErrUsage, err)
		}
	case !*admin || *room != "":
		g = auth.DefaultParticipantGrants()
	}
	if *admin {
		g.RoomCreate, g.RoomList, g.RoomAdmin = true, true, true
	}
	if *sources != "" {
		src, err := auth.ParseSourceList(*sources)
		if err != nil {
			return fmt.Errorf("%w: --sources: %w", ErrUsage, err)
		}
		if !g.Publish {
			return fmt.Errorf("%w: --sources needs the publish grant", ErrUsage)
		}
		g.Sources = src
	}
	if g.Join && *identity == "" {
		return fmt.Errorf("%w: the join grant needs --identity", ErrUsage)
	}
	k := vocab.ParticipantKind(*kind)
	if !k.Valid() {
		return fmt.Errorf("%w: --kind %q: want standard, recorder, sip, agent or ingress", ErrUsage, *kind)
	}
	if k == vocab.ParticipantIngress && !g.Publish {
		return fmt.Errorf("%w: --kind ingress needs the publish grant (--grant join,publish)", ErrUsage)
	}
	if k == vocab.ParticipantRecorder && !g.Record {
		return fmt.Errorf("%w: --kind recorder needs the record grant (--grant join,subscribe,record)", ErrUsage)
	}

	cfg, err := config.Load(config.Options{Dev: *dev, File: *file, LookupEnv: lookupEnv})
	if err != nil {
		return fmt.Errorf("load configuration: %w", err)
	}
	key, secret, err := cfg.SigningKey(*apiKey)
	if err != nil {
		return err
	}
	token, err := auth.Sign(key, secret, auth.TokenParams{
		Identity: *identity, Name: *name, Metadata: *metadata, Room: *room, Kind: k,
		Grants: g, TTL: *ttl, IssuedAt: time.Now(),
	})
	if err != nil {
		return fmt.Errorf("sign token: %w", err)
	}
	_, err = fmt.Fprintln(stdout, token)
	return err
}

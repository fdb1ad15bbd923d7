package apiclient

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/ensemble-sfu/ensemble/signalling/apiwire"
	"github.com/ensemble-sfu/ensemble/signalling/auth"
	"github.com/ensemble-sfu/ensemble/signalling/store"
)

// cliTokenTTL: the CLI mints a fresh token per run, so it need not live long.
const cliTokenTTL = 10 * time.Minute

const cliUsage = `usage: ensemble room <command> [flags] [args]

commands:
  create [--name N] [--max-participants N] [--empty-timeout SECONDS] [--metadata M] [--guests allow|deny] [--lobby] [--auto-record]
  list
  get ROOM
  delete ROOM
  participants ROOM
  remove ROOM IDENTITY
  mute ROOM IDENTITY TRACK_SID [--unmute]
  meeting create --title T --start TIME --end TIME [--time-zone Z] [--recurrence RRULE] [--room R] [--idempotency-key K]
  invite MEETING_ID [-o FILE]      print (or save) the meeting's .ics
  record start ROOM [--composite] [--layout grid|speaker] [--audio-only]
  record stop ROOM RECORDING_ID    stop; answers once the files are closed
  record get RECORDING_ID          status, files and manifest
  record list ROOM
  sip-dial ROOM URI [--name N]     call a room system or phone into the room (SIP bridge)
  sip-call ROOM ID                 a placed call's progress
  sip-hangup ROOM ID               hang a placed call up

flags of every command:
  --url URL            server address (default http://127.0.0.1:7880, or $ENSEMBLE_URL)
  --api-key K          API key ($ENSEMBLE_API_KEY) ...
  --api-secret S       ... and its secret ($ENSEMBLE_API_SECRET): the CLI mints its own admin token
  --dev                use the development key (a server started with --dev)
  --json               print JSON instead of a table (list, participants)
`

// cliGlobals are the flags every command accepts.
type cliGlobals struct {
	url, key, secret string
	dev, json        bool
}

func (g *cliGlobals) register(fs *flag.FlagSet) {
	fs.StringVar(&g.url, "url", envOr("ENSEMBLE_URL", "http://127.0.0.1:7880"), "server address")
	fs.StringVar(&g.key, "api-key", os.Getenv("ENSEMBLE_API_KEY"), "API key")
	fs.StringVar(&g.secret, "api-secret", os.Getenv("ENSEMBLE_API_SECRET"), "API secret")
	fs.BoolVar(&g.dev, "dev", false, "use the development key")
	fs.BoolVar(&g.json, "json", false, "print JSON")
}

func envOr(name, def string) string {
	if v := os.Getenv(name); v != "" {
		return v
	}
	return def
}

// client mints an admin token with the chosen key and returns a Client.
func (g *cliGlobals) client() (*Client, error) {
	key, secret := g.key, g.secret
	if g.dev {
		key, secret = auth.DevAPIKey, auth.DevAPISecret
	}
	if key == "" || secret == "" {
		return nil, errors.New("no credentials: give --api-key and --api-secret (or $ENSEMBLE_API_KEY and $ENSEMBLE_API_SECRET), or --dev")
	}
	tok, err := auth.Sign(key, secret, auth.TokenParams{
		Identity: "ensemble-cli", TTL: cliTokenTTL,
		Grants: auth.Grants{RoomAdmin: true, RoomCreate: true, RoomList: true},
	})
	if err != nil {
		return nil, fmt.Errorf("mint API token: %w", err)
	}
	return &Client{BaseURL: g.url, Token: tok}, nil
}

// parseInterspersed parses flags that may come before, between or after the
// positional arguments ("remove ROOM ID --dev"), and returns the positionals.
func parseInterspersed(fs *flag.FlagSet, args []string) ([]string, error) {
	var pos []string
	for {
		if err := fs.Parse(args); err != nil {
			return nil, err
		}
		args = fs.Args()
		if len(args) == 0 {
			return pos, nil
		}
		if args[0] == "--" {
			return append(pos, args[1:]...), nil
		}
		pos = append(pos, args[0])
		args = args[1:]
	}
}

// globalsAfterCommand moves flags written before the command ("--dev list") after
// it, where the command's flag set parses them.
func globalsAfterCommand(args []string) []string {
	var lead []string
	for len(args) > 0 && strings.HasPrefix(args[0], "-") && args[0] != "-h" && args[0] != "--help" && args[0] != "--" {
		name := strings.TrimLeft(args[0], "-")
		lead = append(lead, args[0])
		args = args[1:]
		if (name == "url" || name == "api-key" || name == "api-secret") && len(args) > 0 {
			lead = append(lead, args[0])
			args = args[1:]
		}
	}
	if len(lead) == 0 || len(args) == 0 {
		return append(lead, args...)
	}
	out := append([]string{args[0]}, args[1:]...)
	if (args[0] == "meeting" || args[0] == "record") && len(args) > 1 {
		out = append([]string{args[0], args[1]}, args[2:]...)
	}
	return append(out, lead...)
}

// cli is one run of `ensemble room`.
type cli struct {
	ctx    context.Context
	out    io.Writer
	errOut io.Writer
	g      cliGlobals
}

// RunCLI runs `ensemble room` with args (the arguments after "room"), printing
// results to stdout and usage errors to stderr. flag.ErrHelp is returned for -h.
func RunCLI(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	c := &cli{ctx: ctx, out: stdout, errOut: stderr}
	args = globalsAfterCommand(args)
	if len(args) == 0 || args[0] == "-h" || args[0] == "--help" || args[0] == "help" {
		fmt.Fprint(stderr, cliUsage)
		if len(args) == 0 {
			return errors.New("missing command")
		}
		return flag.ErrHelp
	}
	cmd, rest := args[0], args[1:]
	if cmd == "record" {
		return c.record(rest)
	}
	if cmd == "meeting" {
		if len(rest) == 0 || rest[0] != "create" {
			fmt.Fprint(stderr, cliUsage)
			return errors.New(`"meeting" needs a subcommand: meeting create`)
		}
		return c.meetingCreate(rest[1:])
	}
	run, ok := map[string]func([]string) error{
		"create": c.create, "list": c.list, "get": c.get, "delete": c.delete,
		"participants": c.participants, "remove": c.remove, "mute": c.mute, "invite": c.invite,
		"sip-dial": c.sipDial, "sip-call": c.sipCall, "sip-hangup": c.sipHangUp,
	}[cmd]
	if !ok {
		fmt.Fprint(stderr, cliUsage)
		return fmt.Errorf("unknown command %q", cmd)
	}
	return run(rest)
}

// flags makes the flag set of one command, with the global flags.
func (c *cli) flags(name string) *flag.FlagSet {
	fs := flag.NewFlagSet("ensemble room "+name, flag.ContinueOnError)
	fs.SetOutput(c.errOut)
	fs.Usage = func() { fmt.Fprint(c.errOut, cliUsage) }
	c.g.register(fs)
	return fs
}

// parse parses args and checks the number of positionals.
func (c *cli) parse(fs *flag.FlagSet, args []string, names ...string) ([]string, *Client, error) {
	pos, err := parseInterspersed(fs, args)
	if err != nil {
		return nil, nil, err
	}
	if len(pos) != len(names) {
		want := "no arguments"
		if len(names) > 0 {
			want = strings.Join(names, " ")
		}
		return nil, nil, fmt.Errorf("%s: want %s, got %q", fs.Name(), want, pos)
	}
	cl, err := c.g.client()
	return pos, cl, err
}

func (c *cli) printJSON(v any) error {
	enc := json.NewEncoder(c.out)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}

func (c *cli) create(args []string) error {
	fs := c.flags("create")
	var in apiwire.CreateRoomRequest
	var guests string
	fs.StringVar(&in.Name, "name", "", "room name (generated when empty)")
	fs.IntVar(&in.MaxParticipants, "max-participants", 0, "participant limit (0 = server default)")
	fs.IntVar(&in.EmptyTimeout, "empty-timeout", 0, "seconds an empty room is kept (0 = server default)")
	fs.StringVar(&in.Metadata, "metadata", "", "room metadata")
	fs.StringVar(&guests, "guests", "", "guest policy: allow or deny")
	fs.BoolVar(&in.Lobby, "lobby", false, "guests wait in a lobby until admitted")
	fs.BoolVar(&in.AutoRecord, "auto-record", false, "record the room when its first participant joins")
	_, cl, err := c.parse(fs, args)
	if err != nil {
		return err
	}
	in.GuestPolicy = store.GuestPolicy(guests)
	room, err := cl.CreateRoom(c.ctx, in)
	if err != nil {
		return err
	}
	return c.printJSON(room)
}

func (c *cli) list(args []string) error {
	_, cl, err := c.parse(c.flags("list"), args)
	if err != nil {
		return err
	}
	rooms, err := cl.ListRooms(c.ctx)
	if err != nil {
		return err
	}
	if c.g.json {
		return c.printJSON(rooms)
	}
	tw := tabwriter.NewWriter(c.out, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "NAME\tPARTICIPANTS\tACTIVE\tGUESTS\tLOBBY\tCREATED")
	for _, r := range rooms {
		fmt.Fprintf(tw, "%s\t%d\t%v\t%s\t%v\t%s\n", r.Name, r.NumParticipants, r.Active, r.GuestPolicy, r.Lobby,
			r.CreatedAt.UTC().Format(time.RFC3339))
	}
	return tw.Flush()
}

func (c *cli) get(args []string) error {
	pos, cl, err := c.parse(c.flags("get"), args, "ROOM")
	if err != nil {
		return err
	}
	room, err := cl.GetRoom(c.ctx, pos[0])
	if err != nil {
		return err
	}
	return c.printJSON(room)
}

func (c *cli) delete(args []string) error {
	pos, cl, err := c.parse(c.flags("delete"), args, "ROOM")
	if err != nil {
		return err
	}
	if err := cl.DeleteRoom(c.ctx, pos[0]); err != nil {
		return err
	}
	fmt.Fprintf(c.out, "room %s deleted\n", pos[0])
	return nil
}

func (c *cli) participants(args []string) error {
	pos, cl, err := c.parse(c.flags("participants"), args, "ROOM")
	if err != nil {
		return err
	}
	ps, err := cl.ListParticipants(c.ctx, pos[0])
	if err != nil {
		return err
	}
	if c.g.json {
		return c.printJSON(ps)
	}
	tw := tabwriter.NewWriter(c.out, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "IDENTITY\tNAME\tSID\tTRACKS\tHIDDEN\tJOINED")
	for _, p := range ps {
		var tracks []string
		for _, t := range p.Tracks {
			s := t.SID + ":" + string(t.Source)
			if t.Muted {
				s += "(muted)"
			}
			tracks = append(tracks, s)
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%v\t%s\n", p.Identity, p.Name, p.SID, strings.Join(tracks, ","), p.Hidden,
			p.JoinedAt.UTC().Format(time.RFC3339))
	}
	return tw.Flush()
}

func (c *cli) remove(args []string) error {
	pos, cl, err := c.parse(c.flags("remove"), args, "ROOM", "IDENTITY")
	if err != nil {
		return err
	}
	if err := cl.RemoveParticipant(c.ctx, pos[0], pos[1]); err != nil {
		return err
	}
	fmt.Fprintf(c.out, "participant %s removed from room %s\n", pos[1], pos[0])
	return nil
}

func (c *cli) mute(args []string) error {
	fs := c.flags("mute")
	unmute := fs.Bool("unmute", false, "unmute instead")
	pos, cl, err := c.parse(fs, args, "ROOM", "IDENTITY", "TRACK_SID")
	if err != nil {
		return err
	}
	t, err := cl.MuteTrack(c.ctx, pos[0], pos[1], pos[2], !*unmute)
	if err != nil {
		return err
	}
	return c.printJSON(t)
}

func (c *cli) meetingCreate(args []string) error {
	fs := c.flags("meeting create")
	var in apiwire.CreateMeetingRequest
	var key string
	fs.StringVar(&in.Title, "title", "", "meeting title")
	fs.StringVar(&in.Start, "start", "", "start, RFC 3339 (2026-12-01T10:00:00+01:00) or local in --time-zone")
	fs.StringVar(&in.End, "end", "", "end, same formats")
	fs.StringVar(&in.TimeZone, "time-zone", "", "IANA time zone (default UTC)")
	fs.StringVar(&in.Recurrence, "recurrence", "", "RRULE, e.g. FREQ=WEEKLY;BYDAY=MO")
	fs.StringVar(&in.Room, "room", "", "room name (generated when empty)")
	fs.StringVar(&in.Lang, "lang", "", "invitation language: en or fr")
	fs.StringVar(&key, "idempotency-key", "", "retry-safe key: the same key never makes two meetings")
	_, cl, err := c.parse(fs, args)
	if err != nil {
		return err
	}
	v, _, err := cl.CreateMeeting(c.ctx, in, key)
	if err != nil {
		return err
	}
	return c.printJSON(v)
}

func (c *cli) invite(args []string) error {
	fs := c.flags("invite")
	outFile := fs.String("o", "", "save the .ics to this file instead of printing it")
	pos, cl, err := c.parse(fs, args, "MEETING_ID")
	if err != nil {
		return err
	}
	ics, err := cl.MeetingICS(c.ctx, pos[0])
	if err != nil {
		return err
	}
	if *outFile == "" {
		_, err = c.out.Write(ics)
		return err
	}
	if err := os.WriteFile(*outFile, ics, 0o644); err != nil {
		return fmt.Errorf("save invitation: %w", err)
	}
	fmt.Fprintf(c.out, "invitation saved to %s\n", *outFile)
	return nil
}

func (c *cli) sipDial(args []string) error {
	fs := c.flags("sip-dial")
	name := fs.String("name", "", "participant name (default the URI's user)")
	pos, cl, err := c.parse(fs, args, "ROOM", "URI")
	if err != nil {
		return err
	}
	call, err := cl.DialSIP(c.ctx, pos[0], apiwire.DialSIPRequest{URI: pos[1], Name: *name})
	if err != nil {
		return err
	}
	return c.printSIPCall(call)
}

func (c *cli) sipCall(args []string) error {
	pos, cl, err := c.parse(c.flags("sip-call"), args, "ROOM", "ID")
	if err != nil {
		return err
	}
	call, err := cl.SIPParticipant(c.ctx, pos[0], pos[1])
	if err != nil {
		return err
	}
	return c.printSIPCall(call)
}

func (c *cli) sipHangUp(args []string) error {
	pos, cl, err := c.parse(c.flags("sip-hangup"), args, "ROOM", "ID")
	if err != nil {
		return err
	}
	if err := cl.HangUpSIP(c.ctx, pos[0], pos[1]); err != nil {
		return err
	}
	fmt.Fprintf(c.out, "SIP call %s of room %s hung up\n", pos[1], pos[0])
	return nil
}

func (c *cli) printSIPCall(call apiwire.SIPParticipant) error {
	if c.g.json {
		return c.printJSON(call)
	}
	status := ""
	if call.SIPStatus != 0 {
		status = fmt.Sprintf(" (SIP %d)", call.SIPStatus)
	}
	fmt.Fprintf(c.out, "SIP call %s to %s in room %s: %s%s\n", call.ID, call.URI, call.Room, call.State, status)
	return nil
}

package apiclient

import (
	"errors"
	"fmt"
	"text/tabwriter"
	"time"

	"github.com/ensemble-sfu/ensemble/signalling/apiwire"
)

// record is `ensemble room record start|stop|get|list`.
func (c *cli) record(args []string) error {
	if len(args) == 0 {
		fmt.Fprint(c.errOut, cliUsage)
		return errors.New(`"record" needs a subcommand: start, stop, get or list`)
	}
	switch args[0] {
	case "start":
		return c.recordStart(args[1:])
	case "stop":
		return c.recordStop(args[1:])
	case "get":
		return c.recordGet(args[1:])
	case "list":
		return c.recordList(args[1:])
	}
	fmt.Fprint(c.errOut, cliUsage)
	return fmt.Errorf("unknown record subcommand %q (start, stop, get or list)", args[0])
}

func (c *cli) recordStart(args []string) error {
	fs := c.flags("record start")
	var in apiwire.StartRecordingRequest
	fs.BoolVar(&in.Composite, "composite", false, "compose the tracks into one file at stop")
	fs.StringVar(&in.Layout, "layout", "", "layout of the composed video: grid, or speaker (the active speaker large)")
	fs.BoolVar(&in.AudioOnly, "audio-only", false, "compose one audio mix instead of a video")
	pos, cl, err := c.parse(fs, args, "ROOM")
	if err != nil {
		return err
	}
	if in.Layout != "" || in.AudioOnly {
		in.Composite = true
	}
	rec, err := cl.StartRecording(c.ctx, pos[0], in)
	if err != nil {
		return err
	}
	return c.printJSON(rec)
}

func (c *cli) recordStop(args []string) error {
	pos, cl, err := c.parse(c.flags("record stop"), args, "ROOM", "RECORDING_ID")
	if err != nil {
		return err
	}
	rec, err := cl.StopRecording(c.ctx, pos[0], pos[1])
	if err != nil {
		return err
	}
	return c.printJSON(rec)
}

func (c *cli) recordGet(args []string) error {
	pos, cl, err := c.parse(c.flags("record get"), args, "RECORDING_ID")
	if err != nil {
		return err
	}
	rec, err := cl.GetRecording(c.ctx, pos[0])
	if err != nil {
		return err
	}
	return c.printJSON(rec)
}

func (c *cli) recordList(args []string) error {
	pos, cl, err := c.parse(c.flags("record list"), args, "ROOM")
	if err != nil {
		return err
	}
	recs, err := cl.ListRecordings(c.ctx, pos[0])
	if err != nil {
		return err
	}
	if c.g.json {
		return c.printJSON(recs)
	}
	tw := tabwriter.NewWriter(c.out, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "ID\tSTATUS\tFILES\tCREATED\tREASON")
	for _, r := range recs {
		fmt.Fprintf(tw, "%s\t%s\t%d\t%s\t%s\n", r.ID, r.Status, len(r.Files), r.CreatedAt.UTC().Format(time.RFC3339), r.Reason)
	}
	return tw.Flush()
}

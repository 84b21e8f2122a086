package cli

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"sort"
	"strings"
	"time"
)

// Exit statuses of [Run].
const (
	ExitOK       = 0 // success; for check: the value is a known bad actor
	ExitNotFound = 1 // check only: the value is not a known bad actor
	ExitFailure  = 2 // usage error, or the API failed or could not be reached
)

// defaultTimeout bounds every call whose reply is read whole, and the wait
// for the headers of a streamed reply.
const defaultTimeout = 10 * time.Second

// defaultStreamIdle is how long events --follow waits for any data (events
// or the API's keep-alive, sent every 15 s) before giving the stream up.
const defaultStreamIdle = 45 * time.Second

// command is one subcommand.
type command struct {
	summary string
	usage   string // the text after "Usage: "
	run     func(r *runner, ctx context.Context, args []string) int
}

// commands returns the subcommands by name.
func commands() map[string]command {
	cmds := map[string]command{
		"ips":       {summary: "list the IP addresses of bad actors", usage: ipsUsage, run: (*runner).ips},
		"numbers":   {summary: "list the phone numbers bad actors called", usage: numbersUsage, run: (*runner).numbers},
		"check":     {summary: "check whether an IP address or number is a bad actor", usage: checkUsage, run: (*runner).check},
		"export":    {summary: "write a block list (txt, csv, json, nft, ipset)", usage: exportUsage, run: (*runner).export},
		"events":    {summary: "list recent probes; --follow to watch new ones", usage: eventsUsage, run: (*runner).events},
		"decisions": {summary: "list what is blocked now (every blocker follows it)", usage: decisionsUsage, run: (*runner).decisions},
		"block":     {summary: "block an IP address, network or number at every blocker", usage: blockUsage, run: (*runner).block},
		"unblock":   {summary: "unblock a value at every blocker, and keep it unblocked", usage: unblockUsage, run: (*runner).unblock},
	}
	for name, c := range moreCommands() {
		cmds[name] = c
	}
	return cmds
}

// IsCommand reports whether name is a subcommand that [Run] handles.
func IsCommand(name string) bool {
	_, ok := commands()[name]
	return ok
}

// Usage writes the list of subcommands, for the daemon's -h.
func Usage(w io.Writer) {
	cmds := commands()
	names := make([]string, 0, len(cmds))
	for n := range cmds {
		names = append(names, n)
	}
	sort.Strings(names)
	fmt.Fprint(w, "Client subcommands (talk to a running sentrypeer's API; run one with -h for its flags):\n")
	for _, n := range names {
		fmt.Fprintf(w, "  sentrypeer %-8s %s\n", n, cmds[n].summary)
	}
}

// Run runs the client subcommand name with its arguments args (those after
// the name) and returns the process exit status: [ExitOK], [ExitNotFound]
// (check only) or [ExitFailure]. env looks up environment variables (pass
// [os.LookupEnv]); output goes to stdout, messages to stderr.
//
// Run blocks until the command is done; cancelling ctx (Ctrl-C through
// signal.NotifyContext) aborts a call, and ends events --follow normally
// with [ExitOK]. Run is safe for concurrent use with distinct writers.
func Run(ctx context.Context, name string, args []string, env func(string) (string, bool), stdout, stderr io.Writer) int {
	r := &runner{stdout: stdout, stderr: stderr, env: env, timeout: defaultTimeout, streamIdle: defaultStreamIdle}
	return r.run(ctx, name, args)
}

// runner holds what one Run call needs.
type runner struct {
	stdout, stderr io.Writer
	env            func(string) (string, bool)
	timeout        time.Duration
	streamIdle     time.Duration
	name           string // the subcommand, for messages
}

func (r *runner) run(ctx context.Context, name string, args []string) int {
	cmd, ok := commands()[name]
	if !ok {
		fmt.Fprintf(r.stderr, "sentrypeer: unknown command %q\n", name)
		return ExitFailure
	}
	r.name = name
	return cmd.run(r, ctx, args)
}

// common holds the flags every subcommand has.
type common struct {
	json   bool
	api    string
	apiKey string
}

// flagSet returns a flag set for the current subcommand with the common flags.
func (r *runner) flagSet() (*flag.FlagSet, *common) {
	fs := flag.NewFlagSet("sentrypeer "+r.name, flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	c := &common{}
	fs.BoolVar(&c.json, "json", false, "")
	fs.StringVar(&c.api, "api", "", "")
	fs.StringVar(&c.apiKey, "api-key", "", "")
	return fs, c
}

// errUsage marks an error that is the user's: it is shown with a pointer
// to -h.
var errUsage = errors.New("cli: usage error")

func usageErrorf(format string, a ...any) error {
	return fmt.Errorf("%w: "+format, append([]any{errUsage}, a...)...)
}

// parse parses args into fs, allowing flags after positional arguments
// ("check 1.2.3.4 --json"); "--" ends the flags. It returns the positional
// arguments. On -h it prints the usage and returns done with [ExitOK]; on a
// bad flag it prints the error and returns done with [ExitFailure].
func (r *runner) parse(fs *flag.FlagSet, args []string) (pos []string, done bool, code int) {
	for {
		err := fs.Parse(args)
		if errors.Is(err, flag.ErrHelp) {
			fmt.Fprintf(r.stdout, "Usage: %s\n", commands()[r.name].usage)
			return nil, true, ExitOK
		}
		if err != nil {
			return nil, true, r.fail(usageErrorf("%v", err))
		}
		rest := fs.Args()
		if len(rest) == 0 {
			return pos, false, 0
		}
		if used := len(args) - len(rest); used > 0 && args[used-1] == "--" {
			return append(pos, rest...), false, 0
		}
		pos = append(pos, rest[0])
		args = rest[1:]
	}
}

// fail prints err on stderr, made safe for a terminal, and returns
// [ExitFailure].
func (r *runner) fail(err error) int {
	msg := err.Error() + hint(err)
	usage := errors.Is(err, errUsage)
	if usage {
		msg = strings.TrimPrefix(msg, errUsage.Error()+": ")
	}
	fmt.Fprintf(r.stderr, "sentrypeer %s: %s\n", r.name, safeText(msg))
	if usage {
		fmt.Fprintf(r.stderr, "Run 'sentrypeer %s -h' for usage.\n", r.name)
	}
	return ExitFailure
}

// printJSON writes the API's JSON document b, validated and made safe.
func (r *runner) printJSON(b []byte, indent bool) error {
	out, err := safeJSON(b, indent)
	if err != nil {
		return err
	}
	out = append(out, '\n')
	_, err = r.stdout.Write(out)
	return err
}

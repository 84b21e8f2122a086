package config

import (
	"bufio"
	"bytes"
	"cmp"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/netip"
	"os"
	"slices"
	"strings"
)

// Sentinel results of [Load] for the informational flags.
var (
	ErrHelp    = errors.New("config: help requested")
	ErrVersion = errors.New("config: version requested")
)

// Env looks up an environment variable, like [os.LookupEnv].
type Env func(key string) (string, bool)

// layer holds the raw values one source gave, by setting name.
type layer map[string][]string

// Load builds the configuration from args (without the program name), the
// environment and the config file named by -g or SENTRYPEER_CONFIG_FILE.
func Load(args []string, env Env) (Config, error) {
	all := settings()
	flags, configFile, info, err := parseArgs(args, all)
	if err != nil {
		return Config{}, err
	}
	if info != nil {
		return Config{}, info
	}
	if configFile == "" {
		configFile, _ = env("SENTRYPEER_CONFIG_FILE")
	}
	var file layer
	if configFile != "" {
		b, err := os.ReadFile(configFile)
		if err != nil {
			return Config{}, fmt.Errorf("reading config file (-g): %w", err)
		}
		file, err = parseFile(b, configFile, all, env)
		if err != nil {
			return Config{}, err
		}
	}
	envs, err := parseEnv(all, env)
	if err != nil {
		return Config{}, err
	}
	if Lite {
		if err := refuseLeftOut(all, configFile, flags, envs, file); err != nil {
			return Config{}, err
		}
	}
	c, err := build(all, file, envs, flags)
	if err != nil {
		return Config{}, err
	}
	c.ConfigFile = configFile
	return c, nil
}

// build applies defaults, then for each setting the values of the last
// layer that has it.
func build(all []setting, layers ...layer) (Config, error) {
	var c Config
	for _, s := range all {
		values := []string{}
		if s.def != "" {
			values = []string{s.def}
		}
		set := false
		for _, l := range layers {
			if v, ok := l[s.name]; ok {
				values, set = v, true
			}
		}
		if s.multi {
			values = splitOn(values, cmp.Or(s.sep, ","))
		}
		for _, v := range values {
			if err := s.apply(&c, v); err != nil {
				return Config{}, fmt.Errorf("invalid %s %q: %w", s.label(), v, err)
			}
		}
		if s.name == "sip-listen" {
			c.SIPListenDefault = !set
		}
	}
	if c.DBFile == "" {
		c.DBFile = c.DataPath("sentrypeer.db")
	}
	if c.JSONLogFile == "" {
		c.JSONLogFile = c.DataPath("sentrypeer_json.log")
	}
	return c, validate(&c)
}

func validate(c *Config) error {
	if len(c.SIPListen) == 0 && !c.SIPDisable {
		return errors.New("invalid --sip-listen: at least one address is needed (or -R to disable SIP)")
	}
	seen := map[string]bool{}
	for _, ap := range c.SIPListen {
		if seen[ap.String()] {
			return fmt.Errorf("invalid --sip-listen: %s is listed twice", ap)
		}
		seen[ap.String()] = true
	}
	if (c.TLSCert == "") != (c.TLSKey == "") {
		return errors.New("invalid TLS settings: -t (SENTRYPEER_CERT) and -k (SENTRYPEER_KEY) go together")
	}
	// A non-loopback --api-listen needs an API key or an API client; the
	// daemon checks, since only it reads DATA-DIR/clients.db.
	if (c.APITLSCert == "") != (c.APITLSKey == "") {
		return errors.New("invalid API TLS settings: --api-tls-cert and --api-tls-key go together")
	}
	if c.APITLSSelfSigned && c.APITLSCert != "" {
		return errors.New("invalid API TLS settings: --api-tls-self-signed and --api-tls-cert/--api-tls-key exclude each other")
	}
	if c.TLSSelfSigned && c.TLSCert != "" {
		return errors.New("invalid TLS settings: --tls-self-signed and -t/-k exclude each other")
	}
	if c.SIPAgentListen.IsValid() != (c.SIPAgentDestination != "") {
		return errors.New("invalid SIP agent settings: --sip-agent-listen and --sip-agent-destination go together")
	}
	if c.SIPAgentListen.IsValid() && slices.ContainsFunc(c.SIPListen, func(ap netip.AddrPort) bool { return ap == c.SIPAgentListen }) {
		return fmt.Errorf("invalid --sip-agent-listen %s: the honeypot listens there (--sip-listen); customers' calls must not be recorded as probes", c.SIPAgentListen)
	}
	if (c.BGPASN != 0) != (len(c.BGPNeighbors) > 0) {
		return errors.New("invalid BGP settings: --bgp-asn and --bgp-neighbor go together")
	}
	if c.NFTSetsOnly && !c.NFT {
		return errors.New("invalid --nft-sets-only: it goes with --nft")
	}
	if (c.OAuth2ClientID == "") != (c.OAuth2ClientSecret == "") {
		return errors.New("invalid OAuth2 settings: -i (SENTRYPEER_OAUTH2_CLIENT_ID) and -c (SENTRYPEER_OAUTH2_CLIENT_SECRET) go together")
	}
	if c.OAuth2ClientID != "" && c.WebhookURL == "" {
		return errors.New("invalid OAuth2 settings: -i and -c get the webhook's token; they need -w (SENTRYPEER_WEBHOOK_URL)")
	}
	return nil
}

// refuseLeftOut returns an error naming the first setting given (by a
// flag, else a variable, else the config file) of a part of the program
// that lite builds leave out, unless its value keeps that part off. A lite
// build calls it before any value is parsed: it could not parse some.
func refuseLeftOut(all []setting, configFile string, flags, envs, file layer) error {
	sources := []struct {
		l     layer
		where func(setting) string
	}{
		{flags, func(s setting) string { return "--" + s.name }},
		{envs, func(s setting) string { return s.env }},
		{file, func(s setting) string { return fmt.Sprintf("config file %s: %s", configFile, s.name) }},
	}
	for _, src := range sources {
		for _, s := range all {
			values, ok := src.l[s.name]
			if !ok || s.feature == "" || isOff(s, values) {
				continue
			}
			return fmt.Errorf("%s: not in this build (lite); use the full build", src.where(s))
		}
	}
	return nil
}

// isOff reports whether every value keeps s's part of the program off.
func isOff(s setting, values []string) bool {
	if s.off == "" {
		return false
	}
	for _, v := range values {
		if s.isBool {
			b, err := ParseBool(v)
			if off, _ := ParseBool(s.off); err != nil || b != off {
				return false
			}
		} else if v != s.off {
			return false
		}
	}
	return true
}

func (s setting) label() string {
	l := "--" + s.name
	if s.short != "" {
		l = "-" + s.short + "/" + l
	}
	if s.env != "" {
		l += " (" + s.env + ")"
	}
	return l
}

func splitOn(values []string, sep string) []string {
	var out []string
	for _, v := range values {
		for _, p := range strings.Split(v, sep) {
			if p = strings.TrimSpace(p); p != "" {
				out = append(out, p)
			}
		}
	}
	return out
}

// recorder is a flag.Value that records raw strings into a layer.
type recorder struct {
	l      layer
	s      setting
	isBool bool
}

func (r *recorder) String() string   { return "" }
func (r *recorder) IsBoolFlag() bool { return r.isBool }
func (r *recorder) Set(v string) error {
	if r.isBool {
		if _, err := ParseBool(v); err != nil {
			return err
		}
	}
	if r.s.multi {
		r.l[r.s.name] = append(r.l[r.s.name], v)
	} else {
		r.l[r.s.name] = []string{v}
	}
	return nil
}

func parseArgs(args []string, all []setting) (l layer, configFile string, info error, err error) {
	l = layer{}
	fs := flag.NewFlagSet("sentrypeer", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	for _, s := range all {
		r := &recorder{l: l, s: s, isBool: s.isBool}
		fs.Var(r, s.name, s.usage)
		if s.short != "" {
			fs.Var(r, s.short, s.usage)
		}
	}
	fs.StringVar(&configFile, "g", "", "config file")
	fs.StringVar(&configFile, "config", "", "config file")
	var help, version bool
	fs.BoolVar(&help, "h", false, "help")
	fs.BoolVar(&help, "help", false, "help")
	fs.BoolVar(&version, "V", false, "version")
	fs.BoolVar(&version, "version", false, "version")
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return nil, "", ErrHelp, nil
		}
		return nil, "", nil, fmt.Errorf("%w (see -h)", err)
	}
	if fs.NArg() > 0 {
		return nil, "", nil, fmt.Errorf("unexpected argument %q (see -h)", fs.Arg(0))
	}
	switch {
	case help:
		return l, configFile, ErrHelp, nil
	case version:
		return l, configFile, ErrVersion, nil
	}
	return l, configFile, nil, nil
}

func parseEnv(all []setting, env Env) (layer, error) {
	l := layer{}
	for _, s := range all {
		if s.env == "" {
			continue
		}
		v, ok := env(s.env)
		if !ok {
			continue
		}
		l[s.name] = []string{v}
	}
	return l, nil
}

// parseFile reads "name = value" lines; '#' starts a comment line, and
// ${VAR} is expanded from the environment. Unknown names are errors.
func parseFile(b []byte, path string, all []setting, env Env) (layer, error) {
	byName := map[string]setting{}
	for _, s := range all {
		byName[s.name] = s
	}
	l := layer{}
	sc := bufio.NewScanner(bytes.NewReader(b))
	for n := 1; sc.Scan(); n++ {
		line := strings.TrimSpace(sc.Text())
		if line == "" || line[0] == '#' {
			continue
		}
		name, value, ok := strings.Cut(line, "=")
		if !ok {
			return nil, fmt.Errorf("config file %s line %d: want name = value", path, n)
		}
		name, value = strings.TrimSpace(name), strings.TrimSpace(value)
		s, ok := byName[name]
		if !ok {
			return nil, fmt.Errorf("config file %s line %d: unknown setting %q (see -h)", path, n, name)
		}
		value = os.Expand(value, func(k string) string { v, _ := env(k); return v })
		if s.multi {
			l[name] = append(l[name], value)
		} else {
			l[name] = []string{value}
		}
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("config file %s: %w", path, err)
	}
	return l, nil
}

// Usage writes every setting with its flags, environment variable and default.
func Usage(w io.Writer) {
	fmt.Fprint(w, `Usage: sentrypeer [flags]
       sentrypeer version

SentryPeer is a SIP honeypot: it records who probes it and which numbers they try to call.
Settings come from defaults, then the config file (-g), then SENTRYPEER_* variables, then flags.
Booleans take true/false/1/0; a boolean flag alone (-r) means true.

`)
	if Lite {
		fmt.Fprint(w, `This is a lite build: it has no peer-to-peer engine, no Prometheus /metrics, no BGP speaker,
no CrowdSec bouncer API, no webhook and no certificate generator. Settings marked (not in lite builds) stop start-up when given.

`)
	}
	for _, s := range settings() {
		names := "--" + s.name
		if s.short != "" {
			names = "-" + s.short + ", " + names
		}
		if !s.isBool {
			names += " VALUE"
		}
		fmt.Fprintf(w, "  %s\n      %s", names, s.usage)
		if s.def != "" {
			fmt.Fprintf(w, " (default %s)", s.def)
		}
		if s.env != "" {
			fmt.Fprintf(w, "\n      env %s", s.env)
		}
		fmt.Fprintln(w)
	}
	fmt.Fprint(w, `  -g, --config FILE
      config file of "name = value" lines using the long names above
      env SENTRYPEER_CONFIG_FILE
  -h, --help
      print this help
  -V, --version
      print the version
`)
}

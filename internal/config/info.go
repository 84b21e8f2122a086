package config

// SettingInfo describes one setting for documentation: the man page, the
// packaged config file and the tests that keep them, -h and README.md in
// step. It is a copy; changing it changes nothing.
type SettingInfo struct {
	// Name is the long flag (--Name) and the setting's key in the config file.
	Name string
	// Short is the original SentryPeer one-letter flag (-Short), or "".
	Short string
	// Env is the environment variable, or "" if there is none.
	Env string
	// Default is the built-in value as it would be written, or "" when the
	// setting is off or unset by default, or derived (DATA-DIR/...).
	Default string
	// Usage is the one-line description that -h prints.
	Usage string
	// Allowed says what a valid value looks like ("" for booleans).
	Allowed string
	// Multi is true when the setting may be given several times, and one
	// value may hold several separated by Sep.
	Multi bool
	// Sep separates several values in one, for Multi settings (",", or ";").
	Sep string
	// IsBool is true for booleans: the flag alone means true, and values
	// are true, false, 1 or 0.
	IsBool bool
	// Arg names the flag's value in usage text ("VALUE", "FILE"); "" for
	// flags that take none.
	Arg string
}

// Settings returns every setting, in the order -h prints them.
func Settings() []SettingInfo {
	all := settings()
	out := make([]SettingInfo, 0, len(all))
	for _, s := range all {
		i := SettingInfo{Name: s.name, Short: s.short, Env: s.env, Default: s.def,
			Usage: s.usage, Allowed: s.allowed, Multi: s.multi, IsBool: s.isBool}
		if s.multi {
			i.Sep = s.sep
			if i.Sep == "" {
				i.Sep = ","
			}
		}
		if !s.isBool {
			i.Arg = "VALUE"
		}
		out = append(out, i)
	}
	return out
}

// OtherFlags returns the flags that are not settings, as [Usage] prints
// them after the settings: -g/--config, -h/--help and -V/--version.
func OtherFlags() []SettingInfo {
	return []SettingInfo{
		{Name: "config", Short: "g", Env: "SENTRYPEER_CONFIG_FILE", Arg: "FILE", Allowed: "a path",
			Usage: `config file of "name = value" lines using the long names above`},
		{Name: "help", Short: "h", IsBool: true, Usage: "print this help"},
		{Name: "version", Short: "V", IsBool: true, Usage: "print the version"},
	}
}

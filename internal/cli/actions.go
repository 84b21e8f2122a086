package cli

// manageAction reads the positional arguments of the commands that manage
// credentials in the data folder (bouncers, clients): add NAME, list, or
// delete NAME. forms says what they take in the error for none; what is
// the thing a name names ("bouncer", "client"). name is "" for list.
func manageAction(pos []string, forms, what string) (action, name string, err error) {
	if len(pos) == 0 {
		return "", "", usageErrorf("want %s", forms)
	}
	action, rest := pos[0], pos[1:]
	want := 1
	switch action {
	case "add", "delete":
	case "list":
		want = 0
	default:
		return "", "", usageErrorf("unknown action %q: want add, list or delete", action)
	}
	if len(rest) != want {
		if want == 0 {
			return "", "", usageErrorf("list takes no argument")
		}
		return "", "", usageErrorf("%s wants one %s name", action, what)
	}
	if want == 1 {
		name = rest[0]
	}
	return action, name, nil
}

// manageFlagsUsage ends the help of bouncers and clients: the flags both
// take.
const manageFlagsUsage = `  --data-dir DIR   the daemon's data folder (default SENTRYPEER_DATA_DIR,
                   else data-dir in the config file, else sentrypeer-data)
  -g, --config FILE
                   the daemon's config file, read for its data-dir
                   (default SENTRYPEER_CONFIG_FILE)
  --json           print JSON instead of text
  -h, --help       show this help

Exit status: 0 on success, 2 on a usage error or failure.
`

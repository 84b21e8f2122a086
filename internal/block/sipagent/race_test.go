//go:build race

package sipagent

const raceEnabled = true

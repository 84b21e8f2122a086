//go:build !race

package sipagent

const raceEnabled = false

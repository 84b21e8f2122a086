//go:build !linux && !windows

package siplisten

func sysFD(fd uintptr) int { return int(fd) }

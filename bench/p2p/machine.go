package main

import "syscall"

// machineSample is the machine's and the harness's CPU counters at one
// moment, to tell whether the nodes were short of CPU.
type machineSample struct {
	busy, total uint64  // /proc/stat ticks, all CPUs
	self        float64 // the harness's own CPU seconds
}

// machineLoad is what happened between two samples.
type machineLoad struct {
	busy    float64 // fraction of all CPUs' time spent busy, 0..1
	harness float64 // CPU seconds the harness used (polling, sending)
}

func sampleMachine() (machineSample, error) {
	busy, total, err := machineCPU()
	if err != nil {
		return machineSample{}, err
	}
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return machineSample{}, err
	}
	self := float64(ru.Utime.Nano()+ru.Stime.Nano()) / 1e9
	return machineSample{busy: busy, total: total, self: self}, nil
}

func (s machineSample) since(s0 machineSample) machineLoad {
	l := machineLoad{harness: s.self - s0.self}
	if d := s.total - s0.total; d > 0 {
		l.busy = float64(s.busy-s0.busy) / float64(d)
	}
	return l
}

//go:build unix && !linux

package local

import "syscall"

func setParentDeathSignal(*syscall.SysProcAttr) {}
